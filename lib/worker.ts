import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { ScaledObject } from '../imports/scaledobjects-keda.sh';
import { TriggerAuthentication } from '../imports/triggerauthentications-keda.sh';
import { peers } from './core/network-peers';
import { parseProps } from './core/issues';
import { ResourcesSpec } from './core/resources';
import { httpUrl, servedPort } from './core/serving';
import { CustomMetric, KedaTrigger, SecretKeyReference, customMetricSchema, kedaTriggerSchema, secretKeySchema, toKedaTrigger } from './core/autoscaling';
import { ServedWorkload, Workload } from './core/workload';
import { ServiceSpec, WorkloadProps, portNumber, servedWorkload, serviceSchema, workloadShape } from './core/workload-props';

export type { SecretKeyReference };

/** Where a Redis list lives and how long it may get per replica. */
export interface RedisListScaling {
  /** `host:port` of a Redis server this system does not run, e.g. a managed one. Give this or `server`. @default none (give `address` or `server`) */
  readonly address?: string;
  /**
   * The system's own Redis: a Worker with a port (`redis.served`), or a Redis another chart runs in
   * the namespace (`system.externalService('redis')`). The address is its Service; the worker is
   * allowed to reach it, and so is the KEDA operator, which reads the list from the environment's
   * `kedaOperator` namespace (the namespace's default-deny policy would otherwise hide the backlog
   * from it). Give this or `address`.
   * @default none (give `address` or `server`)
   */
  readonly server?: ServedWorkload;
  /** The list holding the backlog (a Celery queue name such as `celery`). */
  readonly listName: string;
  /** Target backlog per replica: KEDA adds a replica for every `listLength` waiting items. @default 10 */
  readonly listLength?: number;
  /** Redis database index. @default 0 */
  readonly databaseIndex?: number;
  /** Connect with TLS. @default false */
  readonly tls?: boolean;
  /** The Redis password, from a Secret key (read by KEDA through a TriggerAuthentication). @default none: a Redis without a password */
  readonly password?: SecretKeyReference;
}

/** Scaling of a {@link Worker}: on queue depth through KEDA, or on CPU through an HPA. */
export interface WorkerScaling {
  /** Fewest replicas; 0 lets KEDA scale an idle queue to zero. @default 1 */
  readonly minReplicas?: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Scale on the length of a Redis list (a KEDA ScaledObject). @default none */
  readonly redisList?: RedisListScaling;
  /** Scale on average CPU utilization, percent of the request (an HPA). @default none */
  readonly cpuUtilization?: number;
  /** Scale an HPA on per-pod or external metrics (with or without `cpuUtilization`). @default none */
  readonly customMetrics?: readonly CustomMetric[];
  /**
   * KEDA triggers beyond a Redis list, on the same ScaledObject as `redisList` if given: a
   * Prometheus query, a RabbitMQ queue, a Kafka consumer group's lag, a PostgreSQL query, a cron
   * window. Credentials are Secret keys KEDA reads through a TriggerAuthentication `<name>-<type>`.
   * KEDA must reach the server: one in this namespace needs `system.allowTraffic({ from: peers.keda, … })`.
   * @default none
   */
  readonly triggers?: readonly KedaTrigger[];
}

