import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject, ScaledObjectSpecTriggersAuthenticationRefKind } from '../../imports/scaledobjects-keda.sh';
import { TriggerAuthentication } from '../../imports/triggerauthentications-keda.sh';
import { SecretReference, secretName } from './env';
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

/** Options of a workload's Service. */
export interface ServiceOptions extends ObjectIdentity {
  /** The Service port (equal to the container's `http` port). */
  readonly port: number;
  /** @default 'ClusterIP' */
  readonly type?: 'ClusterIP' | 'NodePort';
  /** The node port of a `NodePort` Service. @default one the API server picks */
  readonly nodePort?: number;
}

/** A Service exposing the workload's `http` port: ClusterIP, or NodePort where asked. */
export function createService(scope: Construct, options: ServiceOptions): k8s.KubeService {
  return new k8s.KubeService(scope, 'Service', {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      type: options.type ?? 'ClusterIP',
      selector: { ...options.selector },
      ports: [{ name: HTTP_PORT_NAME, port: options.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP', nodePort: options.nodePort }],
    },
  });
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

/** One key of a Secret. */
export interface SecretKeyReference {
  /** The Secret, by name or as an ExternalSecretSource. */
  readonly secret: SecretReference;
  /** The key inside it. */
  readonly key: string;
}

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

/** Options of a KEDA ScaledObject on a Redis list. */
export interface QueueScalerOptions extends ObjectIdentity {
  /** Fewest replicas; 0 scales an idle queue to zero. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** The list and how to reach it. */
  readonly redisList: RedisListTrigger;
}

/**
 * A KEDA ScaledObject on the length of a Redis list (the HPA KEDA makes scales down as slowly as
 * {@link createAutoscaler}'s), and the TriggerAuthentication `<name>-redis` giving KEDA the password.
 */
export function createQueueScaler(scope: Construct, options: QueueScalerOptions): { scaledObject: ScaledObject; triggerAuthentication?: TriggerAuthentication } {
  const redis = options.redisList;
  const authName = `${options.name}-redis`;
  const triggerAuthentication = redis.password
    ? new TriggerAuthentication(scope, 'TriggerAuthentication', {
        metadata: { name: authName, labels: options.labels },
        spec: { secretTargetRef: [{ parameter: 'password', name: secretName(redis.password.secret), key: redis.password.key }] },
      })
    : undefined;
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
      triggers: [
        {
          type: 'redis',
          metadata: {
            address: redis.address,
            listName: redis.listName,
            listLength: String(redis.listLength),
            ...(redis.databaseIndex !== undefined ? { databaseIndex: String(redis.databaseIndex) } : {}),
            ...(redis.tls ? { enableTLS: 'true' } : {}),
          },
          authenticationRef: triggerAuthentication ? { name: authName, kind: ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION } : undefined,
        },
      ],
    },
  });
  return { scaledObject, triggerAuthentication };
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
  readonly autoscaler?: Pick<AutoscalerOptions, 'cpuUtilization' | 'memoryUtilization' | 'scaleDownStabilizationSeconds'>;
  /** A KEDA ScaledObject on a Redis list, within `plan.range`. @default none */
  readonly redisList?: RedisListTrigger;
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
}
