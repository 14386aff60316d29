import { EgressPolicies } from './core/egress';
import { Chart, Lazy } from 'cdk8s';
import { distance } from 'fastest-levenshtein';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Environment, EnvironmentInput, defineEnvironment } from './environment';
import { PodSecurityLevel, weakestProfile } from './checks/pod-security';
import { selectorLabels, systemLabels } from './core/labels';
import {
  ACME_HTTP01_SOLVER_PORT,
  ACME_HTTP01_SOLVER_SELECTOR,
  ADMITS_ANNOTATION,
  EXTERNAL_CONFIGMAPS_ANNOTATION,
  EXTERNAL_SECRETS_ANNOTATION,
  EXTERNAL_SERVICES_ANNOTATION,
  EXTERNAL_SERVICE_ANNOTATION,
} from './checks/references';
import { TIER_LABEL } from './checks/policy';
import { isDnsLabel, serviceHost } from './core/names';
import type { ServedWorkload } from './core/workload-props';
import { Peer, TrafficRule, peerLabel, peerSelectors, peers } from './core/network-peers';
import { Issue, ShipshapeError, addDeferredCheck, reportErrors } from './core/issues';
import { edgeLabel, edgePeers } from './core/gateway';
import { clusterCheckLines } from './checks/app-validation';

/** Which delivery stage an object belongs to; each is its own directory under `dist/<env>/<system>/`. */
export type Layer = 'infrastructure' | 'migrations' | 'apps';

/** Props of a {@link SystemChart}. */
export interface SystemChartProps {
  /** The environment this chart is synthesized for (parsed or as written). */
  readonly environment: Environment | EnvironmentInput;
}

/**
 * A recorded permission, for reading: `from` is the calling workload's name, or what an outside
 * peer stands for (`gateway` for the edge, or `ingress-controller` for an ingress-nginx edge,
 * `keda-operator`, `monitoring`, `*` for every source); `to` is the workload or declared service reached.
 */
export interface WiringEdge {
  /** The caller: a workload's name, or the label of an outside peer. */
  readonly from: string;
  /** Name of the workload called. */
  readonly to: string;
  /** TCP port on `to`. */
  readonly port: number;
}

const SYSTEM_CHART = Symbol.for('shipshape.SystemChart');

/**
 * One system (a set of workloads that ship together) in one environment. Every shipshape construct
 * lives inside one; it owns the namespace, the environment the constructs read, and the wiring
 * between workloads.
 *
 * `runSynth` makes one per system and environment. In a cdk8s app of your own, make it yourself,
 * `new SystemChart(app, 'notes', { environment })`, and call `app.synth()`: the checks `runSynth`
 * makes over an environment's output (strict schemas, API rules, Pod Security, references, policy,
 * credentials) run as cdk8s validations, over every SystemChart of the app in that environment.
 */
