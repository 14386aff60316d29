import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { evaluatePodSecurity, strictestProfile } from '../checks/pod-security';
import { Environment, SecurityExceptionName, isDigest, resolveReplicas } from '../environment';
import { ANY_SOURCE, SystemChart } from '../system-chart';
import { checksum, sortedRecord } from './config';
import { SecretReference, checkEnv, configMapName, secretLikeEntries, secretName, toEnvVars } from './env';
import { Issue, WarningCode, reportErrors, reportWarning } from './issues';
import { WorkloadIdentity, selectorLabels, workloadLabels } from './labels';
import { isDnsLabel, isLabelValue, serviceHost } from './names';
import { ProbeSpec, ProbesSpec, describeProbe, toProbe } from './probes';
import { ResourcesSpec, scaleResources, toResourceRequirements } from './resources';
import { parseQuantity } from './quantity';
import { PersistentClaim } from './storage';
import { ContainerSpec, ServedWorkload, VolumeSpec, WorkloadProps } from './workload-props';

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
/** Name of the port every served workload exposes, on the container and the Service. */
export const HTTP_PORT_NAME = 'http';
/** Name of the container port serving metrics, when it is not the served port. */
export const METRICS_PORT_NAME = 'metrics';

const SIDECAR_RESOURCES: ResourcesSpec = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } };
const DEFAULT_USER = 1000;

/** What a construct tells the core about the pod it wants. */
export interface PodOptions {
  /** Default `app.kubernetes.io/component`. */
  readonly component: string;
  /** The port served as `http`, if any. */
  readonly port?: number;
  /** The most pods that can run at once (for volume access checks). */
  readonly maxReplicas: number;
  /** Spread pods across zones and nodes (two or more replicas of a Deployment). */
  readonly spread: boolean;
  /** @default 'Always' */
  readonly restartPolicy?: 'Always' | 'Never' | 'OnFailure';
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
    this.system.connect({ from: ANY_SOURCE, to: this.name, port });
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

  /** `<name>.<namespace>.svc.cluster.local`: the in-cluster host of the workload's Service. */
  public get host(): string {
    return serviceHost(this.name, this.environment.namespace);
  }

