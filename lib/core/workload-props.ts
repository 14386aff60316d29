import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { ConfigMapReference, EnvValue, SecretReference, configMapRefSchema, envSchema, secretRefSchema } from './env';
import { ProbesSpec, probesSchema } from './probes';
import { ResourcesSpec, resourcesSchema } from './resources';
import { PersistentClaim, PersistentClaimProps, claimPropsSchema } from '../persistent-claim';
import { annotationMap, checkAffinityLabels, dnsLabel, hostname, isLabelKey, labelKey, labelMap, labelValue } from './names';
import { portName } from './probes';
import { EgressDestination, egressDestinationSchema } from './egress';
import { memoryQuantity } from './quantity';
import { imageReference } from './image';
import type { SystemChart } from '../system-chart';

/** Fields every volume has. */
export interface VolumeBase {
  /** Volume name, unique in the workload. */
  readonly name: string;
  /** Where the main container sees it. */
  readonly mountPath: string;
  /** Mount read-only. @default false */
  readonly readOnly?: boolean;
}

/** Options of an emptyDir volume. */
export interface EmptyDirOptions {
  /** Keep it in RAM (tmpfs), e.g. for decrypted secrets. @default false */
  readonly memory?: boolean;
  /** Most it may hold, e.g. `64Mi`; the pod is evicted beyond it. @default no limit */
  readonly sizeLimit?: string;
}

/** Scratch space that lives as long as the pod; `memory: true` keeps it in RAM (tmpfs) and off the disk. */
export interface EmptyDirVolume extends VolumeBase {
  /** Options of the emptyDir. */
  readonly emptyDir: EmptyDirOptions;
}

/** A persistent volume: a shared {@link PersistentClaim}, or the props of a claim of this workload's own. */
export interface ClaimVolume extends VolumeBase {
  /** The claim, or the props of one to create as `<workload>-<volume name>`. */
  readonly claim: PersistentClaim | PersistentClaimProps;
}

/** The keys of a ConfigMap, mounted as files of a directory. */
export interface ConfigMapVolume extends VolumeBase {
  /** The ConfigMap (by name or SharedConfig). */
  readonly configMap: ConfigMapReference;
}

/** The keys of a Secret, mounted as files of a directory (by reference; the values are never in the output). */
export interface SecretVolume extends VolumeBase {
  /** The Secret (by name or ExternalSecretSource). */
  readonly secret: SecretReference;
}

/** A path of the node. */
export interface HostPathOptions {
  /** Absolute path on the node, e.g. `/var/run/docker.sock`. */
  readonly path: string;
  /** What must be there: `Socket`, `Directory`, `File`, … @default no check */
  readonly type?: string;
}

/** A directory or socket of the node. Not allowed by the restricted or baseline profile: needs the `hostPath` exception. */
export interface HostPathVolume extends VolumeBase {
  /** Path on the node and its expected type. */
  readonly hostPath: HostPathOptions;
}

/** One volume of a workload. */
export type VolumeSpec = EmptyDirVolume | ClaimVolume | ConfigMapVolume | SecretVolume | HostPathVolume;

/** An init container or a sidecar. */
export interface ContainerSpec {
  /** Container name, unique in the pod. */
  readonly name: string;
  /** @default the workload's image */
  readonly image?: string;
  /** Entrypoint. @default the image's `ENTRYPOINT` */
  readonly command?: readonly string[];
  /** Arguments. @default the image's `CMD` */
  readonly args?: readonly string[];
  /** Absolute directory the command starts in. @default the image's `WORKDIR` */
  readonly workingDir?: string;
  /** Environment variables, as for the main container. @default none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** @default 50m/64Mi requested, 250m/128Mi limit */
  readonly resources?: ResourcesSpec;
  /** Volume name → mount path. @default the main container's mounts */
  readonly mounts?: Readonly<Record<string, string>>;
}

/** Where pods may run. Passed through to the pod spec unchanged. */
export interface SchedulingSpec {
  /** Node labels a node must have. @default none: any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default none */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Node and pod (anti-)affinity. @default none */
  readonly affinity?: k8s.Affinity;
  /** Priority class. @default none: the cluster's default priority */
  readonly priorityClassName?: string;
}

/**
 * Departures from the hardened security context. Each one that breaks the restricted profile needs
 * an exception declared in the environment.
 */
