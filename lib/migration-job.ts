import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { SharedConfig } from './shared-config';
import { SecretKeyEnv, SecretReference, envMapSchema, secretKeyEnvSchema, secretRefSchema } from './core/env';
import { parseProps, reportWarning } from './core/issues';
import { ResourcesSpec } from './core/resources';
import { Workload, parseImage } from './core/workload';
import { ContainerSpec, SchedulingSpec, SecuritySpec, ServedWorkload, VolumeSpec, workloadShape } from './core/workload-props';
import { SystemChart } from './system-chart';

/** Props of a {@link MigrationJob}. */
export interface MigrationJobProps {
  /** The application whose schema this migrates: the Job runs its image, as deployed in the environment. */
  readonly app: Workload;
  /** The migration command, e.g. `['alembic', 'upgrade', 'head']`. */
  readonly command: readonly string[];
  /** Arguments. @default the image's `CMD` */
  readonly args?: readonly string[];
  /** Absolute directory the command starts in. @default the application's `workingDir` (else the image's `WORKDIR`) */
  readonly workingDir?: string;
  /** Secrets loaded whole as env. @default the application's secrets */
  readonly secrets?: readonly SecretReference[];
  /** Further variables: by value or from a Secret key only. @default none */
  readonly env?: Readonly<Record<string, string | SecretKeyEnv>>;
  /**
   * SharedConfigs whose values the migration reads (the database settings its application shares
   * with other workloads). Each key becomes a literal `env` entry of the Job's container, in key
   * order and before `env` (so `env` can refer to them with `$(KEY)`): the values are rendered into
   * the Job itself, so it never depends on the release's ConfigMap existing yet. A key also given in
   * `env`, or in two of these configs, is refused. A changed value changes the Job's template, which
   * is immutable: synth then asks for a new `revision`, and the migration runs once more.
   * @default none
   */
  readonly sharedConfig?: readonly SharedConfig[];
  /** Retries before the Job fails (each is a new pod). @default 2 */
  readonly backoffLimit?: number;
  /** Seconds before a running migration is stopped and the Job fails. @default 900 */
  readonly activeDeadlineSeconds?: number;
  /** @default 100m/256Mi requested, 1/1Gi limited */
  readonly resources?: ResourcesSpec;
  /** Containers run first, e.g. one that waits for the database. @default none */
  readonly initContainers?: readonly ContainerSpec[];
  /** Volumes (`/tmp` is always there). @default none (a writable `/tmp` is always mounted) */
  readonly volumes?: readonly VolumeSpec[];
  /** Departures from the hardened security context. @default the hardened `restricted` context, no exceptions */
  readonly security?: SecuritySpec;
  /** Node selection, tolerations, affinity, priority. @default none: any node */
  readonly scheduling?: SchedulingSpec;
  /**
   * Served workloads and external services the migration connects to (the database it migrates):
   * allowed in the network policies, like a workload's `connectsTo`. @default none
   */
  readonly connectsTo?: readonly ServedWorkload[];
  /**
   * Bump when the migration itself changes (its command, directory, env) while the image does not:
   * the Job gets a new name (`migrate-v27-0-1-r2`) and runs once more. A Job's pod template is
   * immutable, so a changed template under the old name is refused by a plain apply (and re-created,
   * so re-run, by Flux's `force`); synth refuses that and asks for this instead. @default 1
   */
  readonly revision?: number;
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const CONFIG_REFUSED =
  'a migration runs before the release is applied, so the ConfigMap of the new release may not exist yet (or still holds the old values). Fix: give the migration only what it needs from a Secret (secrets or env: { X: { secret, key } }), or the values of a SharedConfig as literal env (sharedConfig: [config])';

const FIELD_ENV_REFUSED =
  'a migration reads literal values and Secret keys only; a pod field (downward API) is not among them. Fix: give the value literally, or from a Secret (env: { X: { secret, key } })';

/**
 * A value of a migration's env, as {@link MigrationJobProps.env} types it: a string or a Secret
 * key. A ConfigMap key or a pod field is refused with the reason, not zod's "invalid input".
 */
const migrationEnvValue = z.union([z.string(), secretKeyEnvSchema], {
  error: (issue) => {
    const input = issue.input;
    if (typeof input === 'object' && input !== null && 'configMap' in input) return CONFIG_REFUSED;
    if (typeof input === 'object' && input !== null && 'field' in input) return FIELD_ENV_REFUSED;
    // A Secret key with a wrong part gets zod's message for that part.
    if (typeof input === 'object' && input !== null && 'secret' in input) return undefined;
    return `is ${input === null ? 'null' : typeof input}; give a string, or a Secret key { secret: '<secret-name>', key: '<key>' }`;
  },
});

const schema = z
  .strictObject({
    app: z.custom<Workload>((v) => v instanceof Workload, 'must be the shipshape workload whose schema this migrates'),
    command: z.array(z.string()).min(1, 'give the migration command, e.g. ["alembic", "upgrade", "head"]'),
    args: workloadShape.args,
    workingDir: workloadShape.workingDir,
    secrets: z.array(secretRefSchema).optional(),
    env: envMapSchema(migrationEnvValue).optional(),
    sharedConfig: z
      .array(
        z.custom<SharedConfig>(
          (v) => v instanceof SharedConfig,
          'must be a SharedConfig (new SharedConfig(system, id, { data })); its values become literal env of the Job',
        ),
      )
      .optional(),
    backoffLimit: z.number().int().min(0).max(10).default(2),
    activeDeadlineSeconds: z.number().int().min(30).max(86400).default(900),
    resources: workloadShape.resources,
    initContainers: workloadShape.initContainers,
    volumes: workloadShape.volumes,
    security: workloadShape.security,
    scheduling: workloadShape.scheduling,
    connectsTo: workloadShape.connectsTo,
    revision: z.number().int().min(1).max(999).default(1),
    config: z.unknown().optional(),
    configMaps: z.unknown().optional(),
    files: z.unknown().optional(),
  })
  .superRefine((p, ctx) => {
    for (const key of ['config', 'configMaps', 'files'] as const) {
      if (p[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: CONFIG_REFUSED });
    }
    for (const volume of p.volumes ?? []) {
      if ('configMap' in volume) ctx.addIssue({ code: 'custom', path: ['volumes'], message: CONFIG_REFUSED });
    }
    const owner = new Map<string, string>();
    (p.sharedConfig ?? []).forEach((config, index) => {
      const here = `sharedConfig[${index}] ("${config.name}")`;
      for (const key of Object.keys(config.data)) {
        const first = owner.get(key);
        if (first) {
          ctx.addIssue({
            code: 'custom',
            path: ['sharedConfig', index],
            message: `${key} is a key of both ${first} and ${here}; a variable has one value. Fix: keep the key in one of them, or drop one config from sharedConfig`,
          });
        } else owner.set(key, here);
        if (p.env && key in p.env) {
          ctx.addIssue({
            code: 'custom',
            path: ['env', key],
            message: `${key} is also a key of ${here}, whose values become the Job's env; a variable has one value. Fix: remove env.${key}, or change the value in the SharedConfig`,
          });
        }
      }
    });
  }) satisfies z.ZodType<unknown, MigrationJobProps>;

/**
 * A schema migration that finishes before the new release serves. It runs the application's own
 * image with env from Secrets and literal values only (a SharedConfig's values are copied in, never
 * read from its ConfigMap), `restartPolicy: Never`, a bounded `backoffLimit` and
 * `activeDeadlineSeconds`, and a name derived from the image (`migrate-v27-0-1`), so each release
 * runs it once. It is written to `dist/<env>/<system>/migrations/`, which delivery applies, and
 * waits for, before the system's applications. There is no `ttlSecondsAfterFinished`: a GitOps
 * reconciler would re-create the deleted Job and run the migration again.
 */
export class MigrationJob extends Workload {
  /** The Job (absent when the props are invalid). */
  public readonly job?: k8s.KubeJob;
  /** The Job's name: the construct id and the image's version. */
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(SystemChart.of(scope).migrations, id, 'MigrationJob');
    this.jobName = id;
    const p = parseProps(this, 'MigrationJob', schema, props);
    if (!p) return;
    const image = p.app.imageReference;
    if (!image) return; // the application's own errors are reported on it

