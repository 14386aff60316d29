import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { parseProps } from './core/issues';
import { httpUrl, servedPort } from './core/serving';
import { ServedWorkload, Workload } from './core/workload';
import { ServiceSpec, WorkloadProps, portNumber, serviceSchema, workloadShape } from './core/workload-props';
import { ResourcesSpec } from './core/resources';
import { CustomMetric, customMetricSchema } from './core/autoscaling';

/** CPU/memory autoscaling of a {@link WebApp}. */
export interface WebAppAutoscaling {
  /** Fewest replicas (scaled by the environment). */
  readonly minReplicas: number;
  /** Most replicas (scaled by the environment). */
  readonly maxReplicas: number;
  /** Target average CPU utilization in percent of the request. @default 80 */
  readonly cpuUtilization?: number;
  /** Target average memory utilization in percent of the request. @default none */
  readonly memoryUtilization?: number;
  /**
   * Per-pod metrics of the custom metrics API (`{ pods: { metric: 'http_requests_per_second', averageValue: '50' } }`)
   * and external metrics, beside CPU; the cluster needs an adapter serving them (Prometheus Adapter, KEDA).
   * @default none
   */
  readonly customMetrics?: readonly CustomMetric[];
}

/** Props of a {@link WebApp}. */
export interface WebAppProps extends WorkloadProps {
  /** The port the server listens on. @default 3000 */
  readonly port?: number;
  /** Replicas without autoscaling (scaled by the environment). @default 2 */
  readonly replicas?: number;
  /** Scale on CPU (and memory) instead of a fixed count. @default none */
  readonly autoscaling?: WebAppAutoscaling;
  /** The Service's type and node port. @default { type: 'ClusterIP' } */
  readonly service?: ServiceSpec;
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

const schema = z
  .strictObject({
    ...workloadShape,
    port: portNumber.default(3000),
    replicas: z.number().int().min(1).max(1000).optional(),
    autoscaling: z
      .strictObject({
        minReplicas: z.number().int().min(1),
        maxReplicas: z.number().int().min(1),
        cpuUtilization: z.number().int().min(1).max(100).default(80),
        memoryUtilization: z.number().int().min(1).max(100).optional(),
        customMetrics: z.array(customMetricSchema).optional(),
      })
      .refine((a) => a.minReplicas <= a.maxReplicas, { message: 'minReplicas must not exceed maxReplicas', path: ['minReplicas'] })
      .optional(),
    service: serviceSchema.optional(),
  })
  .refine((p) => !(p.replicas !== undefined && p.autoscaling), {
    message: 'give either replicas or autoscaling: with an autoscaler, a fixed count would fight it on every apply',
    path: ['replicas'],
  }) satisfies z.ZodType<unknown, WebAppProps>;

/**
 * A stateless server-rendered front end (Next.js, SvelteKit): a hardened Deployment, a Service,
 * a PodDisruptionBudget from two replicas, an optional HPA, and server-side env pointing at its
 * back ends.
 *
 * Defaults: port 3000, 2 replicas, readiness `GET /`, liveness a TCP check of the port,
 * 100m/256Mi requested and 500m/512Mi limited, a 5 s preStop pause in a 30 s grace period.
 */
export class WebApp extends Workload implements ServedWorkload {
  /** The Service port. */
  public readonly port: number;
  /** The Deployment (absent when the props are invalid). */
  public readonly deployment?: k8s.KubeDeployment;
  /** The Service. */
  public readonly service?: k8s.KubeService;
  /** The PodDisruptionBudget, from two replicas. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The HPA, when autoscaling. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id, 'WebApp');
    const p = parseProps(this, 'WebApp', schema, props);
    this.port = servedPort(p, props, 3000);
    if (!p) return;

    const plan = this.replicaPlan(p.replicas ?? 2, p.autoscaling);
    const template = this.buildPodTemplate(
      { ...p, probes: p.probes ?? { readiness: { http: '/' }, liveness: { tcp: 'http' } } },
      {
        component: 'frontend',
        port: this.port,
        service: p.service,
        maxReplicas: plan.most,
        controller: 'Deployment',
        defaultGracePeriodSeconds: 30,
        defaultPreStopSeconds: 5,
        defaultResources: DEFAULT_RESOURCES,
      },
    );
    const served = this.serve({
      template,
      plan,
      port: this.port,
      service: p.service,
      autoscaler: p.autoscaling,
      replicasField: plan.range ? 'autoscaling.minReplicas' : 'replicas',
    });
    this.deployment = served.deployment;
    this.service = served.service;
    this.podDisruptionBudget = served.podDisruptionBudget;
    this.autoscaler = served.autoscaler;
  }

  /** `http://<name>.<namespace>.svc.cluster.local:<port>`. */
  public get url(): string {
    return httpUrl(this.host, this.port);
  }
}