export interface SecuritySpec {
  /** Numeric user id. @default 1000 */
  readonly runAsUser?: number;
  /** Numeric group id. @default 1000 */
  readonly runAsGroup?: number;
  /** Group owning mounted volumes. @default runAsGroup */
  readonly fsGroup?: number;
  /** Further groups of the processes, e.g. the node's `docker` group to open its socket. @default none */
  readonly supplementalGroups?: readonly number[];
  /** Run as root (user 0); needs the `runAsNonRoot` and `runAsUser` exceptions. @default false */
  readonly runAsRoot?: boolean;
  /** Read-only root file system; `false` needs the `writableRootFilesystem` exception. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Allow setuid binaries to gain privileges; needs the `privilegeEscalation` exception. @default false */
  readonly allowPrivilegeEscalation?: boolean;
  /** Linux capabilities to add after dropping ALL (`NET_BIND_SERVICE` is allowed by the restricted profile). @default [] */
  readonly addCapabilities?: readonly string[];
}

/** How a pod stops. */
export interface ShutdownSpec {
  /** Seconds between SIGTERM and SIGKILL: size it to the longest in-flight request or job. @default the construct's: 30 for most, 60 for a StatefulService, a Worker's longest job plus 15 */
  readonly gracePeriodSeconds?: number;
  /**
   * Seconds the container sleeps in `preStop` before SIGTERM, so endpoints and load balancers stop
   * sending traffic first. Needs a `sleep` binary in the image; 0 disables it.
   * @default 5 for a served workload, 0 otherwise
   */
  readonly preStopSeconds?: number;
}

/** Where a workload serves metrics for the cluster's monitoring to scrape. */
export interface MetricsSpec {
  /**
   * The container port serving them. A port other than the workload's served port is declared on
   * the main container under the name `metrics`. Either way the environment's `monitoring`
   * namespace is admitted to it (`allow-monitoring-<name>`).
   * @default the workload's served port (`http`); a workload that serves none must give one
   */
  readonly port?: number;
  /** The HTTP path of the metrics. @default '/metrics' */
  readonly path?: string;
  /** How often to scrape, e.g. `30s` (ServiceMonitor discovery only). @default the Prometheus's scrape interval */
  readonly interval?: string;
}