  /**
   * Builds the ServiceAccount, the ConfigMaps and the hardened pod template. Problems are recorded
   * on the construct; the template is still returned so later checks see a complete object.
   */
  protected buildPodTemplate(rawProps: WorkloadProps, options: PodOptions): k8s.PodTemplateSpec {
    const env = this.environment;
    const backendEnv: Record<string, string> = {};
    for (const [variable, backend] of Object.entries(rawProps.backends ?? {})) backendEnv[variable] = backend.url;
    for (const target of [...Object.values(rawProps.backends ?? {}), ...(rawProps.connectsTo ?? [])]) {
      this.system.connect({ from: this.name, to: target.name, port: target.port });
    }
    // Back-end URLs come first so the workload's own env can expand them with $(VAR).
    const props: WorkloadProps = { ...rawProps, env: { ...backendEnv, ...rawProps.env } };
    const image = this.resolveImage(props.image);
    this.imageReference = image.reference;
    this.secretReferences = props.secrets ?? [];
    this.workingDir = props.workingDir;
    this.identity = { name: this.name, system: this.system.system, component: props.component ?? options.component, version: image.version };
    const issues: Issue[] = [];
    const labels = workloadLabels(this.identity);

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, labels },
      automountServiceAccountToken: false,
    });

    const checksums: Record<string, string> = {};
    const envFrom: k8s.EnvFromSource[] = [];
    const configMapEnv = options.configMapEnv ?? true;
    if (props.config && Object.keys(props.config).length > 0) {
      for (const key of secretLikeEntries(props.config)) {
        issues.push({ field: `config.${key}`, message: 'looks like a secret value; a ConfigMap is readable by anyone who can read the namespace', fix: `move it to a Secret and reference it: env: { ${key}: { secret: '<name>', key: '${key}' } }` });
      }
      const data = sortedRecord(props.config);
      this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name: `${this.name}-config`, labels }, data });
      checksums[`${this.name}-config`] = checksum(data);
      if (configMapEnv) envFrom.push({ configMapRef: { name: `${this.name}-config` } });
    }
    for (const ref of props.configMaps ?? []) {
      if (typeof ref === 'string') this.system.registerExternal('ConfigMap', ref);
      if (typeof ref !== 'string' && ref.checksum) checksums[ref.name] = ref.checksum;
      if (configMapEnv) envFrom.push({ configMapRef: { name: configMapName(ref) } });
    }
    for (const ref of props.secrets ?? []) envFrom.push({ secretRef: { name: secretName(ref) } });
    this.recordReferences(props);

    const { volumes, mounts, volumeIssues } = this.buildVolumes(props, options, labels, checksums);
    issues.push(...volumeIssues);
    issues.push(...checkEnv(props.env ?? {}, 'env', envFrom.length > 0));

    const security = props.security ?? {};
    const runAsRoot = security.runAsRoot ?? false;
    const containerSecurity: k8s.SecurityContext = {
      allowPrivilegeEscalation: security.allowPrivilegeEscalation ?? false,
      readOnlyRootFilesystem: security.readOnlyRootFilesystem ?? true,
      runAsNonRoot: !runAsRoot,
      capabilities: { drop: ['ALL'], add: security.addCapabilities?.length ? [...security.addCapabilities] : undefined },
    };

    const shutdown = {
      gracePeriodSeconds: props.shutdown?.gracePeriodSeconds ?? options.defaultGracePeriodSeconds,
      preStopSeconds: props.shutdown?.preStopSeconds ?? options.defaultPreStopSeconds,
    };
    if (shutdown.preStopSeconds >= shutdown.gracePeriodSeconds) {
      issues.push({
        field: 'shutdown.preStopSeconds',
        message: `the preStop pause (${shutdown.preStopSeconds} s) uses the whole grace period (${shutdown.gracePeriodSeconds} s), leaving the process no time to finish in-flight work after SIGTERM`,
        fix: 'raise shutdown.gracePeriodSeconds above the pause plus the longest request or job',
      });
    }

    issues.push(...this.checkProbes(props, options));
    const metricsPort = this.admitMonitoring(props, options, issues);
    const ports: k8s.ContainerPort[] = [];
    if (options.port) ports.push({ name: HTTP_PORT_NAME, containerPort: options.port, protocol: 'TCP' });
    if (metricsPort !== undefined && metricsPort !== options.port) ports.push({ name: METRICS_PORT_NAME, containerPort: metricsPort, protocol: 'TCP' });
    const resources = this.resolveResources(props.resources ?? options.defaultResources);
    const override = this.environment.workloads[this.name]?.resources !== undefined;
    issues.push(...checkCapacity(resources, env, override ? `${env.name}.workloads.${this.name}.resources` : 'resources'));
    issues.push(...checkProbePorts(props.probes ?? {}, ports.map((p) => p.name as string)));
    // Variables from a ConfigMap or Secret made elsewhere are unknown here: then $(VAR) is not checked.
    const knownEnv = (props.secrets ?? []).length === 0 && ((props.configMaps ?? []).length === 0 || !configMapEnv);
    if (knownEnv) {
      const defined = new Set([...Object.keys(props.env ?? {}), ...(configMapEnv ? Object.keys(props.config ?? {}) : [])]);
      issues.push(...checkCommandReferences(props, defined, ''));
    }
    const main: k8s.Container = {
      name: this.name,
      image: image.reference,
      imagePullPolicy: image.pullPolicy,
      command: props.command ? [...props.command] : undefined,
      args: props.args ? [...props.args] : undefined,
      workingDir: props.workingDir,
      ports: ports.length ? ports : undefined,
      env: props.env && Object.keys(props.env).length ? toEnvVars(props.env) : undefined,
      envFrom: envFrom.length ? envFrom : undefined,
      resources: toResourceRequirements(resources),
      startupProbe: props.probes?.startup ? toProbe(props.probes.startup, options.port ? HTTP_PORT_NAME : undefined) : undefined,
      livenessProbe: props.probes?.liveness ? toProbe(props.probes.liveness, options.port ? HTTP_PORT_NAME : undefined) : undefined,
      readinessProbe: props.probes?.readiness ? toProbe(props.probes.readiness, options.port ? HTTP_PORT_NAME : undefined) : undefined,
      lifecycle: shutdown.preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(shutdown.preStopSeconds)] } } } : undefined,
      securityContext: containerSecurity,
      volumeMounts: mounts,
    };

    const extra = (spec: ContainerSpec, field: string): k8s.Container => {
      issues.push(...checkEnv(spec.env ?? {}, `${field}.env`, false));
      issues.push(...checkCommandReferences(spec, new Set(Object.keys(spec.env ?? {})), `${field}.`));
      const sidecarResources = scaleResources(spec.resources ?? SIDECAR_RESOURCES, env.scaling.resources);
      issues.push(...checkCapacity(sidecarResources, env, `${field}.resources`));
      const extraMounts = spec.mounts
        ? [mounts[0], ...Object.entries(spec.mounts).map(([name, mountPath]) => ({ name, mountPath }))]
        : mounts;
      for (const m of extraMounts) {
        if (!volumes.some((v) => v.name === m.name)) issues.push({ field: `${field}.mounts.${m.name}`, message: 'is not a volume of this workload', fix: 'add it to volumes or fix the name' });
      }
      return {
        name: spec.name,
        image: spec.image ? this.resolveImage(spec.image, `${field}.image`).reference : image.reference,
        imagePullPolicy: image.pullPolicy,
        command: spec.command ? [...spec.command] : undefined,
        args: spec.args ? [...spec.args] : undefined,
        workingDir: spec.workingDir,
        env: spec.env && Object.keys(spec.env).length ? toEnvVars(spec.env) : undefined,
        resources: toResourceRequirements(sidecarResources),
        securityContext: containerSecurity,
        volumeMounts: extraMounts,
      };
    };
    const initContainers = (props.initContainers ?? []).map((c, i) => extra(c, `initContainers[${i}]`));
    const sidecars = (props.sidecars ?? []).map((c, i) => extra(c, `sidecars[${i}]`));
    issues.push(...duplicateNames([main, ...initContainers, ...sidecars].map((c) => c.name), 'container'));

    const selector = this.selector;
    const spec: k8s.PodSpec = {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      // Service links inject <SERVICE>_PORT=tcp://… variables that clash with settings such as REDIS_PORT.
      enableServiceLinks: false,
      restartPolicy: options.restartPolicy,
      terminationGracePeriodSeconds: shutdown.gracePeriodSeconds,
      securityContext: {
        runAsNonRoot: !runAsRoot,
        runAsUser: runAsRoot ? 0 : security.runAsUser ?? DEFAULT_USER,
        runAsGroup: runAsRoot ? 0 : security.runAsGroup ?? DEFAULT_USER,
        fsGroup: security.fsGroup ?? security.runAsGroup ?? DEFAULT_USER,
        supplementalGroups: security.supplementalGroups?.length ? [...security.supplementalGroups] : undefined,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers: initContainers.length ? initContainers : undefined,
      containers: [main, ...sidecars],
      volumes,
      topologySpreadConstraints: options.spread ? spreadConstraints(selector) : undefined,
      nodeSelector: props.scheduling?.nodeSelector ? { ...props.scheduling.nodeSelector } : undefined,
      tolerations: props.scheduling?.tolerations ? [...props.scheduling.tolerations] : undefined,
      affinity: props.scheduling?.affinity,
      priorityClassName: props.scheduling?.priorityClassName,
    };

    const annotations: Record<string, string> = {};
    if (metricsPort !== undefined && props.metrics) {
      // The scrape convention many Prometheus configurations follow; a ServiceMonitor needs the operator.
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/port'] = String(metricsPort);
      annotations['prometheus.io/path'] = props.metrics.path ?? '/metrics';
    }
    if (Object.keys(checksums).length) annotations[CONFIG_CHECKSUM_ANNOTATION] = checksum(checksums);
    const exceptionNote = this.applySecurityPolicy(spec, issues);
    if (exceptionNote) annotations[SECURITY_EXCEPTIONS_ANNOTATION] = exceptionNote;

    this.report(issues);
    return {
      metadata: { labels, annotations: Object.keys(annotations).length ? annotations : undefined },
      spec,
    };
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
   * namespace; undefined without `metrics`, or when no port can be told (an issue is recorded).
   */
  private admitMonitoring(props: WorkloadProps, options: PodOptions, issues: Issue[]): number | undefined {
    if (!props.metrics) return undefined;
    const port = props.metrics.port ?? options.port;
    if (port === undefined) {
      issues.push({ field: 'metrics.port', message: 'this workload serves no port, so the metrics port cannot default to it', fix: 'give metrics.port, the port the process serves its metrics on' });
      return undefined;
    }
    this.system.admit('monitoring', this.name, port);
    return port;
  }

  /**
   * Records the Secrets the pods read; those named by a plain string, and such ConfigMaps, are made
   * outside the output: declare them on the namespace.
   */
  private recordReferences(props: WorkloadProps): void {
    const envs = [props.env ?? {}, ...(props.initContainers ?? []).map((c) => c.env ?? {}), ...(props.sidecars ?? []).map((c) => c.env ?? {})];
    const secretRefs = [...(props.secrets ?? []), ...(props.volumes ?? []).flatMap((v) => ('secret' in v ? [v.secret] : []))];
    const configMapRefs = (props.volumes ?? []).flatMap((v) => ('configMap' in v ? [v.configMap] : []));
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

  private buildVolumes(
    props: WorkloadProps,
    options: PodOptions,
    labels: Record<string, string>,
    checksums: Record<string, string>,
  ): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[]; volumeIssues: Issue[] } {
    const volumeIssues: Issue[] = [];
    const volumes: k8s.Volume[] = [{ name: 'tmp', emptyDir: {} }];
    const mounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
    (props.volumes ?? []).forEach((volume, i) => {
      volumes.push(this.toVolume(volume, options, labels, `volumes[${i}]`, volumeIssues, checksums));
      mounts.push({ name: volume.name, mountPath: volume.mountPath, readOnly: volume.readOnly || undefined });
    });
    const files = Object.entries(props.files ?? {});
    if (files.length) {
      const data: Record<string, string> = {};
      for (const [path, content] of files) {
        const key = path.slice(path.lastIndexOf('/') + 1);
        if (!/^[-._a-zA-Z0-9]+$/.test(key)) volumeIssues.push({ field: `files.${path}`, message: 'the file name must be letters, digits, "-", "_" and "."' });
        if (key in data) volumeIssues.push({ field: `files.${path}`, message: `another file is also named "${key}"`, fix: 'give files distinct names' });
        data[key] = content;
        mounts.push({ name: 'files', mountPath: path, subPath: key, readOnly: true });
      }
      const sorted = sortedRecord(data);
      this.filesConfigMap = new k8s.KubeConfigMap(this, 'Files', { metadata: { name: `${this.name}-files`, labels }, data: sorted });
      // subPath mounts never see ConfigMap updates, so the checksum is what delivers a change.
      checksums[`${this.name}-files`] = checksum(sorted);
      volumes.push({ name: 'files', configMap: { name: `${this.name}-files` } });
    }
    volumeIssues.push(...duplicateNames(volumes.map((v) => v.name), 'volume'));
    volumeIssues.push(...duplicateNames(mounts.filter((m) => !m.subPath || m.name !== 'files').map((m) => m.mountPath), 'mount path'));
    return { volumes, mounts, volumeIssues };
  }

  private toVolume(
    volume: VolumeSpec,
    options: PodOptions,
    labels: Record<string, string>,
    field: string,
    issues: Issue[],
    checksums: Record<string, string>,
  ): k8s.Volume {
    if ('emptyDir' in volume) {
      return {
        name: volume.name,
        emptyDir: {
          medium: volume.emptyDir.memory ? 'Memory' : undefined,
          sizeLimit: volume.emptyDir.sizeLimit ? k8s.Quantity.fromString(volume.emptyDir.sizeLimit) : undefined,
        },
      };
    }
    if ('claim' in volume) {
      const claim = volume.claim instanceof PersistentClaim
        ? volume.claim
        : new PersistentClaim(this, `${this.name}-${volume.name}`, volume.claim);
      if (!(volume.claim instanceof PersistentClaim) && claim.claim) {
        claim.claim.metadata.addLabel('app.kubernetes.io/part-of', labels['app.kubernetes.io/part-of']);
      }
      claim.mountedBy(this.name, options.maxReplicas);
      if (claim.accessMode === 'ReadWriteOnce' && options.maxReplicas > 1) {
        issues.push({
          field: `${field}.claim`,
          message: `claim "${claim.name}" is ReadWriteOnce but this workload runs up to ${options.maxReplicas} replicas; the extra pods would wait forever for the volume`,
          fix: "use accessMode 'ReadWriteMany' (an RWX storage class) or run a single replica",
        });
      }
      return { name: volume.name, persistentVolumeClaim: { claimName: claim.name, readOnly: volume.readOnly || undefined } };
    }
    if ('configMap' in volume) {
      if (typeof volume.configMap !== 'string' && volume.configMap.checksum) checksums[volume.configMap.name] = volume.configMap.checksum;
      return { name: volume.name, configMap: { name: configMapName(volume.configMap) } };
    }
    if ('secret' in volume) return { name: volume.name, secret: { secretName: secretName(volume.secret) } };
    return { name: volume.name, hostPath: { path: volume.hostPath.path, type: volume.hostPath.type } };
  }

  /** Liveness and readiness must differ where both are given, and HTTP probes need a port. */
  private checkProbes(props: WorkloadProps, options: PodOptions): Issue[] {
    const issues: Issue[] = [];
    const probes = props.probes ?? {};
    for (const [kind, probe] of Object.entries(probes) as [string, ProbeSpec | undefined][]) {
      if (probe && 'http' in probe && probe.port === undefined && !options.port) {
        issues.push({ field: `probes.${kind}.port`, message: 'an HTTP probe on a workload that serves no port needs its own port', fix: `set probes.${kind}.port` });
      }
    }
    if (probes.liveness && probes.readiness && describeProbe(probes.liveness) === describeProbe(probes.readiness)) {
      reportWarning(this, this.kind, 'probes-same-check', {
        field: 'probes.liveness',
        message: `liveness and readiness are the same check (${describeProbe(probes.liveness)}): a pod that reports unready while draining or while a dependency is down would be restarted too`,
        fix: 'point liveness at an endpoint that only checks the process is alive',
      });
    }
    return issues;
  }

  /**
   * Evaluates the pod against the Pod Security Standards. Violations covered by an exception the
   * environment declares for this workload are annotated and lower the namespace's level; others
   * are errors.
   */
  private applySecurityPolicy(spec: k8s.PodSpec, issues: Issue[]): string | undefined {
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
    if (used.size === 0) return undefined;
    return [...used].sort().map((name) => `${name}: ${allowed.get(name)}`).join('; ');
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

function duplicateNames(names: readonly string[], what: string): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const name of names) {
    if (seen.has(name)) issues.push({ field: `${what}s`, message: `${what} "${name}" appears twice; Kubernetes merges list entries by ${what}`, fix: `give each ${what} a distinct value` });
    seen.add(name);
  }
  return issues;
}

