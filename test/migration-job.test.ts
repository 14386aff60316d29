import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AutoscaledBackend } from '../lib/autoscaled-backend';
import { MigrationJob, MigrationJobProps } from '../lib/migration-job';
import { SharedConfig } from '../lib/shared-config';
import { renderEstate } from '../lib/estate';
import { environment, errors, find, ofKind, podSpec, synth, testSystem, warnings } from './helpers';

const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

function migration(props: Partial<MigrationJobProps> = {}, env = environment()) {
  const system = testSystem(env);
  const api = new AutoscaledBackend(system, 'backend', {
    image: 'ghcr.io/example/api:v27.0.1',
    probes: PROBES,
    secrets: ['api-secrets'],
    config: { LOG_LEVEL: 'info' },
  });
  const job = new MigrationJob(system, 'migrate', { app: api, command: ['python3', 'migrate.py'], ...props });
  return { system, api, job };
}

describe('MigrationJob', () => {
  it('runs the application image as deployed, under a name derived from it', () => {
    const { system, job } = migration({}, environment('dev', { images: { backend: 'v28.1.0' } }));
    const objects = synth(system);
    const k8sJob = find(objects, 'Job', 'migrate-v28-1-0');
    expect(job.jobName).toBe('migrate-v28-1-0');
    expect(podSpec(k8sJob).containers[0].image).toBe('ghcr.io/example/api:v28.1.0');
    expect(podSpec(k8sJob).containers[0].command).toEqual(['python3', 'migrate.py']);
  });

  it('derives a new name from every new image, so each release migrates once', () => {
    const name = (pin: string) => {
      const { system } = migration({}, environment('dev', { images: { backend: pin } }));
      return ofKind(synth(system), 'Job')[0].metadata.name;
    };
    expect(name('v1.0.0')).toBe('migrate-v1-0-0');
    expect(name('v1.0.1')).toBe('migrate-v1-0-1');
    expect(name(`sha256:${'0123456789ab'.repeat(5)}abcd`)).toBe('migrate-sha256-0123456789ab');
  });

  it('takes a revision into its name, so a changed migration of the same image runs once more', () => {
    const name = (revision?: number) => ofKind(synth(migration({ revision }).system), 'Job')[0].metadata.name;
    expect(name()).toBe('migrate-v27-0-1');
    expect(name(1)).toBe('migrate-v27-0-1');
    expect(name(2)).toBe('migrate-v27-0-1-r2');
    expect(errors(migration({ revision: 0 }).system).join('\n')).toMatch(/revision/);
  });

  it("migrates once per build of an untagged image: the environment's build names the Job", () => {
    const name = (build: string) => {
      const system = testSystem(environment('dev', { build }));
      const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api', probes: PROBES });
      new MigrationJob(system, 'migrate', { app: api, command: ['python3', 'migrate.py'] });
      const objects = synth(system);
      expect(warnings(system), 'nothing to warn about').toEqual([]);
      return [ofKind(objects, 'Job')[0].metadata.name, podSpec(ofKind(objects, 'Job')[0]).containers[0].image];
    };
    expect(name('sha-3f2c1a9')).toEqual(['migrate-sha-3f2c1a9', 'ghcr.io/example/api:sha-3f2c1a9']);
    expect(name('sha-77e0d41')).toEqual(['migrate-sha-77e0d41', 'ghcr.io/example/api:sha-77e0d41']);
  });

  it('warns that an untagged image keeps one Job name, so later builds are never migrated', () => {
    const system = testSystem(environment('dev'));
    const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api', probes: PROBES });
    new MigrationJob(system, 'migrate', { app: api, command: ['python3', 'migrate.py'] });
    expect(ofKind(synth(system), 'Job')[0].metadata.name).toBe('migrate');
    expect(warnings(system)).toEqual([
      expect.stringMatching(
        /MigrationJob "migrate": app\.image: "ghcr\.io\/example\/api" is untagged, so the Job keeps the name "migrate" for every build.*Fix: pin its app, whose image the Job runs: images: \{ backend: '<tag or digest>' \} in the dev environment \(or images: \{ 'ghcr\.io\/example\/api': … \} for every workload of that image\), or build: '<tag CI pushed>' for every untagged image/,
      ),
    ]);
  });

  it("runs in the application's working directory unless told otherwise", () => {
    const system = testSystem();
    const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v1', probes: PROBES, workingDir: '/app/packages/python' });
    new MigrationJob(system, 'migrate', { app: api, command: ['python3', 'migrate.py'] });
    new MigrationJob(system, 'seed', { app: api, command: ['python3', 'seed.py'], workingDir: '/app/tools' });
    const objects = synth(system);
    expect(podSpec(find(objects, 'Job', 'migrate-v1')).containers[0].workingDir).toBe('/app/packages/python');
    expect(podSpec(find(objects, 'Job', 'seed-v1')).containers[0].workingDir).toBe('/app/tools');
    expect(podSpec(ofKind(synth(migration().system), 'Job')[0]).containers[0], 'none when the app sets none').not.toHaveProperty('workingDir');
  });

  it('never restarts in place, bounds retries and run time, and keeps finished Jobs', () => {
    const k8sJob = ofKind(synth(migration().system), 'Job')[0];
    expect(k8sJob.spec.backoffLimit).toBe(2);
    expect(k8sJob.spec.activeDeadlineSeconds).toBe(900);
    expect(k8sJob.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(podSpec(k8sJob).restartPolicy).toBe('Never');
  });

  it('reads only Secrets: the application secrets by default, never its ConfigMap', () => {
    const container = podSpec(ofKind(synth(migration().system), 'Job')[0]).containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: 'api-secrets' } }]);
    expect(JSON.stringify(container)).not.toContain('configMap');
  });

  it("reads a SharedConfig's values as literal env, before its own env and without the ConfigMap", () => {
    const system = testSystem();
    const db = new SharedConfig(system, 'db-settings', { data: { DB_PORT: '5432', DB_HOST: 'postgres' } });
    const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v1', probes: PROBES, configMaps: [db] });
    new MigrationJob(system, 'migrate', {
      app: api,
      command: ['alembic', 'upgrade', 'head'],
      sharedConfig: [db],
      env: { DB_URL: 'postgres://$(DB_HOST):$(DB_PORT)/app' },
    });
    const pod = podSpec(ofKind(synth(system), 'Job')[0]);
    expect(pod.containers[0].env).toEqual([
      { name: 'DB_HOST', value: 'postgres' },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DB_URL', value: 'postgres://$(DB_HOST):$(DB_PORT)/app' },
    ]);
    expect(JSON.stringify(pod), 'no reference to the ConfigMap').not.toMatch(/configMap|db-settings/);
  });

  it('is hardened like every pod', () => {
    const pod = podSpec(ofKind(synth(migration().system), 'Job')[0]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('is written with its ServiceAccount to the migrations directory, apart from the application', () => {
    const { files } = renderEstate([
      {
        name: 'shop',
        environments: [environment('dev')],
        define: (system) => {
          const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v27.0.1', probes: PROBES });
          new MigrationJob(system, 'migrate', { app: api, command: ['alembic', 'upgrade', 'head'] });
        },
      },
    ]);
    const migrations = files.get('dev/shop/migrations/shop.yaml')!;
    expect([...migrations.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1])).toEqual(['ServiceAccount', 'Job']);
    expect(files.get('dev/shop/apps/shop.yaml')).not.toContain('kind: Job');
    expect(files.get('dev/shop/kustomization.yaml')).toContain('  - infrastructure\n  - migrations\n  - apps\n');
  });

  it('matches its snapshot', () => {
    expect(Yaml.stringify(...ofKind(synth(migration({}, environment('prod')).system), 'Job'))).toMatchSnapshot();
  });

  describe('bad input', () => {
    it('refuses a ConfigMap, with the reason', () => {
      const text = errors(migration({ config: { A: 'b' } } as any).system).join('\n');
      expect(text).toMatch(
        /MigrationJob "migrate": config: a migration runs before the release is applied, so the ConfigMap of the new release may not exist yet/,
      );
      expect(errors(migration({ env: { REGION: { configMap: 'x', key: 'region' } as any } }).system).join('\n')).toMatch(/env.REGION: a migration runs before/);
    });

    // MigrationJobProps.env is `string | SecretKeyEnv`; its schema accepts those and says why it refuses the rest.
    it.each([
      [
        'a ConfigMap key',
        { configMap: 'settings', key: 'region' },
        /MigrationJob "migrate": env\.REGION: a migration runs before the release is applied.*sharedConfig: \[config\]/,
      ],
      [
        'a pod field',
        { field: 'metadata.name' },
        /MigrationJob "migrate": env\.REGION: a migration reads literal values and Secret keys only; a pod field .*Fix: give the value literally, or from a Secret/,
      ],
      ['a number', 42, /MigrationJob "migrate": env\.REGION: is number; give a string, or a Secret key \{ secret: '<secret-name>', key: '<key>' \}/],
      ['a Secret key with a stray field', { secret: 'db', key: 'region', path: '/x' }, /MigrationJob "migrate": env\.REGION: Unrecognized key: "path"/],
    ])('refuses %s as an env value, with the reason', (_kind, value, expected) => {
      const lines = errors(migration({ env: { REGION: value as never } }).system);
      expect(lines.join('\n')).toMatch(expected);
      expect(
        lines.filter((line) => line.includes('env.REGION')),
        'one line for one mistake',
      ).toHaveLength(1);
    });

    it('accepts a literal and a Secret key as env values', () => {
      const { system } = migration({ env: { REGION: 'eu-west-1', DB_PASSWORD: { secret: 'db', key: 'password' } } });
      const env = podSpec(find(synth(system), 'Job', 'migrate-v27-0-1')).containers[0].env;
      expect(env).toEqual(
        expect.arrayContaining([
          { name: 'REGION', value: 'eu-west-1' },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ]),
      );
    });

    it('refuses an unbounded retry count and a missing command', () => {
      expect(errors(migration({ backoffLimit: 50 }).system).join('\n')).toMatch(/backoffLimit: Too big/);
      expect(errors(migration({ command: [] }).system).join('\n')).toMatch(/command: give the migration command/);
    });

    it('refuses a shared key that env also sets, or that two shared configs both set, naming both', () => {
      const build = (props: (db: SharedConfig, cache: SharedConfig) => Partial<MigrationJobProps>) => {
        const system = testSystem();
        const db = new SharedConfig(system, 'db-settings', { data: { DB_HOST: 'postgres', REGION: 'eu' } });
        const cache = new SharedConfig(system, 'cache-settings', { data: { REDIS_HOST: 'redis', REGION: 'us' } });
        const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v1', probes: PROBES });
        new MigrationJob(system, 'migrate', { app: api, command: ['migrate'], ...props(db, cache) });
        return errors(system).join('\n');
      };
      expect(build((db) => ({ sharedConfig: [db], env: { DB_HOST: 'other' } }))).toMatch(
        /MigrationJob "migrate": env\.DB_HOST: DB_HOST is also a key of sharedConfig\[0\] \("db-settings"\).*Fix: remove env\.DB_HOST/,
      );
      expect(build((db, cache) => ({ sharedConfig: [db, cache] }))).toMatch(
        /sharedConfig\[1\]: REGION is a key of both sharedConfig\[0\] \("db-settings"\) and sharedConfig\[1\] \("cache-settings"\)/,
      );
      expect(build(() => ({ sharedConfig: [{ name: 'db-settings', data: {} } as any] }))).toMatch(/sharedConfig\[0\]: must be a SharedConfig/);
    });

    it('refuses an app that is not a shipshape workload', () => {
      expect(errors(migration({ app: { image: 'x' } as any }).system).join('\n')).toMatch(/app: must be the shipshape workload whose schema this migrates/);
    });
  });
});

