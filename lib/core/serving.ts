import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { HTTP_PORT_NAME } from './workload';

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
  /** Seconds of consistently lower load before removing pods. */
  readonly scaleDownStabilizationSeconds: number;
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
          stabilizationWindowSeconds: options.scaleDownStabilizationSeconds,
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
