/**
 * The objects a check passed, remembered between synths in the cache directory (see
 * `./parse-cache`), so that a synth does not check again what an earlier one checked under the
 * same rules: most objects of a re-synth are the objects of the previous one.
 *
 * An object is remembered by a digest of its JSON and of a scope that names everything the
 * verdict depends on besides the object (for the schema check: the validator's inputs and the code
 * that prepares the object for it), so a changed object, schema, ajv version or check is a miss,
 * never a stale pass. Only passes are remembered: an object with an issue is checked every time,
 * so its messages are always those of the current check. An entry that cannot be read is a miss,
 * and a cache that cannot be written is not used.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCacheFile, resolveCacheDir, writeCacheFile } from './parse-cache';

/** The first line of an entry; bumped when the digest or the format changes. */
const FORMAT = 'shipshape-passed-objects-1';

/** How many digests an entry keeps (about 23 bytes each), the most recently used first. */
export const REMEMBERED_OBJECTS = 50_000;

/** The digest of `object` (its JSON, as it is now) under `scope`: 128 bits of SHA-256, as base64url. */
export function objectDigest(scope: string, object: object): string {
  return createHash('sha256').update(scope).update('\0').update(JSON.stringify(object)).digest('base64url').slice(0, 22);
}

/** One check's remembered passes in one cache directory. */
export class PassedObjects {
  /** What this process read or wrote last, by entry: read again only when the file has changed since. */
  private static readonly opened = new Map<string, PassedObjects>();

  /**
   * The passes of `check` remembered in the cache directory; undefined when caching is off.
   * `cacheDirectory` defaults to the cache directory of `./parse-cache`; `false` turns it off.
   */
  static open(check: string, cacheDirectory?: string | false): PassedObjects | undefined {
    const dir = resolveCacheDir(cacheDirectory);
    if (dir === undefined) return undefined;
    const name = `passed-${check}.txt`;
    const key = path.join(dir, name);
    const signature = fileSignature(key);
    let opened = PassedObjects.opened.get(key);
    if (!opened || opened.signature !== signature) {
      opened = new PassedObjects(dir, name, new Set(readEntry(dir, name)), signature);
      PassedObjects.opened.set(key, opened);
    }
    return opened;
  }

  /** Passed since the last save, and remembered passes used since then: both go first when saving. */
  private readonly recent = new Set<string>();
  private added = false;

  private constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly known: Set<string>,
    /** The entry's size and modification time when it was read or written. */
    private signature: string,
  ) {}

  /** Whether the object with this digest passed before. */
  has(digest: string): boolean {
    if (!this.known.has(digest)) return false;
    this.recent.add(digest);
    return true;
  }

  /** Remembers that the object with this digest passed. */
  add(digest: string): void {
    this.known.add(digest);
    this.recent.add(digest);
    this.added = true;
  }

  /**
   * Writes the entry when a pass was added: this process's passes and uses first, then what the
   * entry holds now (another process may have written it since it was read), up to
   * {@link REMEMBERED_OBJECTS}.
   */
  save(): void {
    if (!this.added) return;
    const kept = [...new Set([...this.recent, ...readEntry(this.dir, this.name)])].slice(0, REMEMBERED_OBJECTS);
    writeCacheFile(this.dir, this.name, `${FORMAT}\n${kept.join('\n')}\n`);
    this.signature = fileSignature(path.join(this.dir, this.name));
    this.added = false;
    this.recent.clear();
  }
}

/** The size and modification time of `file`, or `none`. */
function fileSignature(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'none';
  }
}

/** The digests of the entry `name`, none when it is missing or not of this format. */
function readEntry(dir: string, name: string): string[] {
  const lines = readCacheFile(dir, name)?.toString('utf8').split('\n');
  if (lines?.[0] !== FORMAT) return [];
  return lines.slice(1).filter((line) => /^[A-Za-z0-9_-]{22}$/.test(line));
}
