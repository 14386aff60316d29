/**
 * The output directory's safety: one writer at a time, no interrupted swap left behind, no odd
 * outdir (a file, a dangling link, a read-only tree) half-replaced, and no staging directory that
 * overlaps it.
 *
 * The lock is `proper-lockfile`'s: an atomic `mkdir` of `<outdir>.lock`, released on exit and
 * taken over once stale (a process killed with SIGKILL), so it works on any local or network file
 * system without a native module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lockSync } from 'proper-lockfile';
import { ShipshapeError } from '../core/issues';

/**
 * A failure while writing the output directory. `unchanged` says whether the directory is exactly
 * as it was before the synth, so the message printed for it never claims more than is true.
 */
export class OutputError extends ShipshapeError {
  /** Whether the output directory is as it was before the synth. */
  public readonly unchanged: boolean;

  constructor(problems: readonly string[], unchanged: boolean) {
    super(problems);
    this.name = 'OutputError';
    this.unchanged = unchanged;
  }
}

/** How long {@link lockOutdir} waits for another synth by default: longer than a lock takes to go stale. */
export const DEFAULT_LOCK_WAIT_MS = 120_000;

/** A lock older than this, never refreshed by its holder, belongs to a process that died. */
const LOCK_STALE_MS = 60_000;

/** Sleeps without giving the event loop a turn: the synth is synchronous from end to end. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the lock `<outdir>.lock` (a directory, created atomically) for the write phase of a synth,
 * waiting up to `waitMs` for another synth into the same outdir to finish. Returns the release
 * function. Throws an {@link OutputError} (nothing changed) when the wait runs out.
 */
export function lockOutdir(outdir: string, waitMs: number = DEFAULT_LOCK_WAIT_MS): () => void {
  const lockfilePath = `${outdir}.lock`;
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockSync(outdir, { realpath: false, lockfilePath, stale: LOCK_STALE_MS, onCompromised: () => undefined });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new OutputError(
          [`${outdir}: ${path.dirname(outdir)} is read-only, so it cannot be replaced; make it writable (chmod u+w) or choose another outdir`],
          true,
        );
      }
      if (code !== 'ELOCKED') {
        throw new OutputError(
          [`${lockfilePath}: cannot take the lock that keeps two synths from writing ${outdir} at once: ${(error as Error).message}`],
          true,
        );
      }
      if (Date.now() >= deadline) {
        throw new OutputError(
          [
            `${lockfilePath}: another synth has been writing ${outdir} for over ${Math.round(waitMs / 1000)} s; wait for it to finish and run again (if no synth is running, the lock is taken over once it is ${LOCK_STALE_MS / 1000} s old, or remove ${lockfilePath})`,
          ],
          true,
        );
      }
      sleepSync(50);
    }
  }
}

/**
 * Undoes what an interrupted {@link replaceDirectory} (in `./output`) left: a missing outdir beside
 * `<outdir>.previous` gets the previous output back (the interrupted synth never finished, so the
 * output before it is the last complete one); a `<outdir>.next` (possibly half-written) and a
 * `<outdir>.previous` beside a complete outdir are removed. Returns one note per repair. Run it
 * under the lock and before the previous output is read.
 */
export function recoverInterruptedSwap(outdir: string): string[] {
  const next = `${outdir}.next`;
  const previous = `${outdir}.previous`;
  const notes: string[] = [];
  if (!exists(outdir) && exists(previous)) {
    fs.renameSync(previous, outdir);
    notes.push(`${outdir} was missing beside ${previous}, left by an interrupted synth; restored it from there before synthesizing`);
  }
  for (const leftover of [next, previous]) {
    if (!exists(leftover)) continue;
    fs.rmSync(leftover, { recursive: true, force: true });
    notes.push(`removed ${leftover}, left by an interrupted synth`);
  }
  return notes;
}

/**
 * The directory a synth replaces for `outdir`, after checking what is there: nothing or a
 * directory is fine; a symbolic link is followed (its target is replaced and the link stays); a
 * file, a dangling link or a link to a file is refused, and so is a tree this process cannot write.
 * Throws an {@link OutputError} (nothing changed) naming the path and the fix.
 */
export function resolveOutdir(outdir: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(outdir);
  } catch {
    const parent = existingAncestor(path.dirname(path.resolve(outdir)));
    if (!writable(parent)) throw new OutputError([`${outdir}: cannot be created, ${parent} is not writable; make it writable or choose another outdir`], true);
    return outdir;
  }
  let target = outdir;
  if (stat.isSymbolicLink()) {
    const link = fs.readlinkSync(outdir);
    try {
      target = fs.realpathSync(outdir);
    } catch {
      throw new OutputError(
        [`${outdir}: is a symbolic link to ${link}, which does not exist; create that directory, or remove the link to let synth create ${outdir}`],
        true,
      );
    }
    stat = fs.statSync(target);
  }
  if (!stat.isDirectory()) {
    throw new OutputError(
      [
        `${outdir}: is a file${target !== outdir ? ` (through the link to ${target})` : ''}, not a directory; synth replaces the output directory as a whole, so move the file away or choose another outdir`,
      ],
      true,
    );
  }
  const blocked = [path.dirname(target), ...directoriesOf(target)].filter((dir) => !writable(dir));
  if (blocked.length) {
    throw new OutputError(
      [
        `${outdir}: ${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} read-only, so it cannot be replaced; make ${blocked.length === 1 ? 'it' : 'them'} writable (chmod -R u+w) or choose another outdir`,
      ],
      true,
    );
  }
  return target;
}

/**
 * Refuses a staging directory (cdk8s' own output directory, which is emptied before and during
 * each synth) that is the outdir, lies inside it or holds it. `fromCdk8s` says the staging directory
 * came from `CDK8S_OUTDIR`: `cdk8s synth` then already deleted it before the app ran.
 */
export function checkStagingDir(staging: string, outdir: string, fromCdk8s: boolean): void {
  const a = path.resolve(staging);
  const b = path.resolve(outdir);
  if (!(a === b || isInside(a, b) || isInside(b, a))) return;
  if (fromCdk8s) {
    throw new OutputError(
      [
        `cdk8s.yaml: cdk8s synth's output directory ${staging} (CDK8S_OUTDIR) ${a === b ? 'is' : 'overlaps'} the outdir ${outdir}, and cdk8s deleted it before running the app (with no output: line, cdk8s uses dist). Add "output: .synth" to cdk8s.yaml, then restore ${outdir} (git checkout -- ${outdir}) and synthesize again`,
      ],
      false,
    );
  }
  throw new OutputError(
    [`stagingDir: ${staging} ${a === b ? 'is' : 'overlaps'} the outdir ${outdir}, and it is emptied on every synth; choose a directory outside ${outdir}`],
    true,
  );
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

function existingAncestor(dir: string): string {
  while (!exists(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `dir` and every directory below it. */
function directoriesOf(dir: string): string[] {
  const entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[];
  return [dir, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name))];
}