export class SystemChart extends Chart {
  /** The chart enclosing `scope`; throws a clear error when there is none. */
  public static of(scope: IConstruct): SystemChart {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      if (isSystemChart(c)) return c;
    }
    throw new ShipshapeError([`${scope.node.path}: shipshape constructs must be defined inside a SystemChart`]);
  }

  /** The system's name (the chart id), used as `app.kubernetes.io/part-of`. */
  public readonly system: string;
  /** The parsed environment. */
  public readonly environment: Environment;
  /** The chart holding the Namespace and namespace-wide policies. */
  public readonly infrastructure: Chart;
  /** The chart holding migration Jobs, delivered before the applications. */
  public readonly migrations: Chart;

  private readonly podLevels = new Map<string, PodSecurityLevel>();
  private readonly wiring: { from: Peer; to: string; port: number }[] = [];
  private readonly workloads = new Set<string>();
  private readonly imageRepositories = new Set<string>();
  private readonly settingsRead = new Set<string>();
  private readonly policies = new Map<string, AllowPolicy>();
  private readonly rules: TrafficRule[] = [];
  private readonly ruleKeys = new Set<string>();
  private readonly externalSecrets = new Set<string>();
  private readonly externalConfigMaps = new Set<string>();
  /** The workloads' egress policies, written when the environment enforces egress. */
  public readonly egress: EgressPolicies;

  constructor(scope: Construct, system: string, props: SystemChartProps) {
    // Parsing a parsed environment is a no-op, so both forms are accepted the same way.
    const environment = defineEnvironment(props.environment);
    super(scope, system, { namespace: environment.namespace, disableResourceNameHashes: true });
    // A symbol, not instanceof: two copies of shipshape in one app still find each other's charts.
    Object.defineProperty(this, SYSTEM_CHART, { value: true });
    if (!isDnsLabel(system)) {
      reportErrors(this, 'SystemChart', [
        { field: '(id)', message: `"${system}": the system name must be a DNS label`, fix: 'use lower-case letters, digits and "-"' },
      ]);
    }
    this.system = system;
    this.environment = environment;
    this.infrastructure = new Chart(this, 'infrastructure', { disableResourceNameHashes: true });
    this.migrations = new Chart(this, 'migrations', { namespace: environment.namespace, disableResourceNameHashes: true });

    const enforced = Lazy.any({ produce: () => this.enforcedLevel() });
    const externals = (names: Set<string>) => Lazy.any({ produce: () => (names.size ? [...names].sort().join(',') : undefined) });
    // Services other charts run in the namespace: they must be installed before the pods can use them.
    const inNamespace = Object.keys(environment.externalServices).filter((name) => environment.externalServices[name].podSelector);
    new k8s.KubeNamespace(this.infrastructure, 'namespace', {
      metadata: {
        name: environment.namespace,
        // What must exist before the pods can start, made outside this output: a bootstrap checklist.
        annotations: {
          [EXTERNAL_SECRETS_ANNOTATION]: externals(this.externalSecrets),
          [EXTERNAL_CONFIGMAPS_ANNOTATION]: externals(this.externalConfigMaps),
          [EXTERNAL_SERVICES_ANNOTATION]: externals(new Set(inNamespace)),
        },
        labels: {
          ...systemLabels(system),
          [TIER_LABEL]: environment.tier,
          'pod-security.kubernetes.io/enforce': enforced,
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.28',
        },
      },
    });
    // Nothing reaches a pod unless an allow rule generated from the wiring says so.
    new k8s.KubeNetworkPolicy(this.infrastructure, 'default-deny-ingress', {
      metadata: { name: 'default-deny-ingress', namespace: environment.namespace, labels: systemLabels(system) },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    // A managed service outside the cluster keeps its in-namespace name through an ExternalName Service.
    for (const [name, service] of Object.entries(environment.externalServices)) {
      if (service.externalName === undefined) continue;
      new k8s.KubeService(this.infrastructure, `external-service-${name}`, {
        metadata: { name, namespace: environment.namespace, labels: systemLabels(system) },
        spec: { type: 'ExternalName', externalName: service.externalName, ports: [{ name: 'tcp', port: service.port, protocol: 'TCP' }] },
      });
    }
    this.egress = new EgressPolicies(this.infrastructure, environment, system);
    addDeferredCheck(this, 'SystemChart', () => this.checkWiring());
    // In a plain cdk8s App, the checks the estate runner makes over an environment's output.
    this.node.addValidation({ validate: () => clusterCheckLines(this, () => this.node.root.node.findAll().filter(isSystemChart)) });
  }

  /**
   * A per-environment application setting from the environment's `settings`. A missing one is an
   * error at synth naming the environment and the key (an empty string is returned meanwhile).
   */
  public setting(key: string): string {
    this.settingsRead.add(key);
    const value = this.environment.settings[key];
    if (value !== undefined) return value;
    const near = suggest(key, Object.keys(this.environment.settings));
    reportErrors(this, 'SystemChart', [
      {
        field: `${this.environment.name}.settings.${key}`,
        message: `the system reads setting "${key}", which the ${this.environment.name} environment does not define${near ? `; did you mean "${near}"?` : ''}`,
        fix: near
          ? `rename settings.${near} to ${key} in the ${this.environment.name} environment`
          : `add settings: { ${key}: '…' } to the ${this.environment.name} environment`,
      },
    ]);
    return '';
  }

  /** Records a Secret or ConfigMap that pods use by name but that is made outside this output. */
  public registerExternal(kind: 'Secret' | 'ConfigMap', name: string): void {
    (kind === 'Secret' ? this.externalSecrets : this.externalConfigMaps).add(name);
  }

  /** Records the repository of a workload's image, which the environment's `images` may pin for every workload that runs it. */
  public registerImageRepository(repository: string): void {
    this.imageRepositories.add(repository);
  }

  /** Registers a workload name; two workloads of one system may not share a name (they would share objects). */
  public registerWorkload(workload: Construct): void {
    const name = workload.node.id;
    if (this.workloads.has(name)) {
      reportErrors(workload, 'SystemChart', [
        { field: '(id)', message: `another workload of system "${this.system}" is already named "${name}"`, fix: 'give each workload a distinct id' },
      ]);
    }
    if (this.environment.externalServices[name]) {
      reportErrors(workload, 'SystemChart', [
        {
          field: '(id)',
          message: `the ${this.environment.name} environment declares an external service "${name}"; a workload of that name would take over its Service`,
          fix: `rename the workload, or remove externalServices.${name} from the ${this.environment.name} environment if this workload replaces it`,
        },
      ]);
    }
    this.workloads.add(name);
  }

  /**
   * A service of the namespace that another chart or team runs, as declared in the environment's
   * `externalServices`: pass it to `connectsTo`, `backends` or a Worker's `redisList.server` like a
   * workload, and the network policies admit the callers to it. A name the environment does not
   * declare is an error at synth naming the environment and the name.
   */
  public externalService(name: string): ServedWorkload {
    const declared = this.environment.externalServices[name];
    if (!declared) {
      reportErrors(this, 'SystemChart', [
        {
          field: `${this.environment.name}.externalServices.${name}`,
          message: `the system uses external service "${name}", which the ${this.environment.name} environment does not declare`,
          fix: `add externalServices: { '${name}': { port: <port>, podSelector: { … } } } (pods another chart runs in the namespace) or { port, externalName: '<host>' } to the ${this.environment.name} environment`,
        },
      ]);
    }
    const port = declared?.port ?? 0;
    const host = serviceHost(name, this.environment.namespace);
    return { name, port, host, url: `http://${host}:${port}`, system: this };
  }

  /** The chart for a delivery layer. */
  public chartFor(layer: Layer): Chart {
    if (layer === 'infrastructure') return this.infrastructure;
    if (layer === 'migrations') return this.migrations;
    return this;
  }

  /**
   * Registers the Pod Security level a workload's pods meet once its declared exceptions are
   * applied; the namespace enforces the weakest level among its pods, so an exception lowers it
   * visibly rather than having the pods rejected by the cluster.
   */
  public registerPodSecurity(workload: string, level: PodSecurityLevel): void {
    this.podLevels.set(workload, level);
  }

  /** The Pod Security level the namespace enforces. */
  public enforcedLevel(): PodSecurityLevel {
    return weakestProfile(['restricted', ...this.podLevels.values()]);
  }

  /**
   * The one way traffic is admitted: every NetworkPolicy the system writes comes from these rules.
   * To a workload or declared service `<to>`: its policy `allow-<to>` admits workloads, the edge and
   * (for a NodePort) every source; the KEDA operator and the monitoring each get a policy of their
   * own, `allow-keda-<to>` and `allow-monitoring-<to>`, annotated with whom they admit. To the ACME
   * solver: one policy, `allow-acme-http01-solver`, whatever the number of certificates.
   */
  public allowTraffic(rule: TrafficRule): void {
    const from = peerLabel(rule.from);
    const to = rule.to.kind === 'workload' ? rule.to.name : rule.to.kind;
    const key = `${rule.from.kind}:${from} ${rule.to.kind}:${to} ${rule.port}`;
    if (this.ruleKeys.has(key)) return;
    this.ruleKeys.add(key);
    this.rules.push(rule);
    if (rule.to.kind === 'acme-http01-solver') {
      this.writePolicy('allow-acme-http01-solver', { ...ACME_HTTP01_SOLVER_SELECTOR }, {}, rule.from, rule.port);
      return;
    }
    this.wiring.push({ from: rule.from, to, port: rule.port });
    if (rule.from.kind === 'workload') this.egress.allow(rule.from.name, to, rule.port);
    const external = this.environment.externalServices[to];
    // A service outside the cluster needs no ingress rule.
    if (external?.externalName !== undefined) return;
    const podSelector = external?.podSelector ? { ...external.podSelector } : selectorLabels({ name: to, system: this.system, component: '' });
    const ownPolicy = rule.from.kind === 'keda' || rule.from.kind === 'monitoring';
    const annotations: Record<string, string> = {};
    if (ownPolicy) annotations[ADMITS_ANNOTATION] = from;
    if (external) annotations[EXTERNAL_SERVICE_ANNOTATION] = to;
    this.writePolicy(ownPolicy ? `allow-${rule.from.kind}-${to}` : `allow-${to}`, podSelector, annotations, rule.from, rule.port);
  }

  /**
   * Admits cert-manager's HTTP-01 solver pods (label `acme.cert-manager.io/http01-solver: "true"`,
   * port 8089) from the edge, unless the environment's issuer solves with DNS-01: the ACME server
   * fetches the challenge through the edge, and the namespace denies all other ingress.
   */
  public admitHttp01Solver(): void {
    if (this.environment.tls.solver !== 'http01') return;
    this.allowTraffic({ from: peers.edge, to: { kind: 'acme-http01-solver' }, port: ACME_HTTP01_SOLVER_PORT });
  }

  /**
   * The one place NetworkPolicies are written: a policy per name selecting `podSelector`, with one
   * rule per source (in the order first seen) and its ports.
   */
  private writePolicy(name: string, podSelector: Record<string, string>, annotations: Record<string, string>, source: Peer, port: number): void {
    const existing = this.policies.get(name);
    if (existing) {
      existing.rules.push({ source, port });
      return;
    }
    const policy: AllowPolicy = { podSelector, rules: [{ source, port }] };
    this.policies.set(name, policy);
    new k8s.KubeNetworkPolicy(this.infrastructure, name, {
      metadata: {
        name,
        namespace: this.environment.namespace,
        labels: systemLabels(this.system),
        annotations: Object.keys(annotations).length ? annotations : undefined,
      },
      // Rendered at synth time: rules for this target may still be added by constructs defined later.
      spec: Lazy.any({ produce: () => this.policySpec(policy) }),
    });
  }

  private policySpec(policy: AllowPolicy): k8s.NetworkPolicySpec {
    const sources = new Map<string, { source: Peer; ports: Set<number> }>();
    for (const { source, port } of policy.rules) {
      const key = `${source.kind}:${peerLabel(source)}`;
      const entry = sources.get(key) ?? { source, ports: new Set<number>() };
      entry.ports.add(port);
      sources.set(key, entry);
    }
    return {
      podSelector: { matchLabels: policy.podSelector },
      policyTypes: ['Ingress'],
      ingress: [...sources.values()].map(({ source, ports }) => {
        const from = peerSelectors(source, this.environment, this.system, edgePeers(this));
        return {
          // A rule without `from` admits every source.
          from,
          ports: [...ports].sort((a, b) => a - b).map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' })),
        };
      }),
    };
  }

  /**
   * Keys of the environment that name no workload (`images`, `workloads`, `exceptions`) or no
   * setting the definition reads (`settings`): a typo there is otherwise ignored without a word,
   * and the pin, override or exception it meant never applies.
   */
  private checkEnvironmentKeys(): Issue[] {
    const env = this.environment;
    const workloads = [...this.workloads].sort();
    const noWorkload = (field: string, key: string, quoted: boolean): Issue => {
      const near = suggest(key, workloads);
      const what = `${quoted ? `"${key}" names` : 'names'} no workload of system "${this.system}"`;
      return {
        field,
        message: near ? `${what}; did you mean "${near}"?` : `${what} (its workloads: ${workloads.join(', ') || 'none'})`,
        fix: near ? `write "${near}"` : 'name a workload of this system, or remove the entry',
      };
    };
    const repositories = [...this.imageRepositories].sort();
    const noImage = (field: string, key: string): Issue => {
      const near = suggest(key, [...workloads, ...repositories]);
      const what = `names no workload of system "${this.system}" and no image repository its workloads run`;
      return {
        field,
        message: near
          ? `${what}; did you mean "${near}"?`
          : `${what} (its workloads: ${workloads.join(', ') || 'none'}; their images: ${repositories.join(', ') || 'none'})`,
        fix: near ? `write "${near}"` : 'name a workload or an image repository of this system, or remove the entry',
      };
    };
    const issues: Issue[] = [];
    for (const key of Object.keys(env.images)) {
      if (!this.workloads.has(key) && !this.imageRepositories.has(key)) issues.push(noImage(`${env.name}.images.${key}`, key));
    }
    for (const key of Object.keys(env.workloads)) if (!this.workloads.has(key)) issues.push(noWorkload(`${env.name}.workloads.${key}`, key, false));
    env.exceptions.forEach((exception, i) => {
      if (!this.workloads.has(exception.workload)) issues.push(noWorkload(`${env.name}.exceptions[${i}].workload`, exception.workload, true));
    });
    for (const key of Object.keys(env.settings)) {
      if (this.settingsRead.has(key)) continue;
      const near = suggest(
        key,
        [...this.settingsRead].filter((read) => env.settings[read] === undefined || read !== key),
      );
      issues.push({
        field: `${env.name}.settings.${key}`,
        message: `no definition reads this setting${near ? `; did you mean "${near}"?` : ` (system "${this.system}" reads ${[...this.settingsRead].sort().join(', ') || 'none'})`}`,
        fix: near ? `rename it to ${near}, or remove it` : `read it with system.setting('${key}'), or remove it`,
      });
    }
    return issues;
  }

  private checkWiring(): Issue[] {
    const issues: Issue[] = [...this.checkEnvironmentKeys(), ...this.egress.problems()];
    const known = (name: string) => this.workloads.has(name) || this.environment.externalServices[name] !== undefined;
    for (const rule of this.rules) {
      if (rule.to.kind !== 'workload') continue;
      const to = rule.to.name;
      const from = this.peerName(rule.from);
      if (rule.from.kind === 'keda' || rule.from.kind === 'monitoring') {
        if (!known(to))
          issues.push({
            field: 'wiring',
            message: `${from} → "${to}": "${to}" is not a workload of system "${this.system}" in ${this.environment.name}`,
            fix: 'admit cluster peers only to workloads of this system or declared external services',
          });
        continue;
      }
      for (const end of rule.from.kind === 'workload' ? [from, to] : [to]) {
        if (known(end)) continue;
        issues.push({
          field: 'wiring',
          message: `"${from}" → "${to}": "${end}" is not a workload of system "${this.system}" in ${this.environment.name}`,
          fix: "connect only workloads of the same system (each system is its own namespace), or declare a service another chart runs in the environment's externalServices",
        });
      }
    }
    return issues;
  }

  /** Every permission to reach a workload or declared service, in definition order. */
  public get edges(): readonly WiringEdge[] {
    return this.wiring.map(({ from, to, port }) => ({ from: this.peerName(from), to, port }));
  }

  /** A peer's name in the wiring list and messages; the edge's is known once every edge of the system is defined. */
  private peerName(peer: Peer): string {
    return peer.kind === 'edge' ? edgeLabel(this) : peerLabel(peer);
  }
}

function isSystemChart(c: IConstruct): c is SystemChart {
  return c instanceof Chart && Reflect.get(c, SYSTEM_CHART) === true;
}

/** A NetworkPolicy being built: the pods it protects and who may reach them on which port. */
interface AllowPolicy {
  readonly podSelector: Record<string, string>;
  readonly rules: { source: Peer; port: number }[];
}

/**
 * The candidate closest to `key` by edit distance (fastest-levenshtein), when it is close enough to
 * be a typo of it: at most two edits (a swapped pair is two), or a third of the longer name's
 * characters, and never every character.
 */
export function suggest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === key) continue;
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const longer = Math.max(key.length, best.length);
  return bestDistance <= Math.max(2, Math.floor(longer / 3)) && bestDistance < longer ? best : undefined;
}