/** `$(VAR)` in a command or its arguments that names no variable of the container: Kubernetes passes the text on unchanged. */
function checkCommandReferences(spec: { readonly command?: readonly string[]; readonly args?: readonly string[] }, defined: ReadonlySet<string>, prefix: string): Issue[] {
  const issues: Issue[] = [];
  for (const list of ['command', 'args'] as const) {
    (spec[list] ?? []).forEach((text, i) => {
      // `$$` is the escape of a literal `$`, so `$$(VAR)` is no reference.
      for (const match of text.matchAll(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        const name = match[1];
        if (name === undefined || defined.has(name)) continue;
        issues.push({
          field: `${prefix}${list}[${i}]`,
          message: `refers to $(${name}), which no variable of the container defines; Kubernetes would pass the text "$(${name})" on unchanged`,
          fix: `define ${name} in ${prefix}env, or write $$(${name}) for the literal text`,
        });
      }
    });
  }
  return issues;
}

/** Probe ports given by name that name no port of the main container: the kubelet could never run the probe. */
function checkProbePorts(probes: ProbesSpec, declared: readonly string[]): Issue[] {
  const issues: Issue[] = [];
  for (const [kind, probe] of Object.entries(probes) as [string, ProbeSpec | undefined][]) {
    if (!probe) continue;
    const [field, port] = 'http' in probe ? ['port', probe.port] : 'tcp' in probe ? ['tcp', probe.tcp] : ['', undefined];
    if (typeof port !== 'string' || declared.includes(port)) continue;
    issues.push({
      field: `probes.${kind}.${field}`,
      message: `"${port}" names no port of the container (it declares ${declared.length ? declared.map((d) => `"${d}"`).join(', ') : 'none'})`,
      fix: declared.length ? `use ${declared.map((d) => `"${d}"`).join(' or ')}, or the port number` : 'give the port number, or declare the port (a served port is named "http")',
    });
  }
  return issues;
}

/** Requests or limits above what the environment's largest node offers: such a pod is never scheduled. */
function checkCapacity(spec: ResourcesSpec, env: Environment, field: string): Issue[] {
  const issues: Issue[] = [];
  for (const side of ['requests', 'limits'] as const) {
    for (const key of ['cpu', 'memory'] as const) {
      const value = spec[side][key];
      const max = env.nodeCapacity[key];
      if (parseQuantity(value) <= parseQuantity(max)) continue;
      issues.push({
        field: `${field}.${side}.${key}`,
        message: `${value} is more than any node offers (${env.name}.nodeCapacity.${key} is ${max}); the pod would never be scheduled`,
        fix: `lower it, or set nodeCapacity: { ${key}: '…' } in the ${env.name} environment if its cluster has larger nodes`,
      });
    }
  }
  return issues;
}
