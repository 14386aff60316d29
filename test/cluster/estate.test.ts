import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ControlPlane, KWOK_FAIL_LABEL, kubernetesVersions, moduleSource, pinnedVersion, readObjects } from './control-plane';
import { environments, requiredNodeLabels } from '../../tools/dist-objects';
import { ROOT, describeObject, environmentObjects, objectsAtCommit, upgradeBase } from './estate-objects';
import { EstateRepository, TrackedKustomization, applyFluxEntryPoint, isReady, notReadyReason, requestReconcile, trackReadiness } from './flux-scenario';
import type { KubeObject } from './kube';
import { applyAll, provisionVolumes, reapplyChanges, waitForRollout } from './rollout';
import { SUMMARY_FILE, Summary } from './summary';

const SHARED = process.env.SHIPSHAPE_SHARED_DIR ?? join(ROOT, '..', 'shared');
const CRD_DIR = join(SHARED, 'crds');
const versions = kubernetesVersions();
/** The oldest release judges strict apply, PodSecurity and rollouts; the newest runs Flux (2.9 needs ≥ 1.33). */
const applyVersion = versions[0];
const fluxVersion = versions[versions.length - 1];
const envs = environments(join(ROOT, 'dist'));
const summary: Summary = {
  applied: 0,
  rejected: 0,
  podSecurityWarnings: 0,
  deployments: 0,
  deploymentsAvailable: 0,
  statefulSets: 0,
  statefulSetsReady: 0,
  jobs: 0,
  jobsComplete: 0,
  cronJobs: 0,
  cronJobRunsComplete: 0,
  flux: 'not run',
};

/** Every CRD the output may use (../shared/crds) and the rest of source-controller's, which it watches at start. */
function crds(): KubeObject[] {
  const objects = readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => readObjects(join(CRD_DIR, f)));
  const have = new Set(objects.map((o) => o.metadata.name));
  const source = join(
    moduleSource('github.com/fluxcd/source-controller', pinnedVersion('tools', 'github.com/fluxcd/source-controller')),
    'config',
    'crd',
    'bases',
  );
  for (const file of readdirSync(source).sort()) {
    for (const crd of readObjects(join(source, file))) if (!have.has(crd.metadata.name)) objects.push(crd);
  }
  return objects;
}

/** A control plane with every CRD and the flux-system namespace; stopped again if any step fails. */
async function startPlane(version: string): Promise<ControlPlane> {
  const plane = new ControlPlane(version);
  try {
    await plane.start();
    const { installed, refused } = await plane.installCrds(crds());
    if (installed.length === 0) throw new Error(`Kubernetes ${version} accepted none of the CRDs:\n${refused.join('\n')}`);
    if (refused.length) console.log(`Kubernetes ${version} refuses these CRDs (their kinds cannot be applied there):\n  ${refused.join('\n  ')}`);
    const ns = await plane.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } });
    if (ns.status >= 300) throw new Error(`creating flux-system: ${ns.body?.message}`);
    await plane.labelNodes(requiredNodeLabels(envs.flatMap((env) => environmentObjects(join(ROOT, 'dist'), env))));
    return plane;
  } catch (error) {
    await plane.stop();
    throw error;
  }
}

const report = (title: string, lines: string[]) => (lines.length ? `${title}:\n  ${lines.join('\n  ')}` : '');

if (!existsSync(CRD_DIR)) {
  // Every test below is skipped, so no hook runs: say why now, once.
  summary.flux = `cluster suite not run: no CRDs at ${CRD_DIR} (a checkout without ../shared; set SHIPSHAPE_SHARED_DIR)`;
  writeFileSync(SUMMARY_FILE, JSON.stringify(summary));
}
afterAll(() => {
  writeFileSync(SUMMARY_FILE, JSON.stringify(summary));
});