/** Labels and annotations added to objects. */
export interface MetadataSpec {
  /**
   * Labels, e.g. `{ 'team': 'payments' }`. The `app.kubernetes.io/*` labels shipshape writes (the
   * selector's among them) cannot be set here.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations; keys under `shipshape.io/` are shipshape's. @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The workload's ServiceAccount. */
export interface ServiceAccountSpec {
  /**
   * Annotations of the ServiceAccount: the cloud workload identity it maps to, e.g.
   * `{ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::…:role/app' }` or
   * `{ 'iam.gke.io/gcp-service-account': 'app@project.iam.gserviceaccount.com' }`. The identity
   * webhooks project their own token, so the API token stays unmounted.
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What every workload construct accepts. */
export interface WorkloadProps {
  /** Image as `repository[:tag][@digest]`; the environment's `images.<name>` overrides tag or digest. */
  readonly image: string;
  /** Entrypoint override. @default the image's `ENTRYPOINT` */
  readonly command?: readonly string[];
  /** Arguments. @default the image's `CMD` */
  readonly args?: readonly string[];
  /**
   * Absolute directory the command starts in (the container's `workingDir`), for an image whose
   * command must run from a directory other than its `WORKDIR` (a chart's `cd /app/src && …`).
   * @default the image's `WORKDIR`
   */
  readonly workingDir?: string;
  /** Requests and limits of the main container (scaled by the environment). @default the construct's (see its props) */
  readonly resources?: ResourcesSpec;
  /** Liveness, readiness and startup probes. @default the construct's (see its props) */
  readonly probes?: ProbesSpec;
  /** Environment variables, in order (`$(VAR)` refers to an earlier one). @default none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Non-secret settings: written to a ConfigMap `<name>-config`, loaded as env; changing them rolls the pods. @default none */
  readonly config?: Readonly<Record<string, string>>;
  /** Further ConfigMaps loaded whole as env (a SharedConfig rolls the pods when it changes). @default none */
  readonly configMaps?: readonly ConfigMapReference[];
  /** Secrets loaded whole as env, by reference only: an existing Secret's name or an ExternalSecretSource. @default none */
  readonly secrets?: readonly SecretReference[];
  /** Files by absolute path → content: stored in a ConfigMap `<name>-files`, each mounted with `subPath`; changing one rolls the pods. @default none */
  readonly files?: Readonly<Record<string, string>>;
  /** Volumes of the main container (`/tmp` is always there). @default none (a writable `/tmp` is always mounted) */
  readonly volumes?: readonly VolumeSpec[];
  /** Grace period and preStop pause. @default the construct's (see ShutdownSpec) */
  readonly shutdown?: ShutdownSpec;
  /** Containers run to completion before the main one starts. @default none */
  readonly initContainers?: readonly ContainerSpec[];
  /** Containers running beside the main one. @default none */
  readonly sidecars?: readonly ContainerSpec[];
  /** Node selection, tolerations, affinity, priority. @default none: any node */
  readonly scheduling?: SchedulingSpec;
  /** Departures from the hardened security context. @default the hardened `restricted` context, no exceptions */
  readonly security?: SecuritySpec;
  /**
   * Served workloads this one calls over HTTP, by environment variable: `{ API_URL: backend }` sets
   * the variable to the back end's in-cluster URL (server-side, never in a browser bundle) and
   * allows the traffic in the network policies.
   * @default none
   */
  readonly backends?: Readonly<Record<string, ServedWorkload>>;
  /**
   * Further served workloads this one connects to (a datastore whose URL the application builds
   * itself, e.g. `redis://:$(REDIS_PASSWORD)@redis:6379`): allowed in the network policies.
   * @default none
   */
  readonly connectsTo?: readonly ServedWorkload[];
  /** `app.kubernetes.io/component` label. @default depends on the construct */
  readonly component?: string;
  /**
   * Metrics for the cluster's monitoring: a port (named `metrics` unless it is the served port)
   * that the environment's `monitoring` namespace may reach, and the pod annotations
   * `prometheus.io/scrape`, `prometheus.io/port` and `prometheus.io/path`.
   * @default none (no port is admitted to monitoring)
   */
  readonly metrics?: MetricsSpec;
  /**
   * Labels and annotations of every object of the workload (Deployment, Service, ServiceAccount,
   * ConfigMaps, autoscaler, …) and of its pods.
   * @default none
   */
  readonly metadata?: MetadataSpec;
  /** Labels and annotations of the pods alone (`sidecar.istio.io/inject`, `azure.workload.identity/use`). @default none */
  readonly podMetadata?: MetadataSpec;
  /** Annotations of the workload's ServiceAccount (cloud workload identity). @default none */
  readonly serviceAccount?: ServiceAccountSpec;
  /**
   * Secrets of type `kubernetes.io/dockerconfigjson` the kubelet pulls the images with, for a
   * private registry the nodes cannot read; by reference, like `secrets`.
   * @default none (the nodes' own credentials)
   */
  readonly imagePullSecrets?: readonly SecretReference[];
  /**
   * Destinations outside the system the workload reaches (a SaaS API as `{ cidr: '0.0.0.0/0',
   * ports: [443] }`, a namespace of the cluster), allowed by its egress policy where the
   * environment enforces egress (`egress.enforce`); workloads and declared services it is wired to
   * are allowed without this. Inert where egress is not enforced.
   * @default none
   */
  readonly egress?: readonly EgressDestination[];
}

/** A further port of a served workload: declared on the main container and on its Service under the same name. */
export interface ExtraPortSpec {
  /** Port name (at most 15 lower-case letters, digits and "-"), e.g. `grpc`. */
  readonly name: string;
  /** The port number, the same on the container and the Service. */
  readonly port: number;
  /**
   * The application protocol, for proxies and meshes that route by it: an IANA service name
   * (`grpc`, `redis`), `kubernetes.io/h2c`, `kubernetes.io/ws`, or a domain-prefixed name.
   * @default none
   */
  readonly appProtocol?: string;
  /** The node port, for a `NodePort` or `LoadBalancer` Service. @default one the API server picks */
  readonly nodePort?: number;
}

/** How a served workload's Service is reached. */
export interface ServiceSpec {
  /**
   * `ClusterIP`: inside the cluster only; the TLS edge routes the outside in. `NodePort`: also on
   * one port of every node, as charts offer for clusters without an ingress controller.
   * `LoadBalancer`: also through a cloud load balancer (a TCP service such as an SMTP or MQTT
   * server). Traffic through a node port or a load balancer bypasses the edge (no TLS, no rate
   * limits, no security headers), so the workload's NetworkPolicy admits any source on its ports,
   * and the prod tier refuses it (staging warns).
   * @default 'ClusterIP'
   */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * The node port of the served port, in the API server's default range 30000–32767; `NodePort`
   * or `LoadBalancer` only. Fixing it keeps the address stable for whatever points at the nodes.
   * @default one the API server picks
   */
  readonly nodePort?: number;
  /**
   * Name of the served port on the container and the Service, which probes refer to: name a
   * port that does not speak HTTP after its protocol (`redis`, `amqp`).
   * @default 'http'
   */
  readonly portName?: string;
  /**
   * The served port's application protocol (`redis`, `kubernetes.io/h2c`, `grpc`), for proxies
   * and meshes that route by it.
   * @default none
   */
  readonly appProtocol?: string;
  /** Further named ports of the main container, each also on the Service. @default none */
  readonly extraPorts?: readonly ExtraPortSpec[];
  /**
   * Annotations of the Service alone, such as a cloud load balancer's settings
   * (`service.beta.kubernetes.io/aws-load-balancer-scheme`).
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A workload reachable in the cluster through a Service. */
export interface ServedWorkload {
  /** Workload and Service name. */
  readonly name: string;
  /** The Service port. */
  readonly port: number;
  /** `<name>.<namespace>.svc.cluster.local`, to build URLs of other schemes (`redis://…`). */
  readonly host: string;
  /** `http://<host>:<port>`: for server-side calls, never for a browser bundle. */
  readonly url: string;
  /** The system (and so the namespace and environment) it belongs to. */
  readonly system: SystemChart;
}

// z.custom keeps the workload object itself instead of copying it (and losing its getters).
/** Schema of a {@link ServedWorkload} prop: the workload object itself, not a copy. */
export const servedWorkload = z.custom<ServedWorkload>(
  (v) => typeof (v as ServedWorkload)?.url === 'string' && typeof (v as ServedWorkload)?.port === 'number' && typeof (v as ServedWorkload)?.name === 'string',
  'must be a served shipshape workload (a WebApp, an AutoscaledBackend or a Worker with a port)',
);

const absolutePath = z.string().startsWith('/', 'must be an absolute path');
const volumeBase = { name: dnsLabel, mountPath: absolutePath, readOnly: z.boolean().optional() };

const volumeSchema = z.union([
  z.strictObject({ ...volumeBase, emptyDir: z.strictObject({ memory: z.boolean().optional(), sizeLimit: memoryQuantity.optional() }) }),
  z.strictObject({ ...volumeBase, claim: z.union([z.instanceof(PersistentClaim), claimPropsSchema]) }),
  z.strictObject({ ...volumeBase, configMap: configMapRefSchema }),
  z.strictObject({ ...volumeBase, secret: secretRefSchema }),
  z.strictObject({ ...volumeBase, hostPath: z.strictObject({ path: absolutePath, type: z.string().optional() }) }),
]);

const containerSchema = z.strictObject({
  name: dnsLabel,
  image: imageReference.optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: absolutePath.optional(),
  env: envSchema.optional(),
  resources: resourcesSchema.optional(),
  mounts: z.record(dnsLabel, absolutePath).optional(),
});

/** The `app.kubernetes.io/*` labels shipshape writes; the selector uses `name` and `instance`. */
const RESERVED_LABELS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((name) => `app.kubernetes.io/${name}`);

const metadataSchema = z.strictObject({
  labels: labelMap
    .superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        if (!RESERVED_LABELS.includes(key)) continue;
        const fix =
          key === 'app.kubernetes.io/component'
            ? 'set it with the component prop'
            : 'remove it: the selector and the recommended labels come from the workload and system names';
        ctx.addIssue({ code: 'custom', path: [key], message: `is written by shipshape and cannot be overridden. Fix: ${fix}` });
      }
    })
    .optional(),
  annotations: annotationMap
    .superRefine((annotations, ctx) => {
      for (const key of Object.keys(annotations)) {
        if (key.startsWith('shipshape.io/'))
          ctx.addIssue({ code: 'custom', path: [key], message: 'shipshape.io/ annotations are written by shipshape. Fix: use a key of your own domain' });
      }
    })
    .optional(),
});

