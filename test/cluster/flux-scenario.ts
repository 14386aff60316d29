import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { readObjects, type ControlPlane } from './control-plane';
import { ROOT } from './estate-objects';
import { GitServer } from './git-server';
import { KubeObject, waitFor } from './kube';

const FLUX_API = 'kustomize.toolkit.fluxcd.io/v1';
const SOURCE_API = 'source.toolkit.fluxcd.io/v1';

/** A Flux Kustomization as the suite tracks it. */
export interface TrackedKustomization {
  readonly name: string;
  readonly path: string;
  readonly dependsOn: string[];
  /** When the suite first saw it Ready (ms since the epoch). */
  readyAt?: number;
}

/**
 * The repository Flux reconciles: a clone of this repository whose `main` holds the working tree's
 * dist/, pushed to a bare repository that a loopback Git server serves.
 */
export class EstateRepository {
  private readonly work: string;
  private readonly bare: string;
  private readonly server: GitServer;
  url = '';

  constructor(dir: string) {
    this.work = join(dir, 'work');
    this.bare = join(dir, 'git', 'estate.git');
    this.server = new GitServer(join(dir, 'git'));
  }

  async start(): Promise<void> {
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe', encoding: 'utf8' });
    git(ROOT, 'clone', '-q', '--no-hardlinks', ROOT, this.work);
    git(this.work, 'checkout', '-q', '-B', 'main');
    rmSync(join(this.work, 'dist'), { recursive: true, force: true });
    cpSync(join(ROOT, 'dist'), join(this.work, 'dist'), { recursive: true });
    this.commit("the working tree's dist/");
    git(this.work, 'clone', '-q', '--bare', this.work, this.bare);
    this.url = `${await this.server.start()}/estate.git`;
  }

  /** Commits whatever changed in the work clone and pushes it; returns the new revision. */
  commit(message: string): string {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: this.work, stdio: 'pipe', encoding: 'utf8' }).trim();
    git('add', '-A', 'dist');
    git('-c', 'user.name=shipshape', '-c', 'user.email=suite@shipshape.invalid', 'commit', '-q', '--allow-empty', '-m', message);
    try {
      statSync(this.bare);
      git('push', '-q', this.bare, 'main');
    } catch {
      // The first commit is made before the bare clone exists.
    }
    return git('rev-parse', 'HEAD');
  }

  /** Rewrites every YAML document of dist/<env> in the work clone for which `edit` returns true. */
  edit(env: string, edit: (o: KubeObject) => boolean): number {
    let changed = 0;
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
    for (const file of walk(join(this.work, 'dist', env)).filter((f) => f.endsWith('.yaml'))) {
      const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as KubeObject);
      let touched = false;
      for (const doc of docs) if (doc && edit(doc)) touched = true;
      if (!touched) continue;
      // YAML 1.1 quoting, as Kustomize and kubectl read it (an unquoted yes is a boolean there).
      writeFileSync(file, docs.map((d) => stringify(d, { version: '1.1' })).join('---\n'));
      changed++;
    }
    return changed;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

/**
 * Applies `dist/<env>/flux` with only the GitRepository's URL pointed at the loopback server, as a
 * cluster's `kubectl apply -k dist/<env>/flux` would, and returns the Kustomizations it made.
 */
export async function applyFluxEntryPoint(plane: ControlPlane, env: string, url: string): Promise<TrackedKustomization[]> {
  const tracked: TrackedKustomization[] = [];
  const dir = join(ROOT, 'dist', env, 'flux');
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()) {
    for (const object of readObjects(join(dir, file))) {
      if (object.kind === 'GitRepository') object.spec.url = url;
      const res = await plane.kube.apply(object);
      if (res.status >= 300) throw new Error(`applying ${object.kind} ${object.metadata.name}: ${res.body?.message}`);
      if (object.kind === 'Kustomization') {
        tracked.push({ name: object.metadata.name, path: object.spec.path, dependsOn: (object.spec.dependsOn ?? []).map((d: any) => d.name) });
      }
    }
  }
  return tracked;
}

const readyCondition = (k: KubeObject | undefined) => k?.status?.conditions?.find((c: any) => c.type === 'Ready');

/** Asks Flux to fetch now, as `flux reconcile source git` does. */
export async function requestReconcile(plane: ControlPlane, namespace: string): Promise<void> {
  const stamp = new Date().toISOString();
  for (const repo of await plane.kube.list(SOURCE_API, 'GitRepository', namespace)) {
    await plane.kube.request(
      'PATCH',
      plane.kube.path(SOURCE_API, 'GitRepository', namespace, repo.metadata.name),
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': stamp } } },
      'application/merge-patch+json',
    );
  }
}

/**
 * Polls the Kustomizations until `done` says so (or the time is up), recording when each first
 * became Ready. Returns what it last saw of each.
 */
export async function trackReadiness(
  plane: ControlPlane,
  namespace: string,
  kustomizations: TrackedKustomization[],
  timeoutMs: number,
  done: (live: Map<string, KubeObject>) => boolean,
): Promise<Map<string, KubeObject>> {
  const live = new Map<string, KubeObject>();
  const poll = async () => {
    for (const k of kustomizations) {
      const got = await plane.kube.get(FLUX_API, 'Kustomization', namespace, k.name);
      if (!got) continue;
      live.set(k.name, got);
      if (k.readyAt === undefined && readyCondition(got)?.status === 'True') k.readyAt = Date.now();
    }
    return done(live) ? true : undefined;
  };
  await waitFor('Flux to reconcile', timeoutMs, poll).catch(() => undefined);
  return live;
}

/** Flux's own reason for a Kustomization that is not Ready. */
export function notReadyReason(k: KubeObject | undefined): string {
  const ready = readyCondition(k);
  return ready ? `${ready.reason}: ${ready.message}` : 'no Ready condition yet';
}

export const isReady = (k: KubeObject | undefined, revision?: string): boolean =>
  readyCondition(k)?.status === 'True' && (revision === undefined || String(k?.status?.lastAppliedRevision ?? '').endsWith(revision));