    const { app, backoffLimit, activeDeadlineSeconds, sharedConfig, config: _config, configMaps: _configMaps, files: _files, ...pod } = p;
    // Shared values are written into the Job as literals, before its own env so $(KEY) can use them.
    const shared: Record<string, string> = {};
    for (const config of sharedConfig ?? []) Object.assign(shared, config.data);
    const template = this.buildPodTemplate(
      {
        ...pod,
        env: sharedConfig?.length ? { ...shared, ...pod.env } : pod.env,
        image,
        // The same image as the application, so the same directory: its scripts sit beside the app's.
        workingDir: p.workingDir ?? app.workingDir,
        secrets: p.secrets ?? app.secretReferences,
      },
      {
        component: 'migration',
        maxReplicas: 1,
        controller: 'Job',
        defaultGracePeriodSeconds: 30,
        defaultPreStopSeconds: 0,
        defaultResources: DEFAULT_RESOURCES,
        configMapEnv: false,
      },
    );
    const version = this.identity?.version;
    this.jobName = jobName(id, version, p.revision);
    const parsed = parseImage(image);
    if (!parsed.digest && (!parsed.tag || parsed.tag === 'latest')) {
      const env = this.environment;
      reportWarning(this, 'MigrationJob', 'migration-image-untagged', {
        field: 'app.image',
        message: `"${image}" is ${parsed.tag ? 'the mutable tag "latest"' : 'untagged'}, so the Job keeps the name "${this.jobName}" for every build: the finished Job stays, and no later build is migrated`,
        fix: `pin its app, whose image the Job runs: images: { ${app.name}: '<tag or digest>' } in the ${env.name} environment (or images: { '${parsed.repository}': … } for every workload of that image), or build: '<tag CI pushed>' for every untagged image`,
      });
    }
    const hooks = deliveryHooks(this.environment.delivery.flavour);
    for (const [key, value] of Object.entries(hooks.serviceAccount)) this.serviceAccount?.metadata.addAnnotation(key, value);
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { name: this.jobName, labels: this.labels, annotations: Object.keys(hooks.job).length ? hooks.job : undefined },
      spec: {
        backoffLimit,
        activeDeadlineSeconds,
        template,
      },
    });
  }
}