const userId = z.number().int().min(0).max(2147483647);

/** The zod fields of {@link WorkloadProps}, spread into each construct's schema. */
export const workloadShape = {
  image: imageReference,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: absolutePath.optional(),
  resources: resourcesSchema.optional(),
  probes: probesSchema.optional(),
  env: envSchema.optional(),
  config: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a valid ConfigMap key'), z.string()).optional(),
  configMaps: z.array(configMapRefSchema).optional(),
  secrets: z.array(secretRefSchema).optional(),
  files: z.record(absolutePath, z.string()).optional(),
  volumes: z.array(volumeSchema).optional(),
  shutdown: z
    .strictObject({
      gracePeriodSeconds: z.number().int().min(1).max(86400).optional(),
      preStopSeconds: z.number().int().min(0).max(3600).optional(),
    })
    .optional(),
  initContainers: z.array(containerSchema).optional(),
  sidecars: z.array(containerSchema).optional(),
  scheduling: z
    .strictObject({
      nodeSelector: labelMap.optional(),
      tolerations: z.array(z.object({ key: labelKey.optional(), value: labelValue.optional() }).loose()).optional(),
      affinity: z
        .object({})
        .loose()
        .superRefine((affinity, ctx) => checkAffinityLabels(affinity, [], (path, message) => ctx.addIssue({ code: 'custom', path, message })))
        .optional(),
      priorityClassName: z.string().min(1).optional(),
    })
    .optional(),
  security: z
    .strictObject({
      runAsUser: userId.optional(),
      runAsGroup: userId.optional(),
      fsGroup: userId.optional(),
      supplementalGroups: z.array(userId).optional(),
      runAsRoot: z.boolean().optional(),
      readOnlyRootFilesystem: z.boolean().optional(),
      allowPrivilegeEscalation: z.boolean().optional(),
      addCapabilities: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability name such as NET_BIND_SERVICE')).optional(),
    })
    .optional(),
  backends: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), servedWorkload).optional(),
  connectsTo: z.array(servedWorkload).optional(),
  component: dnsLabel.optional(),
  metrics: z
    .strictObject({
      port: z.number().int().min(1).max(65535).optional(),
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be an absolute HTTP path such as "/metrics"')
        .default('/metrics'),
      interval: z
        .string()
        .regex(/^[0-9]+(ms|s|m|h)$/, 'must be a duration such as "30s" or "1m"')
        .optional(),
    })
    .optional(),
  metadata: metadataSchema.optional(),
  podMetadata: metadataSchema.optional(),
  serviceAccount: z.strictObject({ annotations: annotationMap.optional() }).optional(),
  imagePullSecrets: z
    .array(
      secretRefSchema.refine(
        (ref) => typeof ref !== 'string' || hostname.safeParse(ref).success,
        'must be a Secret name (lower-case letters, digits, "-" and ".")',
      ),
    )
    .optional(),
  egress: z.array(egressDestinationSchema).optional(),
};

