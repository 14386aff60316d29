import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { evaluatePodSecurity, strictestProfile } from '../checks/pod-security';
import { Environment, SecurityExceptionName, isDigest, resolveReplicaRange, resolveReplicas } from '../environment';
import { SystemChart } from '../system-chart';
import { peers } from './network-peers';
import { checksum } from './checksum';
import { mainContainer, extraContainers } from './containers';
import { ControllerKind, claimsPerReplica, restartPolicyOf, runsToCompletion, spreadsPods, takesDisruptionBudget } from './controller';
import {
  HTTP_PORT_NAME,
  ReplicaPlan,
  ServeOptions,
  ServedObjects,
  ServicePort,
  createAutoscaler,
  createDeployment,
  createPodDisruptionBudget,
  createQueueScaler,
  createService,
  servicePortsOf,
} from './serving';
import { METRICS_PORT_NAME, METRICS_SERVICE_LABEL, MetricsTarget, createServiceMonitor, metricsTarget, scrapeAnnotations } from './monitoring';
import { ServiceMonitor } from '../../imports/servicemonitors-monitoring.coreos.com';
import { SINGLETON_ANNOTATION } from '../checks/policy';
import { SecretReference, secretName } from './env';
import { configMapOf, envSources } from './env-sources';
import { Issue, WarningCode, reportErrors, reportWarning } from './issues';
import { WorkloadIdentity, selectorLabels, workloadLabels } from './labels';
import { isDnsLabel, isLabelValue, serviceHost } from './names';
import { ProbesSpec, describeProbe } from './probes';
import { ResourcesSpec, scaleResources } from './resources';
import { securityContexts } from './security-context';
import { PersistentClaim } from '../persistent-claim';
import { duplicateNames, filesConfigMapOf, podVolumes } from './volumes';
import { ClaimVolume, MetadataSpec, SchedulingSpec, ServedWorkload, ServiceSpec, WorkloadProps } from './workload-props';

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
export { HTTP_PORT_NAME, METRICS_PORT_NAME };

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
  /** The served port's name and protocol, and further ports. @default the served port named `http` */
  readonly service?: ServiceSpec;
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
  /** The ports the Service serves (the served one first), set by {@link buildPodTemplate}. */
  protected servicePorts: readonly ServicePort[] = [];
  /** Where the metrics are scraped, when the props declare them. */
  protected metrics?: MetricsTarget;
  /** Labels and annotations the props add to every object. */
  private extraMetadata: MetadataSpec = {};
  private readonly kind: string;

  protected constructor(scope: Construct, id: string, kind: string) {
    super(scope, id);
    this.name = id;
    this.kind = kind;
    this.system = SystemChart.of(this);
    this.environment = this.system.environment;
    this.system.registerWorkload(this);
    if (!isDnsLabel(id)) {
      reportErrors(this, kind, [
        { field: '(id)', message: `"${id}" names the workload's objects and must be a DNS label`, fix: 'use lower-case letters, digits and "-"' },
      ]);
    }
  }

  /** `app.kubernetes.io/*` labels of the workload's objects. */
  public get labels(): Record<string, string> {
    return this.identity ? { ...this.extraMetadata.labels, ...workloadLabels(this.identity) } : {};
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
   * For a `NodePort` or `LoadBalancer` Service: clients arrive from any address through every node
   * or the load balancer, so the NetworkPolicy admits every source on the served ports. Such
   * traffic bypasses the TLS edge, which the prod tier refuses (staging warns).
   */
  protected exposeOnNodes(type: 'NodePort' | 'LoadBalancer', ports: readonly ServicePort[]): void {
    for (const { port } of ports) this.system.allowTraffic({ from: peers.any, to: { kind: 'workload', name: this.name }, port });
    const nodePort = ports[0]?.nodePort;
    const where = type === 'NodePort' ? `${nodePort === undefined ? 'a port' : `port ${nodePort}`} of every node` : 'a cloud load balancer';
    this.reportTierRule('node-port', {
      field: 'service.type',
      message: `a ${type} Service serves its ports on ${where}, around the TLS edge (no TLS, rate limits or security headers)`,
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
   * source for a NodePort or LoadBalancer), the PDB, the HPA or KEDA ScaledObject, what scrapes the
   * metrics, and the prod-tier rule that a Service has two replicas behind it.
   */
  protected serve(options: ServeOptions): ServedObjects {
    const identity = { name: this.name, labels: this.labels, selector: this.selector };
    const { plan, port } = options;
    const strategy = options.singleton ? 'Recreate' : 'RollingUpdate';
    const deployment = createDeployment(this, {
      ...identity,
      template: options.template,
      replicas: plan.replicas,
      strategy,
      annotations: this.deploymentAnnotations,
    });
    // Declares the single replica as intended, for reviewers and for the prod-tier two-replica rule.
    if (options.singleton) deployment.metadata.addAnnotation(SINGLETON_ANNOTATION, 'true');
    const type = options.service?.type ?? 'ClusterIP';
    const service = port ? this.createMainService(type, options.service) : undefined;
    if (port && type !== 'ClusterIP') this.exposeOnNodes(type, this.servicePorts);
    const scraped = this.scrape(type === 'ClusterIP' ? service : undefined);
    const podDisruptionBudget = takesDisruptionBudget('Deployment', plan.fewest) ? createPodDisruptionBudget(this, identity) : undefined;
    const autoscaler =
      plan.range && options.autoscaler
        ? createAutoscaler(this, { ...identity, minReplicas: plan.range.min, maxReplicas: plan.range.max, ...options.autoscaler })
        : undefined;
    const keda = options.redisList || options.triggers?.length;
    const queue =
      plan.range && keda
        ? createQueueScaler(this, {
            ...identity,
            minReplicas: plan.fewest,
            maxReplicas: plan.range.max,
            redisList: options.redisList,
            triggers: options.triggers,
          })
        : undefined;
    if (service && !options.singleton && plan.fewest < 2) {
      const key = plan.range ? 'minReplicas' : 'replicas';
      this.reportTierRule('single-replica', {
        field: options.replicasField,
        message: `${plan.range ? 'the autoscaler may run' : 'runs'} ${plan.fewest} replica behind a Service: every rollout, node drain or crash is an outage`,
        fix: `run at least 2 (in the ${this.environment.name} environment: workloads: { ${this.name}: { ${key}: 2 } })`,
        covers: [{ check: 'policy', field: /^spec\.replicas$/ }],
      });
    }
    this.annotateObjects();
    return { deployment, service, podDisruptionBudget, autoscaler, ...queue, ...scraped };
  }

  /** The workload's Service; a ClusterIP one also carries a separate metrics port for the ServiceMonitor. */
  private createMainService(type: 'ClusterIP' | 'NodePort' | 'LoadBalancer', spec: ServiceSpec | undefined): k8s.KubeService {
    const scraped = type === 'ClusterIP' && this.metrics && this.environment.monitoring.discovery === 'serviceMonitor';
    const metricsPort = scraped && this.metrics!.portName === METRICS_PORT_NAME ? [{ name: METRICS_PORT_NAME, port: this.metrics!.port }] : [];
    const labels = scraped ? { ...this.labels, [METRICS_SERVICE_LABEL]: 'true' } : this.labels;
    return createService(this, {
      name: this.name,
      labels,
      selector: this.selector,
      ports: [...this.servicePorts, ...metricsPort],
      type,
      annotations: spec?.annotations,
    });
  }

  /**
   * With ServiceMonitor discovery, the ServiceMonitor of the workload's metrics, scraping `service`
   * (which must carry the metrics port and the {@link METRICS_SERVICE_LABEL} label), else a
   * headless Service `<name>-metrics` made for it: the Prometheus Operator finds targets through a
   * Service, and a workload without one (a Worker), or with one open on the nodes, gets its own.
   */
  protected scrape(service: k8s.KubeService | undefined): { serviceMonitor?: ServiceMonitor; metricsService?: k8s.KubeService } {
    if (!this.metrics || this.environment.monitoring.discovery !== 'serviceMonitor') return {};
    const identity = { name: this.name, labels: this.labels, selector: this.selector };
    const metricsService = service
      ? undefined
      : createService(
          this,
          {
            ...identity,
            serviceName: `${this.name}-metrics`,
            labels: { ...this.labels, [METRICS_SERVICE_LABEL]: 'true' },
            headless: true,
            ports: [{ name: this.metrics.portName, port: this.metrics.port }],
          },
          'MetricsService',
        );
    const serviceMonitor = createServiceMonitor(this, identity, this.metrics, this.environment.monitoring);
    return { serviceMonitor, metricsService };
  }

  /** Adds the props' `metadata.annotations` to every object of the workload made so far. */
  protected annotateObjects(): void {
    const annotations = Object.entries(this.extraMetadata.annotations ?? {});
    if (annotations.length === 0) return;
    for (const child of this.node.findAll()) {
      if (!(child instanceof ApiObject)) continue;
      for (const [key, value] of annotations) child.metadata.addAnnotation(key, value);
    }
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
    this.extraMetadata = props.metadata ?? {};
    this.identity = { name: this.name, system: this.system.system, component: props.component ?? options.component, version: image.version };
    const configMapEnv = options.configMapEnv ?? true;
    const sources = envSources(this.name, props, configMapEnv);
    this.createIdentityObjects(props, sources.configData);
    const volumes = this.buildVolumes(props, options);
    this.system.egress.isolate(this.name, props.egress ?? []);
    const shutdown = resolveShutdown(props, options);
    const served = servicePortsOf(options.port, options.service);
    this.servicePorts = served.ports;
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
        ports: containerPorts(this.servicePorts, this.metrics),
        probes: props.probes ?? {},
        probePort: this.servicePorts[0]?.name,
        ...this.mainResources(props.resources ?? options.defaultResources),
        preStopSeconds: shutdown.preStopSeconds,
        securityContext: security.container,
        mounts: volumes.mounts,
      },
      this.environment,
    );
    const { init, sidecars } = this.buildExtraContainers(props, image, security.container, volumes);
    const containers = [main.container, ...init.containers, ...sidecars.containers];

    const spec: k8s.PodSpec = {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      // Service links inject <SERVICE>_PORT=tcp://… variables that clash with settings such as REDIS_PORT.
      enableServiceLinks: false,
      restartPolicy: restartPolicyOf(options.controller, options.restartPolicy),
      terminationGracePeriodSeconds: shutdown.gracePeriodSeconds,
      securityContext: security.pod,
      imagePullSecrets: props.imagePullSecrets?.length ? props.imagePullSecrets.map((ref) => ({ name: secretName(ref) })) : undefined,
      initContainers: init.containers.length ? init.containers : undefined,
      containers: [main.container, ...sidecars.containers],
      volumes: volumes.volumes,
      topologySpreadConstraints: spreadsPods(options.controller, options.maxReplicas) ? spreadConstraints(this.selector, options.controller) : undefined,
      ...schedulingOf(props.scheduling),
    };
    const issues: Issue[] = [
      ...sources.issues,
      ...volumes.issues,
      ...shutdown.issues,
      ...served.issues,
      ...metrics.issues,
      ...main.issues,
      ...init.issues,
      ...sidecars.issues,
    ];
    issues.push(
      ...duplicateNames(
        containers.map((c) => c.name),
        'container',
      ),
    );
    const policy = this.applySecurityPolicy(spec);
    issues.push(...policy.issues);
    this.report(issues);
    this.annotateObjects();
    return { metadata: this.podMetadata(props, { ...sources.checksums, ...volumes.checksums }, policy.note), spec };
  }

  /** The pod's volumes, and the `files` ConfigMap they mount. */
  private buildVolumes(props: WorkloadProps, options: PodOptions): ReturnType<typeof podVolumes> {
    const volumes = podVolumes(props, {
      workload: this.name,
      maxReplicas: options.maxReplicas,
      claimFor: (volume) => this.claimFor(volume, options.maxReplicas),
      perReplicaClaims: claimsPerReplica(options.controller),
    });
    if (volumes.filesData) {
      this.filesConfigMap = new k8s.KubeConfigMap(this, 'Files', {
        metadata: { name: filesConfigMapOf(this.name), labels: this.labels },
        data: volumes.filesData,
      });
    }
    return volumes;
  }

  /** Init containers and sidecars, hardened like the main container and mounting the same volumes. */
  private buildExtraContainers(
    props: WorkloadProps,
    image: ReturnType<Workload['resolveImage']>,
    securityContext: k8s.SecurityContext,
    volumes: ReturnType<typeof podVolumes>,
  ): { init: ReturnType<typeof extraContainers>; sidecars: ReturnType<typeof extraContainers> } {
    // Claims of each replica are mountable too: the controller adds their volumes to the pod.
    const mountable = [...volumes.volumes, ...volumes.perReplicaClaims.map((name) => ({ name }))];
    const context = {
      image,
      resolveImage: (ref: string, field: string) => this.resolveImage(ref, field).reference,
      securityContext,
      mounts: volumes.mounts,
      volumes: mountable,
      environment: this.environment,
    };
    return {
      init: extraContainers(props.initContainers ?? [], 'initContainers', context),
      sidecars: extraContainers(props.sidecars ?? [], 'sidecars', context),
    };
  }

  /** The ServiceAccount (with the props' annotations, for cloud workload identity) and the `config` ConfigMap; records what the pods reference. */
  private createIdentityObjects(props: WorkloadProps, configData: Record<string, string> | undefined): void {
    const labels = this.labels;
    const annotations = props.serviceAccount?.annotations ? { ...props.serviceAccount.annotations } : undefined;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, labels, annotations },
      automountServiceAccountToken: false,
    });
    if (configData) this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name: configMapOf(this.name), labels }, data: configData });
    this.recordReferences(props);
    // Pull secrets are read by the kubelet, not the process: recorded as made outside, never as a reason to roll the pods.
    for (const ref of props.imagePullSecrets ?? []) if (typeof ref === 'string') this.system.registerExternal('Secret', ref);
  }

  /**
   * The pod's labels (the props' own under shipshape's) and annotations: the props', the scrape
   * convention (with `annotations` discovery), the config checksum and the security exceptions.
   */
  private podMetadata(props: WorkloadProps, checksums: Record<string, string>, exceptions: string | undefined): k8s.ObjectMeta {
    const labels = { ...props.podMetadata?.labels, ...this.labels };
    const annotations: Record<string, string> = { ...props.metadata?.annotations, ...props.podMetadata?.annotations };
    if (this.metrics && this.environment.monitoring.discovery === 'annotations') Object.assign(annotations, scrapeAnnotations(this.metrics));
    if (Object.keys(checksums).length) annotations[CONFIG_CHECKSUM_ANNOTATION] = checksum(checksums);
    if (exceptions) annotations[SECURITY_EXCEPTIONS_ANNOTATION] = exceptions;
    return { labels, annotations: Object.keys(annotations).length ? annotations : undefined };
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
   * Resolves where the declared metrics are served and admits the environment's monitoring to that
   * port. A Job's pods finish before a scraper would find them: refused there.
   */
  private admitMonitoring(props: WorkloadProps, options: PodOptions): { issues: Issue[] } {
    if (!props.metrics) return { issues: [] };
    if (runsToCompletion(options.controller)) {
      return {
        issues: [
          {
            field: 'metrics',
            message: `a ${options.controller}'s pods run to completion and are gone before a scraper finds them`,
            fix: 'remove metrics; push the figures to a Prometheus Pushgateway instead',
          },
        ],
      };
    }
    const resolved = metricsTarget(props.metrics, this.servicePorts);
    this.metrics = resolved.target;
    if (resolved.target) this.system.allowTraffic({ from: peers.monitoring, to: { kind: 'workload', name: this.name }, port: resolved.target.port });
    return { issues: resolved.issues };
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
    const needed: { control: SecurityExceptionName; field: string; message: string }[] = violations.map((v) => ({
      control: v.control,
      field: v.field,
      message: v.message,
    }));
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      if (container.securityContext?.readOnlyRootFilesystem === false) {
        needed.push({
          control: 'writableRootFilesystem',
          field: `spec.containers[${container.name}].securityContext.readOnlyRootFilesystem`,
          message: 'the root file system is writable, so an intruder can alter the image',
        });
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
        reportWarning(this, this.kind, 'exception-not-needed', {
          field: `${this.environment.name}.exceptions`,
          message: `exception "${name}" is declared but not needed`,
          fix: 'remove it so the namespace keeps the strictest level its pods meet',
        });
      }
    }
    const exempted = violations.filter((v) => used.has(v.control));
    this.system.registerPodSecurity(this.name, strictestProfile(exempted));
    if (used.size === 0) return { issues };
    return {
      issues,
      note: [...used]
        .sort()
        .map((name) => `${name}: ${allowed.get(name)}`)
        .join('; '),
    };
  }
}

/** Spread across zones, then nodes; `ScheduleAnyway` so a small cluster still schedules every replica. */
function spreadConstraints(selector: Record<string, string>, controller: ControllerKind): k8s.TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
    // Counts only the pods of the current ReplicaSet, so a rollout does not skew against old pods.
    // A StatefulSet replaces its pods one by one in place and labels them with no such hash.
    matchLabelKeys: controller === 'Deployment' ? ['pod-template-hash'] : undefined,
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

/** The Service's ports by name, and the metrics port as `metrics` when it is another one. */
function containerPorts(served: readonly ServicePort[], metrics: MetricsTarget | undefined): k8s.ContainerPort[] {
  const ports: k8s.ContainerPort[] = served.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));
  if (metrics?.portName === METRICS_PORT_NAME) ports.push({ name: METRICS_PORT_NAME, containerPort: metrics.port, protocol: 'TCP' });
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