describe('MigrationJob with every prop', () => {
  it('takes all the props', () => {
    const system = testSystem();
    const shared = new SharedConfig(system, 'db-config', { data: { DB_HOST: 'postgres', DB_NAME: 'app' } });
    const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v27.0.1', probes: PROBES });
    const db = new AutoscaledBackend(system, 'db-proxy', { image: 'ghcr.io/example/proxy:v1', probes: PROBES, port: 5432 });
    const job = new MigrationJob(system, 'migrate', {
      app: api,
      command: ['alembic'],
      args: ['upgrade', 'head'],
      workingDir: '/srv',
      secrets: ['api-secrets'],
      env: { MODE: 'migrate', DB_PASSWORD: { secret: 'db', key: 'password' } },
      sharedConfig: [shared],
      backoffLimit: 1,
      activeDeadlineSeconds: 900,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      initContainers: [{ name: 'wait', command: ['true'] }],
      volumes: [{ name: 'scratch', mountPath: '/scratch', emptyDir: {} }],
      security: { runAsUser: 2000, runAsGroup: 2000 },
      scheduling: { priorityClassName: 'batch' },
      connectsTo: [db],
      revision: 3,
    });
    expect(errors(system)).toEqual([]);
    const objects = synth(system);
    const batch = find(objects, 'Job', job.jobName);
    expect(job.jobName).toBe('migrate-v27-0-1-r3');
    expect(batch.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 900 });
    const pod = podSpec(batch);
    expect(pod).toMatchObject({ restartPolicy: 'Never', priorityClassName: 'batch', securityContext: { runAsUser: 2000 } });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['wait']);
    const main = pod.containers[0];
    expect(main).toMatchObject({ image: 'ghcr.io/example/api:v27.0.1', command: ['alembic'], args: ['upgrade', 'head'], workingDir: '/srv' });
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'DB_HOST', value: 'postgres' },
        { name: 'MODE', value: 'migrate' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ]),
    );
    expect(main.volumeMounts).toContainEqual(expect.objectContaining({ name: 'scratch', mountPath: '/scratch' }));
    expect(find(objects, 'NetworkPolicy', 'allow-db-proxy').spec.ingress.length).toBeGreaterThan(0);
  });
});