/** Props of a {@link Worker}. */
export interface WorkerProps extends WorkloadProps {
  /** Fixed replicas without scaling (scaled by the environment). @default 1 */
  readonly replicas?: number;
  /**
   * Exactly one instance, for schedulers such as Celery beat: one replica, the `Recreate` strategy
   * (the old pod is gone before the new one starts), no autoscaler. Asking it to scale is an error.
   * @default false
   */
  readonly singleton?: boolean;
  /** Queue-depth or CPU scaling. @default none */
  readonly scaling?: WorkerScaling;
  /**
   * Seconds the longest job may run. The grace period is this plus 15 s, so a scale-down or a
   * rollout lets in-flight jobs finish instead of cancelling them. @default 60
   */
  readonly longestJobSeconds?: number;
  /** Serve this port through a Service (a singleton datastore such as Redis or Meilisearch). @default no Service */
  readonly port?: number;
  /** The Service's type and node port; needs `port`. @default { type: 'ClusterIP' } */
  readonly service?: ServiceSpec;
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const schema = z
  .strictObject({
    ...workloadShape,
    replicas: z.number().int().min(1).max(1000).optional(),
    singleton: z.boolean().default(false),
    scaling: z
      .strictObject({
        minReplicas: z.number().int().min(0).default(1),
        maxReplicas: z.number().int().min(1),
        redisList: z
          .strictObject({
            address: z
              .string()
              .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. "redis.docs-prod.svc.cluster.local:6379"')
              .optional(),
            server: servedWorkload.optional(),
            listName: z.string().min(1),
            listLength: z.number().int().min(1).default(10),
            databaseIndex: z.number().int().min(0).max(15).optional(),
            tls: z.boolean().optional(),
            password: secretKeySchema.optional(),
          })
          .refine((r) => (r.address === undefined) !== (r.server === undefined), {
            path: ['address'],
            message: "give exactly one of address (a Redis outside the system) or server (the system's own Redis workload)",
          })
          .optional(),
        cpuUtilization: z.number().int().min(1).max(100).optional(),
        customMetrics: z.array(customMetricSchema).optional(),
        triggers: z.array(kedaTriggerSchema).optional(),
      })
      .superRefine((s, ctx) => {
        const keda = s.redisList !== undefined || s.triggers !== undefined;
        const hpa = s.cpuUtilization !== undefined || s.customMetrics !== undefined;
        if (keda === hpa) {
          ctx.addIssue({
            code: 'custom',
            path: ['redisList'],
            message: hpa
              ? 'give either KEDA triggers (redisList, triggers) or HPA metrics (cpuUtilization, customMetrics): the two autoscalers would fight over the replica count'
              : 'give what to scale on: KEDA triggers (redisList, triggers) or HPA metrics (cpuUtilization, customMetrics)',
          });
        }
        if (s.minReplicas > s.maxReplicas) ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: 'minReplicas must not exceed maxReplicas' });
        if (hpa && s.minReplicas === 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['minReplicas'],
            message: 'an HPA cannot scale to zero; use 1, or scale on queue depth (redisList) to reach zero',
          });
        }
      })
      .optional(),
    longestJobSeconds: z.number().int().min(1).max(86400).default(60),
    port: portNumber.optional(),
    service: serviceSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.service && p.port === undefined) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'a worker has a Service only with a port. Fix: give port, or remove service' });
    }
    if (p.replicas !== undefined && p.scaling) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message: 'give either replicas or scaling: with an autoscaler, a fixed count would fight it on every apply',
      });
    }
    if (p.singleton && (p.scaling || (p.replicas ?? 1) > 1)) {
      ctx.addIssue({
        code: 'custom',
        path: [p.scaling ? 'scaling' : 'replicas'],
        message:
          'a singleton runs exactly one instance (two Celery beats would send every scheduled task twice). Fix: remove the scaling, or drop singleton for a scalable worker',
      });
    }
  }) satisfies z.ZodType<unknown, WorkerProps>;

/**
 * A queue consumer (Celery, asyncio workers): a hardened Deployment with no Service, a grace period
 * sized to the longest job, scaling on queue depth (KEDA, a Redis list) or CPU (an HPA), a PDB
 * from two replicas, and a `singleton` mode for schedulers.
 *
 * Defaults: 1 replica, no Service, a 75 s grace period (60 s jobs + 15 s), 250m/512Mi requested
 * and 1/1Gi limited.
 */
