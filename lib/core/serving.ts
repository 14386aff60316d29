import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject, ScaledObjectSpecTriggers } from '../../imports/scaledobjects-keda.sh';
import { TriggerAuthentication } from '../../imports/triggerauthentications-keda.sh';
import { ServiceMonitor } from '../../imports/servicemonitors-monitoring.coreos.com';
import { Issue } from './issues';
import { CustomMetric, KedaTrigger, SecretKeyReference, scaledObjectTrigger, secretTargets, toKedaTrigger, toMetricSpec } from './autoscaling';
import type { ServiceSpec } from './workload-props';

/** Name of the port every served workload exposes, on the container and the Service. */
export const HTTP_PORT_NAME = 'http';

/** `http://<host>:<port>`: a served workload's in-cluster URL. */
export function httpUrl(host: string, port: number): string {
  return `http://${host}:${port}`;
}

/**
 * The port a construct serves: the parsed props' (defaults applied), else the raw prop when it is a
 * number (so a construct with invalid props still answers `port` for its callers), else the default.
 */
export function servedPort(parsed: { readonly port?: number } | undefined, raw: unknown, fallback: number): number;
export function servedPort(parsed: { readonly port?: number } | undefined, raw: unknown, fallback?: number): number | undefined;
export function servedPort(parsed: { readonly port?: number } | undefined, raw: unknown, fallback?: number): number | undefined {
  const rawPort = (raw as { port?: unknown } | undefined)?.port;
  return parsed?.port ?? (typeof rawPort === 'number' ? rawPort : fallback);
}

/** Common metadata of a workload's objects. */
export interface ObjectIdentity {
  /** Object name (the workload's name). */
  readonly name: string;
  /** Full label set. */
  readonly labels: Record<string, string>;
  /** Stable selector labels. */
  readonly selector: Record<string, string>;
}

/** Options of a workload's Deployment. */
export interface DeploymentOptions extends ObjectIdentity {
  /** Pod template. */
  readonly template: k8s.PodTemplateSpec;
  /** Fixed replicas, or undefined when an autoscaler owns the count. */
  readonly replicas?: number;
  /** `RollingUpdate` (never below the desired count) or `Recreate` (singletons holding a lock or an RWO volume). */
  readonly strategy: 'RollingUpdate' | 'Recreate';
  /** Annotations of the Deployment itself (not of its pods). @default none */
  readonly annotations?: Record<string, string>;
}

/** A Deployment that never goes below its desired count during a rollout. */
export function createDeployment(scope: Construct, options: DeploymentOptions): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, 'Deployment', {
    metadata: { name: options.name, labels: options.labels, annotations: options.annotations },
    spec: {
      replicas: options.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...options.selector } },
      strategy:
        options.strategy === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
      template: options.template,
    },
  });
}

/** One port of a Service, reaching the container port of the same name. */
export interface ServicePort {
  /** Port name, on the Service and the container. */
  readonly name: string;
  /** The Service port (equal to the container port). */
  readonly port: number;
  /** The application protocol (`redis`, `kubernetes.io/h2c`). @default none */
  readonly appProtocol?: string;
  /** The node port of a `NodePort` or `LoadBalancer` Service. @default one the API server picks */
  readonly nodePort?: number;
}

/** Options of a workload's Service. */
export interface ServiceOptions extends ObjectIdentity {
  /** Object name. @default the workload's name */
  readonly serviceName?: string;
  /** The ports, the served one first. */
  readonly ports: readonly ServicePort[];
  /** @default 'ClusterIP' */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** No cluster IP: DNS answers with the pods' addresses (a scrape-only Service). @default false */
  readonly headless?: boolean;
  /** List pods before they are ready (members of a cluster finding each other while starting); headless only. @default false */
  readonly publishNotReadyAddresses?: boolean;
  /** Annotations of the Service (a cloud load balancer's settings). @default none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Service exposing the workload's ports by name: ClusterIP, NodePort or LoadBalancer. */
export function createService(scope: Construct, options: ServiceOptions, id = 'Service'): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: {
      name: options.serviceName ?? options.name,
      labels: options.labels,
      annotations: options.annotations && Object.keys(options.annotations).length ? { ...options.annotations } : undefined,
    },
    spec: {
      type: options.type ?? 'ClusterIP',
      clusterIp: options.headless ? 'None' : undefined,
      publishNotReadyAddresses: options.publishNotReadyAddresses,
      selector: { ...options.selector },
      ports: options.ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: k8s.IntOrString.fromString(p.name),
        protocol: 'TCP',
        appProtocol: p.appProtocol,
        nodePort: p.nodePort,
      })),
    },
  });
}

