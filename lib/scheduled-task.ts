import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { cronProblem, isTimeZone } from './core/cron';
import { parseProps } from './core/issues';
import { ResourcesSpec } from './core/resources';
import { Workload } from './core/workload';
import { WorkloadProps, workloadShape } from './core/workload-props';

/** What a run does when the previous one is still going. */
export type ConcurrencyPolicy = 'Forbid' | 'Replace' | 'Allow';

/** Props of a {@link ScheduledTask}: a workload's props, without the ones only a running server has. */
export interface ScheduledTaskProps extends Omit<WorkloadProps, 'probes' | 'sidecars' | 'metrics'> {
  /**
   * When to run, in cron syntax: five fields (`minute hour day-of-month month day-of-week`, e.g.
   * `'30 2 * * *'` for 02:30 every day) or a macro (`@daily`, `@hourly`, …). Checked at synth.
   */
  readonly schedule: string;
  /** The IANA time zone the schedule is read in, e.g. `Europe/Stockholm`. @default 'Etc/UTC' (not the controller's local time, which differs between clusters) */
  readonly timeZone?: string;
  /**
   * A run that comes due while the previous one still runs: `Forbid` skips it, `Replace` stops the
   * old one, `Allow` runs both (two backups writing one file, two cleanups racing).
   * @default 'Forbid'
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /** Start no runs (the environment's `workloads.<name>.suspend` overrides it). @default false */
  readonly suspend?: boolean;
  /** Finished Jobs kept, for their logs. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept, for their logs. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /**
   * How late a run may still start (after a controller restart, or while the previous run holds
   * `Forbid`); older missed runs are skipped instead of piling up. cdk8s-plus's 10 s would skip a
   * run for any hiccup. @default 600
   */
  readonly startingDeadlineSeconds?: number;
  /** Seconds before a running attempt is stopped and the run fails. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** Retries of a failed run (each a new pod with `Never`, a restart in place with `OnFailure`). @default 2 */
  readonly backoffLimit?: number;
  /** `Never`: a failed attempt is a new pod (its logs stay); `OnFailure`: restarted in place. @default 'Never' */
  readonly restartPolicy?: 'Never' | 'OnFailure';
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

// A CronJob's Jobs are named `<name>-<minutes since the epoch>`: 11 characters more, within 63.
const MAX_NAME = 52;

const NOT_FOR_RUNS = {
  probes: 'a run serves nothing, so readiness means nothing. Fix: remove probes; a hung run is stopped by activeDeadlineSeconds',
  sidecars: "a sidecar keeps running after the task's container exits, so the Job never completes. Fix: remove it, or run the step as an initContainer",
  metrics: 'a run lives too briefly to be scraped. Fix: remove metrics; push them to a Prometheus Pushgateway from the task instead',
} as const;

const { probes: _probes, sidecars: _sidecars, metrics: _metrics, ...runShape } = workloadShape;

const schema = z
  .strictObject({
    ...runShape,
    schedule: z.string().superRefine((schedule, ctx) => {
      const problem = cronProblem(schedule);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}. Fix: write e.g. "30 2 * * *" (02:30 daily) or "@daily"` });
    }),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Stockholm" or "Etc/UTC"').default('Etc/UTC'),
    concurrencyPolicy: z.enum(['Forbid', 'Replace', 'Allow']).default('Forbid'),
    suspend: z.boolean().default(false),
    successfulJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
    failedJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
    startingDeadlineSeconds: z.number().int().min(10, 'below 10 s the CronJob controller may miss every run').max(86400).default(600),
    activeDeadlineSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86400)
      .default(3600),
    backoffLimit: z.number().int().min(0).max(10).default(2),
    restartPolicy: z.enum(['Never', 'OnFailure']).default('Never'),
    probes: z.unknown().optional(),
    sidecars: z.unknown().optional(),
    metrics: z.unknown().optional(),
  })
  .superRefine((p, ctx) => {
    for (const key of ['probes', 'sidecars', 'metrics'] as const) {
      if (p[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: NOT_FOR_RUNS[key] });
    }
  }) satisfies z.ZodType<unknown, ScheduledTaskProps>;

/**
 * A task run on a schedule (backups, cleanups, reports): a `batch/v1` CronJob whose pods are
 * hardened like every workload's, with the same env, Secrets, config, volumes and wiring
 * (`backends`, `connectsTo`). One run at a time (`concurrencyPolicy: Forbid`), read in UTC
 * unless a `timeZone` is given, a missed run may start up to 10 minutes late, each run is retried
 * twice as new pods (`restartPolicy: Never`) and stopped after an hour; three finished and three
 * failed Jobs are kept for their logs. An environment suspends it with `workloads: { <name>: {
 * suspend: true } }` and pins its image like any workload's.
 *
 * Defaults: 100m/256Mi requested and 1/1Gi limited, a 30 s grace period, no preStop pause.
 */
export class ScheduledTask extends Workload {
  /** The CronJob (absent when the props are invalid). */
  public readonly cronJob?: k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id, 'ScheduledTask');
    if (id.length > MAX_NAME) {
      this.report([
        {
          field: '(id)',
          message: `"${id}" is ${id.length} characters; the CronJob's Jobs add 11 to it, and a name has at most 63`,
          fix: `use an id of at most ${MAX_NAME} characters`,
        },
      ]);
    }
    const p = parseProps(this, 'ScheduledTask', schema, props);
    if (!p) return;
    const {
      schedule,
      timeZone,
      concurrencyPolicy,
      successfulJobsHistoryLimit,
      failedJobsHistoryLimit,
      startingDeadlineSeconds,
      activeDeadlineSeconds,
      backoffLimit,
      restartPolicy,
    } = p;
    const template = this.buildPodTemplate(
      { ...p, probes: undefined, sidecars: undefined, metrics: undefined },
      {
        component: 'scheduled-task',
        // Replace and Allow may run a second pod beside the first (a terminating one, or a concurrent run).
        maxReplicas: concurrencyPolicy === 'Forbid' ? 1 : 2,
        controller: 'CronJob',
        restartPolicy,
        defaultGracePeriodSeconds: 30,
        defaultPreStopSeconds: 0,
        defaultResources: DEFAULT_RESOURCES,
      },
    );
    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        schedule: schedule.trim(),
        timeZone,
        concurrencyPolicy,
        suspend: this.environment.workloads[this.name]?.suspend ?? p.suspend,
        startingDeadlineSeconds,
        successfulJobsHistoryLimit,
        failedJobsHistoryLimit,
        jobTemplate: { metadata: { labels: this.labels }, spec: { backoffLimit, activeDeadlineSeconds, template } },
      },
    });
  }
}
