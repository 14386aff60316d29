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
  try {
    return fs.readFileSync(path.join(dir, name));
  } catch {
    return undefined;
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