/**
 * The ports a served workload's Service exposes: the served port (named `http` unless the
 * ServiceSpec names it) and the extra ones; none without a served port. Two ports with one number
 * are an issue.
 */
export function servicePortsOf(port: number | undefined, service: ServiceSpec | undefined): { ports: ServicePort[]; issues: Issue[] } {
  if (port === undefined) return { ports: [], issues: [] };
  const extra = service?.extraPorts ?? [];
  const ports: ServicePort[] = [{ name: service?.portName ?? HTTP_PORT_NAME, port, appProtocol: service?.appProtocol, nodePort: service?.nodePort }, ...extra];
  const issues: Issue[] = [];
  extra.forEach((p, i) => {
    if (ports.findIndex((q) => q.port === p.port) !== i + 1)
      issues.push({ field: `service.extraPorts[${i}].port`, message: `port ${p.port} is served already`, fix: 'give each port its own number' });
  });
  return { ports, issues };
}

/**
 * A PodDisruptionBudget letting one pod go at a time: node drains proceed, but never take the
 * workload down (`minAvailable: 1` would let a drain evict all but one pod at once).
 */
export function createPodDisruptionBudget(scope: Construct, options: ObjectIdentity): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: { ...options.selector } },
      // Evicting a pod that never became ready cannot hurt availability; without this a crash-looping pod blocks drains.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/** Autoscaling bounds and targets. */
export interface AutoscalerOptions extends ObjectIdentity {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of the request. */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, percent of the request. */
  readonly memoryUtilization?: number;
  /** Seconds of consistently lower load before removing pods. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /** Per-pod and external metrics, beside CPU and memory. @default none */
  readonly customMetrics?: readonly CustomMetric[];
}

/**
 * An `autoscaling/v2` HPA on CPU and/or memory. Scale-down is slowed (a stabilization window and
 * at most one pod a minute) so a short dip does not drop capacity that the next burst needs.
 */
export function createAutoscaler(scope: Construct, options: AutoscalerOptions): k8s.KubeHorizontalPodAutoscalerV2 {
  const metric = (name: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  const metrics: k8s.MetricSpecV2[] = [];
  if (options.cpuUtilization !== undefined) metrics.push(metric('cpu', options.cpuUtilization));
  if (options.memoryUtilization !== undefined) metrics.push(metric('memory', options.memoryUtilization));
  metrics.push(...(options.customMetrics ?? []).map(toMetricSpec));
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, 'HorizontalPodAutoscaler', {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: options.name },
      minReplicas: options.minReplicas,
      maxReplicas: options.maxReplicas,
      metrics,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: options.scaleDownStabilizationSeconds ?? 300,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
          selectPolicy: 'Min',
        },
        scaleUp: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Percent', value: 100, periodSeconds: 30 },
            { type: 'Pods', value: 4, periodSeconds: 30 },
          ],
          selectPolicy: 'Max',
        },
      },
    },
  });
}

export type { SecretKeyReference };

/** A Redis list KEDA measures, resolved to an address. */
export interface RedisListTrigger {
  /** `host:port` of the Redis. */
  readonly address: string;
  /** The list holding the backlog. */
  readonly listName: string;
  /** Target backlog per replica. */
  readonly listLength: number;
  /** Redis database index. @default 0 */
  readonly databaseIndex?: number;
  /** Connect with TLS. @default false */
  readonly tls?: boolean;
  /** The Redis password, read by KEDA through a TriggerAuthentication. @default none */
  readonly password?: SecretKeyReference;
}

/** Options of a KEDA ScaledObject. */
export interface QueueScalerOptions extends ObjectIdentity {
  /** Fewest replicas; 0 scales an idle queue to zero. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** A Redis list and how to reach it. @default none */
  readonly redisList?: RedisListTrigger;
  /** Further triggers. @default none */
  readonly triggers?: readonly KedaTrigger[];
}

/**
 * A KEDA ScaledObject on a Redis list's length and further triggers (the HPA KEDA makes scales
 * down as slowly as {@link createAutoscaler}'s), with a TriggerAuthentication per trigger whose
 * Secrets KEDA reads: `<name>-redis` for the Redis password, `<name>-<type>` for the others
 * (`<name>-<type>-<n>` from the second of a type on).
 */