/**
 * Annotations that order the migration before the release for the environment's delivery. Flux
 * needs none (the migrations directory has its own Kustomization that the applications wait for).
 * Helm and Argo CD run hooks before any regular object, so the Job's ServiceAccount is a hook too,
 * with a lower weight. Finished Jobs are kept until the next release replaces them, so their logs
 * stay readable and nothing re-runs them.
 */
function deliveryHooks(flavour: 'flux' | 'helm' | 'argocd'): { job: Record<string, string>; serviceAccount: Record<string, string> } {
  if (flavour === 'helm') {
    const hook = { 'helm.sh/hook': 'pre-install,pre-upgrade,pre-rollback', 'helm.sh/hook-delete-policy': 'before-hook-creation' };
    return { job: { ...hook, 'helm.sh/hook-weight': '-5' }, serviceAccount: { ...hook, 'helm.sh/hook-weight': '-10' } };
  }
  if (flavour === 'argocd') {
    const hook = { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' };
    return { job: { ...hook, 'argocd.argoproj.io/sync-wave': '0' }, serviceAccount: { ...hook, 'argocd.argoproj.io/sync-wave': '-1' } };
  }
  return { job: {}, serviceAccount: {} };
}

/**
 * `<id>-<version>[-r<revision>]` as a DNS label of at most 63 characters (`migrate-v27-0-1`,
 * `migrate-v27-0-1-r2`); the revision suffix survives truncation.
 */
function jobName(id: string, version: string | undefined, revision: number): string {
  const suffix = revision > 1 ? `-r${revision}` : '';
  const slug = (version ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const base = slug ? `${id}-${slug}` : id;
  return `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}