describe.skipIf(!existsSync(CRD_DIR))(`Kubernetes ${applyVersion}: strict apply, PodSecurity, rollout, upgrade`, () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startPlane(applyVersion);
  }, 240_000);
  afterAll(async () => plane?.stop());

  test('the harness can fail: it refuses an unknown field, a pod the restricted profile forbids and a changed selector', async () => {
    const ns = 'shipshape-negative-controls';
    await plane.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    const deployment = (app: string, extra: Record<string, unknown> = {}): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'control', namespace: ns },
      spec: {
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              { name: 'c', image: 'registry.example/c:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, ...extra },
            ],
          },
        },
      },
    });
    const unknownField = await plane.kube.apply(deployment('control', { imagePullPolicyy: 'Always' }));
    expect(unknownField.body.message).toMatch(/unknown field|field not declared in schema/);
    expect(unknownField.status).toBeGreaterThanOrEqual(400);

    const pod = await plane.kube.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: ns },
      spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] },
    });
    expect(pod.status).toBe(403);
    expect(pod.body.message).toMatch(/violates PodSecurity "restricted/);

    expect((await plane.kube.apply(deployment('control'))).status).toBe(201);
    const selector = await plane.kube.apply(deployment('changed'));
    expect(selector.status).toBe(422);
    expect(selector.body.message).toMatch(/field is immutable/);
  });

  describe.each(envs)('dist/%s', (env) => {
    const objects = environmentObjects(join(ROOT, 'dist'), env);

    test('every object is accepted by server-side apply with strict validation, over the previous release, with no PodSecurity warning', async () => {
      const base = upgradeBase(env);
      const notes: string[] = [];
      if (base) {
        const previous = await applyAll(plane.kube, objectsAtCommit(base, env));
        await provisionVolumes(plane.kube, previous.applied);
        if (previous.rejected.length) notes.push(report(`the previous release (${base.slice(0, 12)}) had objects this server refuses`, previous.rejected));
      } else {
        notes.push(`dist/${env}: no earlier release in this clone's history, so the upgrade starts from nothing`);
      }
      const result = await applyAll(plane.kube, objects);
      await provisionVolumes(plane.kube, result.applied);
      summary.applied += result.applied.length;
      summary.rejected += result.rejected.length;
      summary.podSecurityWarnings += result.podSecurityWarnings.length;
      const info = [...notes, report('declared exceptions (expected)', result.declaredExceptions), report('other warnings', result.otherWarnings)].filter(
        Boolean,
      );
      if (info.length) console.log(`dist/${env}:\n${info.join('\n')}`);
      expect(report('rejected', result.rejected)).toBe('');
      expect(report('PodSecurity warnings', result.podSecurityWarnings)).toBe('');
      expect(result.applied).toHaveLength(objects.length);
    });

    test('every Deployment becomes available, every Job completes, Services have ready endpoints, PDBs count their pods', async () => {
      const result = await waitForRollout(plane, objects, 180_000);
      summary.deployments += result.deployments;
      summary.deploymentsAvailable += result.deploymentsAvailable;
      summary.statefulSets += result.statefulSets;
      summary.statefulSetsReady += result.statefulSetsReady;
      summary.jobs += result.jobs;
      summary.jobsComplete += result.jobsComplete;
      summary.cronJobs += result.cronJobs;
      summary.cronJobRunsComplete += result.cronJobRunsComplete;
      expect(report('not rolled out', result.problems)).toBe('');
    }, 240_000);

    test('a second apply of the same tree changes nothing', async () => {
      expect(report('changed by a second apply', await reapplyChanges(plane.kube, objects))).toBe('');
    });
  });

  test('npm run verify refuses nothing on this cluster and names an object it refuses', () => {
    const run = (args: string[]) =>
      spawnSync('npx', ['tsx', 'tools/verify.ts', '--context', 'shipshape-local', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: plane.kubeconfig },
      });
    const ok = run(envs);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      new RegExp(`verify: ${envs.length} environments?, \\d+ objects, 0 rejected, 0 warnings, \\d+ declared exceptions, 0 not checked`),
    );

    const broken = mkdtempSync(join(plane.dir, 'dist-'));
    mkdirSync(join(broken, 'broken'));
    writeFileSync(join(broken, 'broken', 'kustomization.yaml'), 'resources: [config.yaml]\n');
    writeFileSync(
      join(broken, 'broken', 'config.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {A: "1"}\nbinaryDataa: {}\n',
    );
    const refused = run(['--dist', broken]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/^broken: ConfigMap\/default\/settings: .*(unknown field "binaryDataa"|\.binaryDataa: field not declared in schema)/m);
    expect(refused.stdout).toMatch(/verify: 1 environment, 1 objects, 1 rejected/);
  }, 120_000);
});