export class Worker extends Workload {
  /** The served port, when the worker has a Service. */
  public readonly port?: number;
  /** The Deployment. */
  public readonly deployment?: k8s.KubeDeployment;
  /** The Service, when `port` is given. */
  public readonly service?: k8s.KubeService;
  /** The KEDA ScaledObject, when scaling on a Redis list. */
  public readonly scaledObject?: ScaledObject;
  /** The TriggerAuthentication giving KEDA the Redis password. */
  public readonly triggerAuthentication?: TriggerAuthentication;
  /** Every TriggerAuthentication, one per trigger whose Secrets KEDA reads. */
  public readonly triggerAuthentications: readonly TriggerAuthentication[] = [];
  /** The HPA, when scaling on CPU. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget, from two replicas. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, 'Worker');
    const p = parseProps(this, 'Worker', schema, props);
    this.port = servedPort(p, props);
    if (!p) return;

    const env = this.environment;
    if (p.singleton && (env.workloads[this.name]?.replicas ?? 1) > 1) {
      this.report([
        { field: `${env.name}.workloads.${this.name}.replicas`, message: 'a singleton runs exactly one instance', fix: 'remove the replica override' },
      ]);
    }
    const scaled = this.replicaPlan(p.replicas ?? 1, p.scaling);
    // KEDA may scale to zero: an explicit minimum of 0 survives the environment's factor.
    const toZero = p.scaling?.minReplicas === 0 && env.workloads[this.name]?.minReplicas === undefined;
    const plan = p.singleton ? { replicas: 1, fewest: 1, most: 1 } : toZero ? { ...scaled, fewest: 0 } : scaled;

    const template = this.buildPodTemplate(
      { ...p, shutdown: { gracePeriodSeconds: p.longestJobSeconds + 15, ...p.shutdown } },
      {
        component: p.port ? 'datastore' : 'worker',
        port: p.port,
        service: p.service,
        maxReplicas: plan.most,
        controller: 'Deployment',
        defaultGracePeriodSeconds: p.longestJobSeconds + 15,
        // Without a Service there are no endpoints to drain; a served singleton gets the usual pause.
        defaultPreStopSeconds: p.port ? 5 : 0,
        defaultResources: DEFAULT_RESOURCES,
      },
    );
    const redis = p.scaling?.redisList;
    if (redis?.server) this.allowQueueReaders(redis.server);
    for (const ref of kedaSecrets(p.scaling)) if (typeof ref.secret === 'string') this.system.registerExternal('Secret', ref.secret);
    const served = this.serve({
      template,
      plan,
      port: p.port,
      service: p.service,
      singleton: p.singleton,
      autoscaler:
        p.scaling?.cpuUtilization !== undefined || p.scaling?.customMetrics
          ? { cpuUtilization: p.scaling.cpuUtilization, customMetrics: p.scaling.customMetrics }
          : undefined,
      triggers: p.scaling?.triggers,
      redisList: redis ? { ...redis, address: redis.server ? `${redis.server.host}:${redis.server.port}` : redis.address! } : undefined,
      replicasField: p.scaling ? 'scaling.minReplicas' : 'replicas',
    });
    this.deployment = served.deployment;
    this.service = served.service;
    this.podDisruptionBudget = served.podDisruptionBudget;
    this.autoscaler = served.autoscaler;
    this.scaledObject = served.scaledObject;
    this.triggerAuthentication = served.triggerAuthentication;
    this.triggerAuthentications = served.triggerAuthentications ?? [];
  }

  /**
   * The worker consumes the list and the KEDA operator measures it: both reach the Redis. The
   * operator runs outside the system, so it is admitted by a policy of its own, `allow-keda-<redis>`
   * (one for every worker scaling on that Redis).
   */
  private allowQueueReaders(server: ServedWorkload): void {
    const to = { kind: 'workload', name: server.name } as const;
    this.system.allowTraffic({ from: peers.workload(this.name), to, port: server.port });
    this.system.allowTraffic({ from: peers.keda, to, port: server.port });
  }

  /** The in-cluster URL when the worker serves a port (`http://<host>:<port>`). */
  public get url(): string | undefined {
    return this.port ? httpUrl(this.host, this.port) : undefined;
  }

  /**
   * This worker as a served workload, for another workload's `backends` or `connectsTo`. Asking it
   * of a worker without a port is an error reported at synth.
   */
  public get served(): ServedWorkload {
    if (!this.port)
      this.report([{ field: 'port', message: 'another workload connects to this worker, but it serves no port', fix: 'give it a port (and so a Service)' }]);
    return { name: this.name, port: this.port ?? 0, host: this.host, url: this.url ?? '', system: this.system };
  }
}

/** Every Secret key KEDA reads for a worker's scaling. */
function kedaSecrets(scaling: WorkerScaling | undefined): SecretKeyReference[] {
  const password = scaling?.redisList?.password;
  return [...(password ? [password] : []), ...(scaling?.triggers ?? []).flatMap((t) => Object.values(toKedaTrigger(t).secrets))];
}