/** A TCP port number. */
export const portNumber = z.number().int().min(1).max(65535);

const nodePortNumber = z
  .number()
  .int()
  .min(30000, 'must be in the node port range 30000-32767 (the API server default)')
  .max(32767, 'must be in the node port range 30000-32767 (the API server default)');

/** An application protocol: Kubernetes checks it as a qualified name, like a label key. */
const appProtocol = z
  .string()
  .refine(isLabelKey, 'must be an application protocol such as "redis", "grpc" or "kubernetes.io/h2c" (a name with an optional DNS prefix and "/")');

/** Schema of a {@link ServiceSpec} prop. */
export const serviceSchema = z
  .strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
    nodePort: nodePortNumber.optional(),
    portName: portName.default('http'),
    appProtocol: appProtocol.optional(),
    extraPorts: z
      .array(z.strictObject({ name: portName, port: portNumber, appProtocol: appProtocol.optional(), nodePort: nodePortNumber.optional() }))
      .optional(),
    annotations: annotationMap.optional(),
  })
  .superRefine((s, ctx) => {
    const onNodes = s.type === 'NodePort' || s.type === 'LoadBalancer';
    const nodePorts: [(string | number)[], number | undefined][] = [
      [['nodePort'], s.nodePort],
      ...(s.extraPorts ?? []).map((p, i): [(string | number)[], number | undefined] => [['extraPorts', i, 'nodePort'], p.nodePort]),
    ];
    for (const [path, nodePort] of nodePorts) {
      if (nodePort !== undefined && !onNodes)
        ctx.addIssue({ code: 'custom', path, message: "applies only to type 'NodePort' or 'LoadBalancer'. Fix: set the type, or remove nodePort" });
    }
    const names = [s.portName, ...(s.extraPorts ?? []).map((p) => p.name)];
    (s.extraPorts ?? []).forEach((p, i) => {
      if (names.indexOf(p.name) !== i + 1)
        ctx.addIssue({
          code: 'custom',
          path: ['extraPorts', i, 'name'],
          message: `"${p.name}" names another port of the workload already. Fix: give each port its own name`,
        });
    });
  });
