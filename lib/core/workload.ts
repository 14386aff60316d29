import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { evaluatePodSecurity, strictestProfile } from '../checks/pod-security';
import { Environment, SecurityExceptionName, isDigest, resolveReplicaRange, resolveReplicas } from '../environment';
import { SystemChart } from '../system-chart';
import { peers } from './network-peers';
import { checksum } from './config';
import { mainContainer, extraContainers } from './containers';
import { ControllerKind, restartPolicyOf, spreadsPods, takesDisruptionBudget } from './controller';
import { HTTP_PORT_NAME, ReplicaPlan, ServeOptions, ServedObjects, createAutoscaler, createDeployment, createPodDisruptionBudget, createQueueScaler, createService } from './serving';
import { SINGLETON_ANNOTATION } from '../checks/policy';
import { SecretReference, secretName } from './env';
import { configMapOf, envSources } from './env-sources';
import { Issue, WarningCode, reportErrors, reportWarning } from './issues';
import { WorkloadIdentity, selectorLabels, workloadLabels } from './labels';
import { isDnsLabel, isLabelValue, serviceHost } from './names';
import { ProbesSpec, describeProbe } from './probes';
import { ResourcesSpec, scaleResources } from './resources';
import { securityContexts } from './security-context';
import { PersistentClaim } from './storage';
import { duplicateNames, filesConfigMapOf, podVolumes } from './volumes';
import { ClaimVolume, MetricsSpec, SchedulingSpec, ServedWorkload, WorkloadProps } from './workload-props';

export type { ServedWorkload };

/** Annotation carrying the checksum of every ConfigMap and file the pods read; a change rolls them. */
export const CONFIG_CHECKSUM_ANNOTATION = 'shipshape.io/config-checksum';
/** Annotation listing the declared security exceptions a pod relies on, with their reasons. */
export const SECURITY_EXCEPTIONS_ANNOTATION = 'shipshape.io/security-exceptions';
/**
 * Annotation of a Deployment listing the Secrets its pods read. Stakater Reloader, installed in the
 * cluster, rolls the Deployment when one of them changes; without Reloader it does nothing.
 */
export const SECRET_RELOAD_ANNOTATION = 'secret.reloader.stakater.com/reload';
export { HTTP_PORT_NAME };
/** Name of the container port serving metrics, when it is not the served port. */
export const METRICS_PORT_NAME = 'metrics';

/** What a construct tells the core about the pod it wants. */
export interface PodOptions {
  /** Default `app.kubernetes.io/component`. */
  readonly component: string;
  /** The port served as `http`, if any. */
  readonly port?: number;
  /** The most pods that can run at once (for volume access checks). */
  readonly maxReplicas: number;
  /** The controller running the pods: it decides the restart policy and whether pods are spread. */
  readonly controller: ControllerKind;
  /** The restart policy of a Job's or CronJob's pods; others always restart. @default 'Never' for a Job or CronJob */
  readonly restartPolicy?: 'Never' | 'OnFailure';
  /** Grace period when the props give none. */
  readonly defaultGracePeriodSeconds: number;
  /** preStop pause when the props give none. */
  readonly defaultPreStopSeconds: number;
  /** Default requests and limits of the main container. */
  readonly defaultResources: ResourcesSpec;
  /** Load the workload's own and shared ConfigMaps as env. @default true */
  readonly configMapEnv?: boolean;
}

