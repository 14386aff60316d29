import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentObjects, type KubeObject } from '../../tools/dist-objects';

export { describeObject, environmentObjects } from '../../tools/dist-objects';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/**
 * The commit whose `dist/<env>` the upgrade starts from: SHIPSHAPE_CLUSTER_BASE if set, else the
 * newest commit that changed `dist/<env>` to something other than what the working tree holds (the
 * release before this one), following first parents so a merged branch's own commits are skipped.
 * Undefined when the history has none (a shallow or new clone).
 */
export function upgradeBase(env: string): string | undefined {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  if (process.env.SHIPSHAPE_CLUSTER_BASE) return git('rev-parse', process.env.SHIPSHAPE_CLUSTER_BASE);
  const commits = git('log', '--first-parent', '-n', '30', '--format=%H', '--', `dist/${env}`).split('\n').filter(Boolean);
  for (const commit of commits) {
    try {
      execFileSync('git', ['diff', '--quiet', commit, '--', `dist/${env}`], { cwd: ROOT });
    } catch {
      return commit;
    }
  }
  return undefined;
}

/** The objects of `dist/<env>` at a commit, built the same way as the working tree's. */
export function objectsAtCommit(commit: string, env: string): KubeObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-base-'));
  try {
    execFileSync('sh', ['-c', `git archive ${commit} dist/${env} | tar -x -C "${dir}"`], { cwd: ROOT });
    return environmentObjects(join(dir, 'dist'), env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
