import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { Issue, parseProps } from './core/issues';
import { resolveReplicaRange } from './environment';
import { formatMemory, memoryQuantity, parseQuantity } from './core/quantity';
import { ResourcesSpec } from './core/resources';
import { httpUrl, servedPort } from './core/serving';
import { ServedWorkload, Workload } from './core/workload';
import { ServiceSpec, WorkloadProps, portNumber, serviceSchema, workloadShape } from './core/workload-props';
import { describeProbe } from './core/probes';
import { CustomMetric, customMetricSchema } from './core/autoscaling';

/** Autoscaling of an {@link AutoscaledBackend}. */
export interface BackendAutoscaling {
  /** Fewest replicas (scaled by the environment). @default 2 */
  readonly minReplicas?: number;
  /** Most replicas (scaled by the environment). @default 5 */
  readonly maxReplicas?: number;
  /** Target average CPU utilization, percent of the request. @default 80 */
  readonly cpuUtilization?: number;
  /** Target average memory utilization, percent of the request; `false` scales on CPU only. @default 80 */
  readonly memoryUtilization?: number | false;
  /**
   * Memory one idle pod uses (`190Mi`). Memory does not fall when pods are added, so the HPA can only
   * step down from n+1 to n pods while baseline/request ≤ target × n/(n+1); given the baseline, a
   * configuration that could never return to its minimum is refused.
   * @default none: the scale-down bound is not checked
   */
  readonly baselineMemory?: string;
  /** Seconds of lower load before removing a pod. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /**
   * Per-pod metrics of the custom metrics API and external metrics, beside CPU and memory; the
   * cluster needs an adapter serving them (Prometheus Adapter, KEDA).
   * @default none
   */
  readonly customMetrics?: readonly CustomMetric[];
}

/** Props of an {@link AutoscaledBackend}. */
export interface AutoscaledBackendProps extends WorkloadProps {
  /** The port the API listens on. @default 8000 */
  readonly port?: number;
  /**
   * Server processes per pod, passed as `WEB_CONCURRENCY` (read by gunicorn and uvicorn). One per pod
   * lets the HPA and the probes see each process. @default 1
   */
  readonly processes?: number;
  /** HPA bounds and targets. @default { minReplicas: 2, maxReplicas: 5, cpu 80 %, memory 80 % } */
  readonly autoscaling?: BackendAutoscaling;
  /** The Service's type and node port. @default { type: 'ClusterIP' } */
  readonly service?: ServiceSpec;
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const percent = z.number().int().min(1).max(100);
const schema = z
  .strictObject({
    ...workloadShape,
    port: portNumber.default(8000),
    processes: z.number().int().min(1).max(64).default(1),
    autoscaling: z
      .strictObject({
        minReplicas: z.number().int().min(1).default(2),
        maxReplicas: z.number().int().min(1).default(5),
        cpuUtilization: percent.default(80),
        memoryUtilization: z.union([percent, z.literal(false)]).default(80),
        baselineMemory: memoryQuantity.optional(),
        scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
        customMetrics: z.array(customMetricSchema).optional(),
      })
      .refine((a) => a.minReplicas <= a.maxReplicas, { message: 'minReplicas must not exceed maxReplicas', path: ['minReplicas'] })
      .default({ minReplicas: 2, maxReplicas: 5, cpuUtilization: 80, memoryUtilization: 80, scaleDownStabilizationSeconds: 300 }),
    service: serviceSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.probes?.liveness || !p.probes?.readiness) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes'],
        message:
          'an API needs both a liveness and a readiness probe. Fix: e.g. probes: { liveness: { http: "/healthz/live" }, readiness: { http: "/healthz/ready" } }',
      });
    } else if (describeProbe(p.probes.liveness) === describeProbe(p.probes.readiness)) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes', 'liveness'],
        message: `liveness and readiness are the same check (${describeProbe(p.probes.liveness)}): a pod that is unready because a dependency is down would be restarted in a loop. Fix: point liveness at an endpoint that only checks the process`,
      });
    }
  }) satisfies z.ZodType<unknown, AutoscaledBackendProps>;

