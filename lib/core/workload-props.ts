import { k8s } from 'cdk8s-plus-28';
import { z } from 'zod';
import { ConfigMapReference, EnvValue, SecretReference, configMapRefSchema, envSchema, secretRefSchema } from './env';
import { ProbesSpec, probesSchema } from './probes';
import { ResourcesSpec, resourcesSchema } from './resources';
import { PersistentClaim, PersistentClaimProps, claimPropsSchema } from './storage';
import { checkAffinityLabels, dnsLabel, labelKey, labelMap, labelValue } from './names';
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
  /** Entrypoint. */
  readonly command?: readonly string[];
  /** Arguments. */
  readonly args?: readonly string[];
  /** Absolute directory the command starts in. @default the image's `WORKDIR` */
  readonly workingDir?: string;
  /** Environment variables, as for the main container. */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** @default 50m/64Mi requested, 250m/128Mi limit */
  readonly resources?: ResourcesSpec;
  /** Volume name → mount path. @default the main container's mounts */
  readonly mounts?: Readonly<Record<string, string>>;
}

/** Where pods may run. Passed through to the pod spec unchanged. */
export interface SchedulingSpec {
  /** Node labels a node must have. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Node and pod (anti-)affinity. */
  readonly affinity?: k8s.Affinity;
  /** Priority class. */
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
  /** Seconds between SIGTERM and SIGKILL: size it to the longest in-flight request or job. */
  readonly gracePeriodSeconds?: number;
  /**
   * Seconds the container sleeps in `preStop` before SIGTERM, so endpoints and load balancers stop
   * sending traffic first. Needs a `sleep` binary in the image; 0 disables it.
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
  /** The HTTP path of the metrics, written to the pod's `prometheus.io/path` annotation. @default '/metrics' */
  readonly path?: string;
}

/** What every workload construct accepts. */
export interface WorkloadProps {
  /** Image as `repository[:tag][@digest]`; the environment's `images.<name>` overrides tag or digest. */
  readonly image: string;
  /** Entrypoint override. */
  readonly command?: readonly string[];
  /** Arguments. */
  readonly args?: readonly string[];
  /**
   * Absolute directory the command starts in (the container's `workingDir`), for an image whose
   * command must run from a directory other than its `WORKDIR` (a chart's `cd /app/src && …`).
   * @default the image's `WORKDIR`
   */
  readonly workingDir?: string;
  /** Requests and limits of the main container (scaled by the environment). */
  readonly resources?: ResourcesSpec;
  /** Liveness, readiness and startup probes. */
  readonly probes?: ProbesSpec;
  /** Environment variables, in order (`$(VAR)` refers to an earlier one). */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Non-secret settings: written to a ConfigMap `<name>-config`, loaded as env; changing them rolls the pods. */
  readonly config?: Readonly<Record<string, string>>;
  /** Further ConfigMaps loaded whole as env (a SharedConfig rolls the pods when it changes). */
  readonly configMaps?: readonly ConfigMapReference[];
  /** Secrets loaded whole as env, by reference only: an existing Secret's name or an ExternalSecretSource. */
  readonly secrets?: readonly SecretReference[];
  /** Files by absolute path → content: stored in a ConfigMap `<name>-files`, each mounted with `subPath`; changing one rolls the pods. */
  readonly files?: Readonly<Record<string, string>>;
  /** Volumes of the main container (`/tmp` is always there). */
  readonly volumes?: readonly VolumeSpec[];
  /** Grace period and preStop pause. */
  readonly shutdown?: ShutdownSpec;
  /** Containers run to completion before the main one starts. */
  readonly initContainers?: readonly ContainerSpec[];
  /** Containers running beside the main one. */
  readonly sidecars?: readonly ContainerSpec[];
  /** Node selection, tolerations, affinity, priority. */
  readonly scheduling?: SchedulingSpec;
  /** Departures from the hardened security context. */
  readonly security?: SecuritySpec;
  /**
   * Served workloads this one calls over HTTP, by environment variable: `{ API_URL: backend }` sets
   * the variable to the back end's in-cluster URL (server-side, never in a browser bundle) and
   * allows the traffic in the network policies.
   */
  readonly backends?: Readonly<Record<string, ServedWorkload>>;
  /**
   * Further served workloads this one connects to (a datastore whose URL the application builds
   * itself, e.g. `redis://:$(REDIS_PASSWORD)@redis:6379`): allowed in the network policies.
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
}

/** How a served workload's Service is reached. */
export interface ServiceSpec {
  /**
   * `ClusterIP`: inside the cluster only; the TLS edge routes the outside in. `NodePort`: also on
   * one port of every node, as charts offer for clusters without an ingress controller. Traffic
   * there bypasses the edge (no TLS, no rate limits, no security headers), so the workload's
   * NetworkPolicy admits any source on its port, and the prod tier refuses it (staging warns).
   * @default 'ClusterIP'
   */
  readonly type?: 'ClusterIP' | 'NodePort';
  /**
   * The node port, in the API server's default range 30000–32767; `NodePort` only. Fixing it keeps
   * the address stable for whatever points at the nodes.
   * @default one the API server picks
   */
  readonly nodePort?: number;
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
      path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be an absolute HTTP path such as "/metrics"').default('/metrics'),
    })
    .optional(),
};

/** A TCP port number. */
export const portNumber = z.number().int().min(1).max(65535);

/** Schema of a {@link ServiceSpec} prop. */
export const serviceSchema = z
  .strictObject({
    type: z.enum(['ClusterIP', 'NodePort']).default('ClusterIP'),
    nodePort: z
      .number()
      .int()
      .min(30000, 'must be in the node port range 30000-32767 (the API server default)')
      .max(32767, 'must be in the node port range 30000-32767 (the API server default)')
      .optional(),
  })
  .refine((s) => s.nodePort === undefined || s.type === 'NodePort', {
    path: ['nodePort'],
    message: "applies only to type 'NodePort'. Fix: set type: 'NodePort', or remove nodePort",
  });