export function createQueueScaler(
  scope: Construct,
  options: QueueScalerOptions,
): { scaledObject: ScaledObject; triggerAuthentication?: TriggerAuthentication; triggerAuthentications: TriggerAuthentication[] } {
  const authentications: TriggerAuthentication[] = [];
  const authenticate = (authName: string, secrets: Readonly<Record<string, SecretKeyReference>>): string | undefined => {
    if (Object.keys(secrets).length === 0) return undefined;
    const id = authentications.length === 0 ? 'TriggerAuthentication' : `TriggerAuthentication-${authName}`;
    authentications.push(
      new TriggerAuthentication(scope, id, { metadata: { name: authName, labels: options.labels }, spec: { secretTargetRef: secretTargets(secrets) } }),
    );
    return authName;
  };
  const triggers: ScaledObjectSpecTriggers[] = [];
  const redis = options.redisList;
  if (redis)
    triggers.push(
      scaledObjectTrigger('redis', redisMetadata(redis), authenticate(`${options.name}-redis`, redis.password ? { password: redis.password } : {})),
    );
  const seen = new Map<string, number>();
  for (const trigger of options.triggers ?? []) {
    const { type, metadata, secrets } = toKedaTrigger(trigger);
    const n = (seen.get(type) ?? 0) + 1;
    seen.set(type, n);
    triggers.push(scaledObjectTrigger(type, metadata, authenticate(n === 1 ? `${options.name}-${type}` : `${options.name}-${type}-${n}`, secrets)));
  }
  const scaledObject = new ScaledObject(scope, 'ScaledObject', {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      scaleTargetRef: { name: options.name },
      minReplicaCount: options.minReplicas,
      maxReplicaCount: options.maxReplicas,
      pollingInterval: 15,
      // Waits this long after the queue empties before scaling to the minimum.
      cooldownPeriod: 300,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
        },
      },
      triggers,
    },
  });
  return { scaledObject, triggerAuthentication: authentications[0], triggerAuthentications: authentications };
}

/** The metadata of KEDA's `redis` trigger on a list. */
function redisMetadata(redis: RedisListTrigger): Record<string, string> {
  return {
    address: redis.address,
    listName: redis.listName,
    listLength: String(redis.listLength),
    ...(redis.databaseIndex !== undefined ? { databaseIndex: String(redis.databaseIndex) } : {}),
    ...(redis.tls ? { enableTLS: 'true' } : {}),
  };
}

/** How many pods a workload runs here: a fixed count, or the bounds an autoscaler owns. */
export interface ReplicaPlan {
  /** The fixed count, written to the Deployment; undefined when an autoscaler owns it. */
  readonly replicas?: number;
  /** The autoscaler's bounds, as the environment scales them. */
  readonly range?: { readonly min: number; readonly max: number };
  /** The fewest pods that run: decides the PDB and the two-replica rule. */
  readonly fewest: number;
  /** The most pods that run at once. */
  readonly most: number;
}

/** What a served (or serving-capable) workload asks of its Deployment and what scales and serves it. */
export interface ServeOptions {
  /** The pod template. */
  readonly template: k8s.PodTemplateSpec;
  /** Replicas or autoscaling bounds. */
  readonly plan: ReplicaPlan;
  /** The served port; without one there is no Service. @default no Service */
  readonly port?: number;
  /** The Service's type and node port. @default { type: 'ClusterIP' } */
  readonly service?: ServiceSpec;
  /** Exactly one pod: `Recreate`, annotated, exempt from the two-replica rule. @default false */
  readonly singleton?: boolean;
  /** An HPA on CPU and/or memory, within `plan.range`. @default none */
  readonly autoscaler?: Pick<AutoscalerOptions, 'cpuUtilization' | 'memoryUtilization' | 'scaleDownStabilizationSeconds' | 'customMetrics'>;
  /** A KEDA ScaledObject on a Redis list, within `plan.range`. @default none */
  readonly redisList?: RedisListTrigger;
  /** KEDA triggers beyond a Redis list, on the same ScaledObject. @default none */
  readonly triggers?: readonly KedaTrigger[];
  /** The prop (or environment key) that sets the fewest replicas, named by the two-replica rule. */
  readonly replicasField: 'replicas' | 'autoscaling.minReplicas' | 'scaling.minReplicas';
}

/** The objects that run, serve and scale a workload; each is absent when not asked for. */
export interface ServedObjects {
  readonly deployment: k8s.KubeDeployment;
  readonly service?: k8s.KubeService;
  readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  readonly scaledObject?: ScaledObject;
  readonly triggerAuthentication?: TriggerAuthentication;
  /** Every TriggerAuthentication (the first is {@link triggerAuthentication}). */
  readonly triggerAuthentications?: readonly TriggerAuthentication[];
  readonly serviceMonitor?: ServiceMonitor;
  /** The headless Service `<name>-metrics` the ServiceMonitor scrapes, when the workload's own cannot carry the metrics. */
  readonly metricsService?: k8s.KubeService;
}