/**
 * An API (FastAPI under gunicorn or uvicorn): a Deployment whose replica count the HPA owns, a
 * Service, an `autoscaling/v2` HPA on CPU and memory that scales down slowly, a PDB, and separate
 * liveness and readiness probes. One server process per pod by default.
 *
 * Defaults: port 8000, 2–5 replicas at 80 % CPU and memory, 250m/512Mi requested and 1/1Gi limited,
 * a 5 s preStop pause in a 30 s grace period.
 */
export class AutoscaledBackend extends Workload implements ServedWorkload {
  /** The Service port. */
  public readonly port: number;
  /** The Deployment (no `spec.replicas`: the HPA owns it). */
  public readonly deployment?: k8s.KubeDeployment;
  /** The Service. */
  public readonly service?: k8s.KubeService;
  /** The HPA. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget (when the minimum is two or more). */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: AutoscaledBackendProps) {
    super(scope, id, 'AutoscaledBackend');
    const p = parseProps(this, 'AutoscaledBackend', schema, props);
    this.port = servedPort(p, props, 8000);
    if (!p) return;

    const scaling = p.autoscaling;
    const range = resolveReplicaRange(this.environment, this.name, scaling.minReplicas, scaling.maxReplicas);
    const resources = this.resolveResources(p.resources ?? DEFAULT_RESOURCES);
    const memoryTarget = scaling.memoryUtilization === false ? undefined : scaling.memoryUtilization;
    if (memoryTarget !== undefined && scaling.baselineMemory) {
      this.report(scaleDownDeadlock(scaling.baselineMemory, resources.requests.memory, memoryTarget, range.min));
    }

    const template = this.buildPodTemplate(
      { ...p, env: { WEB_CONCURRENCY: String(p.processes), ...p.env } },
      {
        component: 'backend',
        port: this.port,
        service: p.service,
        maxReplicas: range.max,
        controller: 'Deployment',
        defaultGracePeriodSeconds: 30,
        defaultPreStopSeconds: 5,
        defaultResources: DEFAULT_RESOURCES,
      },
    );
    const served = this.serve({
      template,
      plan: { range, fewest: range.min, most: range.max },
      port: this.port,
      service: p.service,
      autoscaler: {
        cpuUtilization: scaling.cpuUtilization,
        memoryUtilization: memoryTarget,
        scaleDownStabilizationSeconds: scaling.scaleDownStabilizationSeconds,
        customMetrics: scaling.customMetrics,
      },
      replicasField: 'autoscaling.minReplicas',
    });
    this.deployment = served.deployment;
    this.service = served.service;
    this.autoscaler = served.autoscaler;
    this.podDisruptionBudget = served.podDisruptionBudget;
  }

  /** `http://<name>.<namespace>.svc.cluster.local:<port>`. */
  public get url(): string {
    return httpUrl(this.host, this.port);
  }
}

/**
 * The HPA computes desired = ceil(current × utilization / target). Memory per pod stays at the
 * baseline however many pods run, so from n+1 pods it reaches n only if
 * baseline/request ≤ target × n/(n+1). The hardest step is the last one, into the minimum.
 */
export function scaleDownDeadlock(baseline: string, request: string, targetPercent: number, minReplicas: number): Issue[] {
  const utilization = parseQuantity(baseline) / parseQuantity(request);
  const allowed = (targetPercent / 100) * (minReplicas / (minReplicas + 1));
  if (utilization <= allowed) return [];
  const needed = formatMemory(parseQuantity(baseline) / allowed);
  return [
    {
      field: 'resources.requests.memory',
      message:
        `a baseline of ${baseline} per pod is ${Math.round(utilization * 100)} % of the ${request} request; the memory target of ${targetPercent} % ` +
        `lets the HPA step from ${minReplicas + 1} to ${minReplicas} pods only below ${Math.round(allowed * 100)} %, so it could never scale down to its minimum`,
      fix: `request at least ${needed} of memory (or lower the baseline, raise the memory target, or scale on CPU only with memoryUtilization: false)`,
    },
  ];
}