describe.skipIf(!existsSync(CRD_DIR))(`Kubernetes ${fluxVersion}: Flux reconciles every environment`, () => {
  let plane: ControlPlane;
  let repo: EstateRepository;
  const kustomizations: TrackedKustomization[] = [];
  let firstRevision = '';

  beforeAll(async () => {
    plane = await startPlane(fluxVersion);
    await plane.startFlux();
    repo = new EstateRepository(plane.dir);
    await repo.start();
    firstRevision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: join(plane.dir, 'work'), encoding: 'utf8' }).trim();
  }, 240_000);
  afterAll(async () => {
    await repo?.stop();
    await plane?.stop();
  });

  test('every Kustomization becomes Ready, each after what it depends on: infrastructure, then migrations, then apps', async () => {
    for (const env of envs) {
      await provisionVolumes(plane.kube, environmentObjects(join(ROOT, 'dist'), env));
      kustomizations.push(...(await applyFluxEntryPoint(plane, env, repo.url)));
    }
    expect(kustomizations.length).toBeGreaterThan(0);
    const live = await trackReadiness(plane, 'flux-system', kustomizations, 420_000, (l) => kustomizations.every((k) => isReady(l.get(k.name), firstRevision)));
    const notReady = kustomizations.filter((k) => !isReady(live.get(k.name), firstRevision)).map((k) => `${k.name}: ${notReadyReason(live.get(k.name))}`);
    if (notReady.length) {
      summary.flux = `flux failed: ${notReady[0]}`;
      const sources = await plane.kube.list('source.toolkit.fluxcd.io/v1', 'GitRepository', 'flux-system');
      notReady.push(...sources.map((g) => `GitRepository ${g.metadata.name}: ${notReadyReason(g)}`), ...plane.exited());
    }
    expect(report('not Ready', notReady)).toBe('');

    const byName = new Map(kustomizations.map((k) => [k.name, k]));
    const outOfOrder = kustomizations.flatMap((k) =>
      k.dependsOn.filter((d) => (byName.get(d)?.readyAt ?? Infinity) > k.readyAt!).map((d) => `${k.name} was Ready before ${d}`),
    );
    expect(outOfOrder).toEqual([]);
    const layer = (k: TrackedKustomization) => ['infrastructure', 'migrations', 'apps'].findIndex((l) => k.path.includes(l));
    const againstLayers = kustomizations.flatMap((k) => k.dependsOn.filter((d) => layer(byName.get(d)!) >= layer(k)).map((d) => `${k.name} depends on ${d}`));
    expect(againstLayers).toEqual([]);
    if (summary.flux === 'not run') summary.flux = 'flux ok';
  }, 480_000);

  test('a failing migration holds only its own system: the others roll out their new release', async () => {
    const env = envs.includes('prod') ? 'prod' : envs[envs.length - 1];
    const objects = environmentObjects(join(ROOT, 'dist'), env);
    const failing = objects.find((o) => o.kind === 'Job');
    expect(failing, `dist/${env} has no migration Job`).toBeDefined();
    const failingNs = failing!.metadata.namespace!;

    // The next release: every pod template gets a new annotation; the failing system's migration is
    // a new Job whose pods kwok fails, at the first attempt (retries would only make the test slower).
    repo.edit(env, (o) => {
      if (o.kind === 'Job' && o.metadata.namespace === failingNs && o.metadata.name === failing!.metadata.name) {
        o.metadata.name = `${o.metadata.name}-next`;
        o.spec.backoffLimit = 0;
        o.spec.template.metadata = { ...o.spec.template.metadata, labels: { ...o.spec.template.metadata?.labels, [KWOK_FAIL_LABEL]: 'true' } };
        return true;
      }
      if (o.kind === 'Deployment') {
        o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, 'shipshape.io/suite-release': '2' };
        return true;
      }
      return false;
    });
    const revision = repo.commit('next release; one migration fails');
    await requestReconcile(plane, 'flux-system');

    const inEnv = kustomizations.filter((k) => k.path.includes(`/${env}/`));
    const ofFailing = (k: TrackedKustomization) => k.path.includes(`/${systemOf(objects, failingNs)}/`);
    const failingMigrations = inEnv.filter((k) => ofFailing(k) && k.path.includes('migrations'));
    const otherApps = inEnv.filter((k) => !ofFailing(k) && k.path.includes('apps'));
    expect(failingMigrations.length, 'the failing system has its own migrations Kustomization').toBe(1);
    expect(otherApps.length, 'the other systems have their own apps Kustomizations').toBeGreaterThan(0);

    const live = await trackReadiness(
      plane,
      'flux-system',
      inEnv,
      300_000,
      (l) => otherApps.every((k) => isReady(l.get(k.name), revision)) && readyStatus(l.get(failingMigrations[0].name)) === 'False',
    );
    const held = inEnv.filter((k) => ofFailing(k) && k.path.includes('apps'));
    expect(otherApps.filter((k) => !isReady(live.get(k.name), revision)).map((k) => `${k.name}: ${notReadyReason(live.get(k.name))}`)).toEqual([]);
    expect(notReadyReason(live.get(failingMigrations[0].name))).toMatch(/fail/i);
    for (const k of held) expect(String(live.get(k.name)?.status?.lastAppliedRevision)).not.toContain(revision);

    const deployments = objects.filter((o) => o.kind === 'Deployment');
    for (const d of deployments) {
      const got = await plane.kube.get('apps/v1', 'Deployment', d.metadata.namespace, d.metadata.name);
      const released = got?.spec?.template?.metadata?.annotations?.['shipshape.io/suite-release'] === '2';
      expect(released, `${describeObject(d)} ${d.metadata.namespace === failingNs ? 'held' : 'released'}`).toBe(d.metadata.namespace !== failingNs);
    }
  }, 420_000);
});

const readyStatus = (k: KubeObject | undefined) => k?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;

/** The system a namespace belongs to, from the Namespace's part-of label. */
function systemOf(objects: KubeObject[], namespace: string): string {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
  return ns?.metadata.labels?.['app.kubernetes.io/part-of'] ?? namespace;
}