interface ParsedImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry:5000/org/app:v1@sha256:…` into repository, tag and digest. */
export function parseImage(image: string): ParsedImage {
  const [withoutDigest, digest] = image.split('@', 2);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { repository: withoutDigest, digest };
}

/**
 * The part every construct shares: identity, labels, ServiceAccount, ConfigMaps and a hardened pod
 * template. Subclasses add the controller (Deployment, Job) and what serves it.
 */
export abstract class Workload extends Construct {
  /** The workload's name (the construct id): the name of its Deployment, Service, ServiceAccount… */
  public readonly name: string;
  /** The system chart the workload belongs to. */
  public readonly system: SystemChart;
  /** The environment it is synthesized for. */
  public readonly environment: Environment;
  /** The workload's ServiceAccount (token not mounted). Set once the props are valid. */
  public serviceAccount?: k8s.KubeServiceAccount;
  /** The ConfigMap holding `config`, when given. */
  public configMap?: k8s.KubeConfigMap;
  /** The ConfigMap holding `files`, when given. */
  public filesConfigMap?: k8s.KubeConfigMap;
  /** The image as deployed in this environment (pins applied). */
  public imageReference?: string;
  /** The Secrets the workload loads as env, by reference. */
  public secretReferences: readonly SecretReference[] = [];
  /** The main container's working directory, when the props set one. */
  public workingDir?: string;
  /** Every Secret the pods read (whole as env, by key, or as a volume), by name, sorted. */
  public secretNames: readonly string[] = [];

  /** Identity for labels, set by {@link buildPodTemplate}. */
  protected identity?: WorkloadIdentity;
  private readonly kind: string;

  protected constructor(scope: Construct, id: string, kind: string) {
    super(scope, id);
    this.name = id;
    this.kind = kind;
    this.system = SystemChart.of(this);
    this.environment = this.system.environment;
    this.system.registerWorkload(this);
    if (!isDnsLabel(id)) {
      reportErrors(this, kind, [{ field: '(id)', message: `"${id}" names the workload's objects and must be a DNS label`, fix: 'use lower-case letters, digits and "-"' }]);
    }
  }

  /** `app.kubernetes.io/*` labels of the workload's objects. */
  public get labels(): Record<string, string> {
    return this.identity ? workloadLabels(this.identity) : {};
  }

  /** The stable selector of the workload's pods. */
  public get selector(): Record<string, string> {
    return selectorLabels({ name: this.name, system: this.system.system, component: '' });
  }

  /** Records errors against this construct. */
  protected report(issues: readonly Issue[]): void {
    reportErrors(this, this.kind, issues);
  }

  /** A prod-tier rule: an error in prod, a warning with `code` in staging, silent in dev. */
  protected reportTierRule(code: WarningCode, issue: Issue): void {
    if (this.environment.tier === 'prod') this.report([issue]);
    else if (this.environment.tier === 'staging') reportWarning(this, this.kind, code, issue);
  }

  /**
   * For a `NodePort` Service: clients arrive from any address through every node, so the
   * NetworkPolicy admits every source on the port. Such traffic bypasses the TLS edge, which the
   * prod tier refuses (staging warns).
   */
  protected exposeOnNodes(port: number, nodePort: number | undefined): void {
    this.system.allowTraffic({ from: peers.any, to: { kind: 'workload', name: this.name }, port });
    this.reportTierRule('node-port', {
      field: 'service.type',
      message: `a NodePort Service serves plain HTTP on ${nodePort === undefined ? 'a port' : `port ${nodePort}`} of every node, around the TLS edge (no TLS, rate limits or security headers)`,
      fix: "route the outside in through a TlsIngress and keep type 'ClusterIP' (the default)",
    });
  }

  /** The main container's requests and limits here: the environment's override, else the declared ones scaled. */
  protected resolveResources(declared: ResourcesSpec): ResourcesSpec {
    return this.environment.workloads[this.name]?.resources ?? scaleResources(declared, this.environment.scaling.resources);
  }

  /** Replica count for this workload in this environment. */
  protected replicas(declared: number): number {
    return resolveReplicas(this.environment, this.name, declared);
  }

  /** The replicas here: the declared count, or the autoscaling bounds, as the environment scales them. */
  protected replicaPlan(declared: number, scaling?: { readonly minReplicas: number; readonly maxReplicas: number }): ReplicaPlan {
    if (!scaling) {
      const replicas = this.replicas(declared);
      return { replicas, fewest: replicas, most: replicas };
    }
    const range = resolveReplicaRange(this.environment, this.name, scaling.minReplicas, scaling.maxReplicas);
    return { range, fewest: range.min, most: range.max };
  }

  /**
   * The one served-workload path: the Deployment, the Service when there is a port (admitting every
   * source for a NodePort), the PDB, the HPA or KEDA ScaledObject, and the prod-tier rule that a
   * Service has two replicas behind it.
   */
  protected serve(options: ServeOptions): ServedObjects {
    const identity = { name: this.name, labels: this.labels, selector: this.selector };
    const { plan, port } = options;
    const strategy = options.singleton ? 'Recreate' : 'RollingUpdate';
    const deployment = createDeployment(this, { ...identity, template: options.template, replicas: plan.replicas, strategy, annotations: this.deploymentAnnotations });
    // Declares the single replica as intended, for reviewers and for the prod-tier two-replica rule.
    if (options.singleton) deployment.metadata.addAnnotation(SINGLETON_ANNOTATION, 'true');
    const service = port ? createService(this, { ...identity, port, ...options.service }) : undefined;
    if (port && options.service?.type === 'NodePort') this.exposeOnNodes(port, options.service.nodePort);
    const podDisruptionBudget = takesDisruptionBudget('Deployment', plan.fewest) ? createPodDisruptionBudget(this, identity) : undefined;
    const autoscaler = plan.range && options.autoscaler ? createAutoscaler(this, { ...identity, minReplicas: plan.range.min, maxReplicas: plan.range.max, ...options.autoscaler }) : undefined;
    const queue = plan.range && options.redisList ? createQueueScaler(this, { ...identity, minReplicas: plan.fewest, maxReplicas: plan.range.max, redisList: options.redisList }) : undefined;
    if (service && !options.singleton && plan.fewest < 2) {
      const key = plan.range ? 'minReplicas' : 'replicas';
      this.reportTierRule('single-replica', {
        field: options.replicasField,
        message: `${plan.range ? 'the autoscaler may run' : 'runs'} ${plan.fewest} replica behind a Service: every rollout, node drain or crash is an outage`,
        fix: `run at least 2 (in the ${this.environment.name} environment: workloads: { ${this.name}: { ${key}: 2 } })`,
        covers: [{ check: 'policy', field: /^spec\.replicas$/ }],
      });
    }
    return { deployment, service, podDisruptionBudget, autoscaler, ...queue };
  }

  /** `<name>.<namespace>.svc.cluster.local`: the in-cluster host of the workload's Service. */
  public get host(): string {
    return serviceHost(this.name, this.environment.namespace);
  }

  /**
   * Builds the ServiceAccount, the ConfigMaps and the hardened pod template. Problems are recorded
   * on the construct; the template is still returned so later checks see a complete object.
   */
  protected buildPodTemplate(rawProps: WorkloadProps, options: PodOptions): k8s.PodTemplateSpec {
    const props = this.wireBackends(rawProps);
    const image = this.resolveImage(props.image);
    this.imageReference = image.reference;
    this.secretReferences = props.secrets ?? [];
    this.workingDir = props.workingDir;
    this.identity = { name: this.name, system: this.system.system, component: props.component ?? options.component, version: image.version };
    const labels = workloadLabels(this.identity);
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: this.name, labels }, automountServiceAccountToken: false });

    const configMapEnv = options.configMapEnv ?? true;
    const sources = envSources(this.name, props, configMapEnv);
    if (sources.configData) this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name: configMapOf(this.name), labels }, data: sources.configData });
    this.recordReferences(props);
    const volumes = podVolumes(props, { workload: this.name, maxReplicas: options.maxReplicas, claimFor: (volume) => this.claimFor(volume, options.maxReplicas) });
    if (volumes.filesData) this.filesConfigMap = new k8s.KubeConfigMap(this, 'Files', { metadata: { name: filesConfigMapOf(this.name), labels }, data: volumes.filesData });
    const shutdown = resolveShutdown(props, options);
    const metrics = this.admitMonitoring(props, options);
    this.warnSameProbes(props.probes ?? {});

    const security = securityContexts(props.security);
    const main = mainContainer(
      {
        ...props,
        name: this.name,
        image,
        env: props.env ?? {},
        envFrom: sources.envFrom,
        knownEnvFrom: knownEnvFrom(props, configMapEnv),
        ports: containerPorts(options.port, metrics.port),
        probes: props.probes ?? {},
        probePort: options.port ? HTTP_PORT_NAME : undefined,
        ...this.mainResources(props.resources ?? options.defaultResources),
        preStopSeconds: shutdown.preStopSeconds,
        securityContext: security.container,
        mounts: volumes.mounts,
      },
      this.environment,
    );
    const extraContext = { image, resolveImage: (ref: string, field: string) => this.resolveImage(ref, field).reference, securityContext: security.container, mounts: volumes.mounts, volumes: volumes.volumes, environment: this.environment };
    const init = extraContainers(props.initContainers ?? [], 'initContainers', extraContext);
    const sidecars = extraContainers(props.sidecars ?? [], 'sidecars', extraContext);
    const containers = [main.container, ...init.containers, ...sidecars.containers];

    const spec: k8s.PodSpec = {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      // Service links inject <SERVICE>_PORT=tcp://… variables that clash with settings such as REDIS_PORT.
      enableServiceLinks: false,
      restartPolicy: restartPolicyOf(options.controller, options.restartPolicy),
      terminationGracePeriodSeconds: shutdown.gracePeriodSeconds,
      securityContext: security.pod,
      initContainers: init.containers.length ? init.containers : undefined,
      containers: [main.container, ...sidecars.containers],
      volumes: volumes.volumes,
      topologySpreadConstraints: spreadsPods(options.controller, options.maxReplicas) ? spreadConstraints(this.selector) : undefined,
      ...schedulingOf(props.scheduling),
    };
    const issues: Issue[] = [...sources.issues, ...volumes.issues, ...shutdown.issues, ...metrics.issues, ...main.issues, ...init.issues, ...sidecars.issues];
    issues.push(...duplicateNames(containers.map((c) => c.name), 'container'));
    const policy = this.applySecurityPolicy(spec);
    issues.push(...policy.issues);
    this.report(issues);
    const annotations = podAnnotations(props.metrics, metrics.port, { ...sources.checksums, ...volumes.checksums }, policy.note);
    return { metadata: { labels, annotations }, spec };
  }

  /**
   * Back-end URLs become env (first, so the workload's own env can expand them with $(VAR)), and
   * every back end and `connectsTo` target admits this workload.
   */
  private wireBackends(props: WorkloadProps): WorkloadProps {
    const backendEnv: Record<string, string> = {};
    for (const [variable, backend] of Object.entries(props.backends ?? {})) backendEnv[variable] = backend.url;
    for (const target of [...Object.values(props.backends ?? {}), ...(props.connectsTo ?? [])]) {
      this.system.allowTraffic({ from: peers.workload(this.name), to: { kind: 'workload', name: target.name }, port: target.port });
    }
    return { ...props, env: { ...backendEnv, ...props.env } };
  }

  /** The main container's resources here, and where they come from (for messages). */
  private mainResources(declared: ResourcesSpec): { resources: ResourcesSpec; resourcesField: string } {
    const override = this.environment.workloads[this.name]?.resources !== undefined;
    return { resources: this.resolveResources(declared), resourcesField: override ? `${this.environment.name}.workloads.${this.name}.resources` : 'resources' };
  }

  /** A claim volume's claim: the shared one given, or one of this workload's own, recorded as mounted. */
  private claimFor(volume: ClaimVolume, maxReplicas: number): PersistentClaim {
    const claim = volume.claim instanceof PersistentClaim ? volume.claim : new PersistentClaim(this, `${this.name}-${volume.name}`, volume.claim);
    if (!(volume.claim instanceof PersistentClaim) && claim.claim) claim.claim.metadata.addLabel('app.kubernetes.io/part-of', this.system.system);
    claim.mountedBy(this.name, maxReplicas);
    return claim;
  }

  /**
   * Annotations of the workload's Deployment: the Secrets its pods read, for Stakater Reloader
   * ({@link SECRET_RELOAD_ANNOTATION}). A Secret's values change outside this output (rotated in the
   * store and synced by the External Secrets Operator, or replaced by a deploy script), so no
   * checksum here could see the change; Reloader watches the Secrets and rolls the pods.
   */
  protected get deploymentAnnotations(): Record<string, string> | undefined {
    return this.secretNames.length ? { [SECRET_RELOAD_ANNOTATION]: this.secretNames.join(',') } : undefined;
  }

  /**
   * The port serving the workload's declared metrics, admitted from the environment's monitoring
   * namespace; undefined without `metrics`, or when no port can be told (then with an issue).
   */
  private admitMonitoring(props: WorkloadProps, options: PodOptions): { port?: number; issues: Issue[] } {
    if (!props.metrics) return { issues: [] };
    const port = props.metrics.port ?? options.port;
    if (port === undefined) {
      return { issues: [{ field: 'metrics.port', message: 'this workload serves no port, so the metrics port cannot default to it', fix: 'give metrics.port, the port the process serves its metrics on' }] };
    }
    this.system.allowTraffic({ from: peers.monitoring, to: { kind: 'workload', name: this.name }, port });
    return { port, issues: [] };
  }

  /**
   * Records the Secrets the pods read; those named by a plain string, and such ConfigMaps, are made
   * outside the output: declare them on the namespace.
   */
  private recordReferences(props: WorkloadProps): void {
    const envs = [props.env ?? {}, ...(props.initContainers ?? []).map((c) => c.env ?? {}), ...(props.sidecars ?? []).map((c) => c.env ?? {})];
    const secretRefs = [...(props.secrets ?? []), ...(props.volumes ?? []).flatMap((v) => ('secret' in v ? [v.secret] : []))];
    const configMapRefs = [...(props.configMaps ?? []), ...(props.volumes ?? []).flatMap((v) => ('configMap' in v ? [v.configMap] : []))];
    for (const env of envs) {
      for (const value of Object.values(env)) {
        if (typeof value === 'object' && 'secret' in value) secretRefs.push(value.secret);
        if (typeof value === 'object' && 'configMap' in value) configMapRefs.push(value.configMap);
      }
    }
    for (const ref of secretRefs) if (typeof ref === 'string') this.system.registerExternal('Secret', ref);
    this.secretNames = [...new Set(secretRefs.map(secretName))].sort();
    for (const ref of configMapRefs) if (typeof ref === 'string') this.system.registerExternal('ConfigMap', ref);
  }

  /** Resolves the image against the environment's pins and checks the prod-tier rule. */
  private resolveImage(image: string, field = 'image'): { reference: string; version?: string; pullPolicy: string } {
    const env = this.environment;
    const parsed = parseImage(image);
    // The workload's pin, else its image repository's, else the environment's build where the construct gives no tag or digest.
    if (field === 'image') this.system.registerImageRepository(parsed.repository);
    const pinKey = [this.name, parsed.repository].find((key) => env.images[key] !== undefined);
    const pin = field === 'image' ? ((pinKey && env.images[pinKey]) ?? (parsed.tag || parsed.digest ? undefined : env.build)) : undefined;
    // A pin replaces both tag and digest of the construct's image.
    const tag = pin ? (isDigest(pin) ? undefined : pin) : parsed.tag;
    const digest = pin ? (isDigest(pin) ? pin : undefined) : parsed.digest;
    const reference = `${parsed.repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
    const mutable = !digest && (!tag || tag === 'latest');
    if (mutable) {
      this.reportTierRule('unpinned-image', {
        field: pin ? `${env.name}.images.${pinKey ?? this.name}` : field,
        message: `"${reference}" is ${tag ? 'the mutable tag "latest"' : 'untagged'}: the running version would change without a commit`,
        fix: `pin a release tag or a digest, e.g. images: { ${this.name}: 'v1.2.3' } (or build: 'v1.2.3' for every untagged image) in the ${env.name} environment`,
        // The prod policy finds the unpinned image, and the pull policy it implies, in the pod template.
        covers: [{ check: 'policy', field: /\.image(PullPolicy)?$/ }],
      });
    }
    const version = digest ? `sha256-${digest.slice(7, 19)}` : tag;
    return {
      reference,
      version: version && isLabelValue(version) ? version : undefined,
      // Mutable tags outside prod are re-pulled so a dev cluster sees new pushes; everything pinned is pulled once.
      pullPolicy: mutable ? 'Always' : 'IfNotPresent',
    };
  }

  /** Liveness and readiness must differ where both are given. */
  private warnSameProbes(probes: ProbesSpec): void {
    if (probes.liveness && probes.readiness && describeProbe(probes.liveness) === describeProbe(probes.readiness)) {
      reportWarning(this, this.kind, 'probes-same-check', {
        field: 'probes.liveness',
        message: `liveness and readiness are the same check (${describeProbe(probes.liveness)}): a pod that reports unready while draining or while a dependency is down would be restarted too`,
        fix: 'point liveness at an endpoint that only checks the process is alive',
      });
    }
  }

  /**
   * Evaluates the pod against the Pod Security Standards. Violations covered by an exception the
   * environment declares for this workload are annotated and lower the namespace's level; others
   * are errors.
   */
  private applySecurityPolicy(spec: k8s.PodSpec): { issues: Issue[]; note?: string } {
    const issues: Issue[] = [];
    const json = k8s.toJson_PodSpec(spec) ?? {};
    const violations = evaluatePodSecurity(json);
    const declared = this.environment.exceptions.filter((e) => e.workload === this.name);
    const allowed = new Map<SecurityExceptionName, string>();
    for (const exception of declared) for (const name of exception.allow) allowed.set(name, exception.reason);

    const used = new Set<SecurityExceptionName>();
    const needed: { control: SecurityExceptionName; field: string; message: string }[] = violations.map((v) => ({ control: v.control, field: v.field, message: v.message }));
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      if (container.securityContext?.readOnlyRootFilesystem === false) {
        needed.push({ control: 'writableRootFilesystem', field: `spec.containers[${container.name}].securityContext.readOnlyRootFilesystem`, message: 'the root file system is writable, so an intruder can alter the image' });
      }
    }
    for (const need of needed) {
      if (allowed.has(need.control)) {
        used.add(need.control);
        continue;
      }
      issues.push({
        field: need.field,
        message: `${need.message} (Pod Security control "${need.control}")`,
        fix: `remove the setting, or declare it in the ${this.environment.name} environment: exceptions: [{ workload: '${this.name}', allow: ['${need.control}'], reason: '…' }]`,
      });
    }
    for (const name of allowed.keys()) {
      if (!used.has(name)) {
        reportWarning(this, this.kind, 'exception-not-needed', { field: `${this.environment.name}.exceptions`, message: `exception "${name}" is declared but not needed`, fix: 'remove it so the namespace keeps the strictest level its pods meet' });
      }
    }
    const exempted = violations.filter((v) => used.has(v.control));
    this.system.registerPodSecurity(this.name, strictestProfile(exempted));
    if (used.size === 0) return { issues };
    return { issues, note: [...used].sort().map((name) => `${name}: ${allowed.get(name)}`).join('; ') };
  }
}

/** Spread across zones, then nodes; `ScheduleAnyway` so a small cluster still schedules every replica. */
function spreadConstraints(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
    // Counts only the pods of the current ReplicaSet, so a rollout does not skew against old pods.
    matchLabelKeys: ['pod-template-hash'],
  }));
}

/** How long a pod may take to stop, and the pause before SIGTERM; the pause must leave time to finish. */
function resolveShutdown(props: WorkloadProps, options: PodOptions): { gracePeriodSeconds: number; preStopSeconds: number; issues: Issue[] } {
  const gracePeriodSeconds = props.shutdown?.gracePeriodSeconds ?? options.defaultGracePeriodSeconds;
  const preStopSeconds = props.shutdown?.preStopSeconds ?? options.defaultPreStopSeconds;
  const issues: Issue[] = [];
  if (preStopSeconds >= gracePeriodSeconds) {
    issues.push({
      field: 'shutdown.preStopSeconds',
      message: `the preStop pause (${preStopSeconds} s) uses the whole grace period (${gracePeriodSeconds} s), leaving the process no time to finish in-flight work after SIGTERM`,
      fix: 'raise shutdown.gracePeriodSeconds above the pause plus the longest request or job',
    });
  }
  return { gracePeriodSeconds, preStopSeconds, issues };
}

/** The served port as `http`, and the metrics port as `metrics` when it is another one. */
function containerPorts(port: number | undefined, metricsPort: number | undefined): k8s.ContainerPort[] {
  const ports: k8s.ContainerPort[] = [];
  if (port) ports.push({ name: HTTP_PORT_NAME, containerPort: port, protocol: 'TCP' });
  if (metricsPort !== undefined && metricsPort !== port) ports.push({ name: METRICS_PORT_NAME, containerPort: metricsPort, protocol: 'TCP' });
  return ports;
}

/** The variables the main container's env sources define, when all are known here (no Secret or outside ConfigMap loaded whole). */
function knownEnvFrom(props: WorkloadProps, configMapEnv: boolean): string[] | undefined {
  const known = (props.secrets ?? []).length === 0 && ((props.configMaps ?? []).length === 0 || !configMapEnv);
  if (!known) return undefined;
  return configMapEnv ? Object.keys(props.config ?? {}) : [];
}

/** The scheduling props, passed through to the pod spec. */
function schedulingOf(scheduling: SchedulingSpec | undefined): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName'> {
  return {
    nodeSelector: scheduling?.nodeSelector ? { ...scheduling.nodeSelector } : undefined,
    tolerations: scheduling?.tolerations ? [...scheduling.tolerations] : undefined,
    affinity: scheduling?.affinity,
    priorityClassName: scheduling?.priorityClassName,
  };
}

/** The pod's annotations: the scrape convention, the config checksum and the security exceptions it relies on. */
function podAnnotations(metrics: MetricsSpec | undefined, metricsPort: number | undefined, checksums: Record<string, string>, exceptions: string | undefined): Record<string, string> | undefined {
  const annotations: Record<string, string> = {};
  if (metricsPort !== undefined && metrics) {
    // The scrape convention many Prometheus configurations follow; a ServiceMonitor needs the operator.
    annotations['prometheus.io/scrape'] = 'true';
    annotations['prometheus.io/port'] = String(metricsPort);
    annotations['prometheus.io/path'] = metrics.path ?? '/metrics';
  }
  if (Object.keys(checksums).length) annotations[CONFIG_CHECKSUM_ANNOTATION] = checksum(checksums);
  if (exceptions) annotations[SECURITY_EXCEPTIONS_ANNOTATION] = exceptions;
  return Object.keys(annotations).length ? annotations : undefined;
}
