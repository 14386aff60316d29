/**
 * A cache on disk of what a slow parse made of a text, as JSON keyed by the text's content.
 *
 * The upstream CRDs are YAML, and the `yaml` package's first parse in a process is slow (cold code):
 * the five CRDs the reference estate uses take about 120 ms of a 1.4 s synth, the 430 kB HTTPRoute
 * CRD alone about 180 ms, where `JSON.parse` of the same data takes 1 to 2 ms. The key is a SHA-256
 * of the text, so a changed file is a miss, never a stale hit; an unreadable or corrupt entry is a
 * miss too, and a cache that cannot be written is simply not used.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/** Bumped when what is cached changes shape. */
const FORMAT = 'shipshape-parse-cache-1';

/**
 * The default cache directory: one per user under the system's temporary directory, like tsx's
 * transform cache. `SHIPSHAPE_CACHE_DIR` overrides it; `SHIPSHAPE_CACHE_DIR=off` turns caching off.
 */
export function defaultCacheDir(): string | undefined {
  const configured = process.env.SHIPSHAPE_CACHE_DIR;
  if (configured === 'off') return undefined;
  if (configured) return path.resolve(configured);
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  return path.join(os.tmpdir(), `shipshape-${user}`);
}

/**
 * `parse(text)`, or the value a previous `parse` of the same text under the same `kind` returned.
 * Only JSON-exact values are cached (a value JSON would change, such as `Infinity`, is returned but
 * not stored). `parse` may throw; nothing is cached then. `cacheDirectory` defaults to
 * {@link defaultCacheDir}; `false` parses without a cache.
 */
export function cachedParse<T>(kind: string, text: string, parse: (text: string) => T, cacheDirectory?: string | false): T {
  const cacheDir = resolveCacheDir(cacheDirectory);
  const name = `${kind}-${createHash('sha256').update(`${FORMAT}\0${kind}\0`).update(text).digest('hex')}.json`;
  const hit = cacheDir ? readCacheFile(cacheDir, name) : undefined;
  if (hit !== undefined) {
    try {
      return JSON.parse(hit.toString('utf8')) as T;
    } catch {
      // A corrupt entry is a miss; the parse below writes it again.
    }
  }
  const value = parse(text);
  const json = cacheDir ? exactJson(value) : undefined;
  if (cacheDir && json !== undefined) writeCacheFile(cacheDir, name, json);
  return value;
}

/** `value` as JSON, or undefined when JSON cannot hold it exactly (`Infinity`, a cycle, a BigInt). */
function exactJson(value: unknown): string | undefined {
  try {
    const json = JSON.stringify(value);
    return json !== undefined && isDeepStrictEqual(JSON.parse(json), value) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** The cache directory to use: `cacheDirectory` itself, none for `false`, else {@link defaultCacheDir}. */
export function resolveCacheDir(cacheDirectory?: string | false): string | undefined {
  return cacheDirectory === false ? undefined : (cacheDirectory ?? defaultCacheDir());
}

/**
 * The content of the entry `name` in the cache directory `dir`; undefined when it is missing or
 * unreadable, or when `dir` is not this user's own.
 */
export function readCacheFile(dir: string, name: string): Buffer | undefined {
  if (!isOwnDirectory(dir)) return undefined;
  const file = path.join(dir, name);
  try {
    const content = fs.readFileSync(file);
    markUsed(file);
    return content;
  } catch {
    return undefined;
  }
}

/** An entry unused for this long is removed by {@link pruneCache}. */
export const UNUSED_ENTRY_MS = 14 * 24 * 3600_000;
/** How often a cache directory is pruned, at most. */
const PRUNE_INTERVAL_MS = 24 * 3600_000;
/** The file whose modification time says when the directory was last pruned. */
const PRUNED_MARKER = '.pruned';

/**
 * Moves an entry's modification time to now when it is a day old or more, so it counts as in
 * use: {@link pruneCache} removes entries by age, and reading does not change that age.
 */
function markUsed(file: string): void {
  try {
    const now = Date.now();
    if (now - fs.statSync(file).mtimeMs >= PRUNE_INTERVAL_MS) fs.utimesSync(file, new Date(now), new Date(now));
  } catch {
    // An entry that stays old is parsed or compiled again once pruned, nothing more.
  }
}

/**
 * Removes the entries of `dir` unused for {@link UNUSED_ENTRY_MS} (the validators of schemas,
 * builds and ajv versions no longer in use, about 8 MB per set), and temporary files a killed
 * writer left, at most once a day: the cache would otherwise only grow. Runs when an entry is
 * written, the only time the cache grows. `now` is for tests.
 */
export function pruneCache(dir: string, now: number = Date.now()): void {
  const marker = path.join(dir, PRUNED_MARKER);
  try {
    if (fs.existsSync(marker) && now - fs.statSync(marker).mtimeMs < PRUNE_INTERVAL_MS) return;
    fs.writeFileSync(marker, '', { mode: 0o600 });
    fs.utimesSync(marker, new Date(now), new Date(now));
    for (const name of fs.readdirSync(dir)) {
      if (name === PRUNED_MARKER) continue;
      const file = path.join(dir, name);
      const age = now - fs.statSync(file).mtimeMs;
      if (age >= UNUSED_ENTRY_MS || (name.endsWith('.tmp') && age >= 3600_000)) fs.rmSync(file, { force: true });
    }
  } catch {
    // A cache that cannot be pruned now is pruned by a later synth.
  }
}

/**
 * Writes the entry `name` of the cache directory `dir` (made when missing, private to this user),
 * atomically: a concurrent reader sees the old entry or the new one, never half of one. A cache
 * that cannot be written (read-only, full, another user's) is silently left alone: the result says
 * whether the entry was written.
 */
export function writeCacheFile(dir: string, name: string, content: string | Uint8Array): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!isOwnDirectory(dir)) return false;
    const file = path.join(dir, name);
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(temporary, content, { mode: 0o600 });
    fs.renameSync(temporary, file);
    pruneCache(dir);
    return true;
  } catch {
    // A read-only or full disk costs the next run a parse or a compile, nothing more.
    return false;
  }
}

/** Whether `dir` exists and, where the system has users, belongs to this one: never trust a directory another user made under a shared temporary directory. */
function isOwnDirectory(dir: string): boolean {
  try {
    const stat = fs.statSync(dir);
    return stat.isDirectory() && (typeof process.getuid !== 'function' || stat.uid === process.getuid());
  } catch {
    return false;
  }
}
