/**
 * A cache on disk of compiled schema validators: the standalone JavaScript ajv generates for a
 * validator (`ajv/dist/standalone`), kept in the directory of the parse cache (see
 * {@link cachedParse}).
 *
 * Compiling is the slow part of the strict schema check: ajv generates and evaluates code for every
 * definition a kind refers to, about 500 ms of a 500-service synth (a Job's PodSpec alone about
 * 140 ms, Envoy's ClientTrafficPolicy about 170 ms), and every synth compiled the same schemas
 * again. A hit evaluates the cached code instead, with a `require` that hands it ajv's runtime
 * helpers and the formats, so ajv itself is not even loaded. The key is a SHA-256 over everything
 * the code is made from (see {@link validatorCacheKey}), so a changed schema is a miss, never a stale
 * hit; an entry that is unreadable, corrupt or fails to load is a miss and is written again, and a
 * cache that cannot be written is simply not used.
 *
 * Beside each entry goes V8's code cache of it (see {@link saveCodeCaches}): without it, every
 * process parses the cached code again and compiles each validator function it calls, which costs
 * about as much as loading the code.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { default as Ajv, Format, Options, ValidateFunction } from 'ajv';
import equal from 'ajv/dist/runtime/equal';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import uri from 'ajv/dist/runtime/uri';
import { version as AJV_VERSION } from 'ajv/package.json';
import { readCacheFile, resolveCacheDir, writeCacheFile } from './parse-cache';

/** Bumped when what is cached changes shape. */
const FORMAT = 'shipshape-validator-cache-1';

/** The module the cached code requires its formats from; the loader hands it the formats themselves. */
const FORMATS_MODULE = 'shipshape:formats';

/**
 * ajv's runtime helpers by the module name generated code requires them by (each helper carries
 * its own `require(...)` expression as `code`). Imported here, so they resolve from `lib/`,
 * `build/lib/` and a bundle alike.
 */
const RUNTIME_MODULES: ReadonlyMap<string, unknown> = new Map(
  [equal, ucs2length, uri].map((helper) => [/require\("([^"]+)"\)/.exec(helper.code)?.[1] ?? helper.code, { default: helper }]),
);

/** How validators are compiled; all of it is part of the cache key. */
export interface CompileSettings {
  /** ajv options, without `formats` (given below) and without the code options that caching adds. */
  readonly options: Options;
  /** The formats, by name; cached code receives them through its `require`. */
  readonly formats: Readonly<Record<string, Format>>;
}

/** A validator just compiled, and the ajv instance that compiled it (which holds the code of its references). */
export interface FreshValidator {
  /** The instance that compiled `validate`, made by {@link createAjv}. */
  readonly ajv: Ajv;
  /** The compiled validator. */
  readonly validate: ValidateFunction;
}

/** What the cache did in this process, for tests and measurements. */
export interface ValidatorCacheCounts {
  /** Validators loaded from the cache. */
  hits: number;
  /** Validators compiled because the cache had no usable entry (or there was no cache). */
  misses: number;
  /** Entries written. */
  writes: number;
  /** Hits whose V8 code cache V8 accepted. */
  codeCacheHits: number;
  /** V8 code caches written. */
  codeCacheWrites: number;
}

const counts: ValidatorCacheCounts = { hits: 0, misses: 0, writes: 0, codeCacheHits: 0, codeCacheWrites: 0 };

/** Validators loaded from an entry without a usable V8 code cache: {@link saveCodeCaches} writes theirs. */
const unsavedCodeCaches: { dir: string; name: string; script: vm.Script }[] = [];

/** A copy of what the cache did so far in this process. */
export function validatorCacheCounts(): ValidatorCacheCounts {
  return { ...counts };
}

/**
 * The cache key of a validator: a SHA-256 over this cache's format, ajv's version, the compile
 * settings and `inputs`, which must hold everything else the code is made from (the schema, or a
 * hash of it, and the definition or kind compiled from it).
 */
export function validatorCacheKey(settings: CompileSettings, inputs: readonly string[]): string {
  const hash = createHash('sha256').update(`${FORMAT}\0${AJV_VERSION}\0${JSON.stringify(settings.options)}\0${Object.keys(settings.formats).join()}`);
  for (const input of inputs) hash.update('\0').update(input);
  return hash.digest('hex');
}

/**
 * A new ajv instance with `settings`. With `cacheable`, it keeps the source of what it compiles and
 * refers to formats through {@link FORMATS_MODULE}, so {@link cachedValidator} can store the code;
 * that makes compiling slower, so it is only for when there is a cache to write.
 */
export function createAjv(settings: CompileSettings, cacheable: boolean): Ajv {
  const { default: AjvClass, _ } = loadAjv();
  const code = cacheable ? { ...settings.options.code, source: true, formats: _`require(${FORMATS_MODULE})` } : settings.options.code;
  return new AjvClass({ ...settings.options, code, formats: { ...settings.formats } });
}

/**
 * The validator for `inputs`: loaded from the cache when it holds one for the same settings and
 * inputs, else `compile()`d and stored. Undefined when `compile` finds no schema. `cacheDirectory`
 * defaults to {@link defaultCacheDir}; `false` always compiles.
 */
export function cachedValidator(
  settings: CompileSettings,
  inputs: readonly string[],
  compile: () => FreshValidator | undefined,
  cacheDirectory?: string | false,
): ValidateFunction | undefined {
  const dir = resolveCacheDir(cacheDirectory);
  const name = `validator-${validatorCacheKey(settings, inputs)}.js`;
  const cached = dir ? loadEntry(dir, name, settings.formats) : undefined;
  if (cached) {
    counts.hits++;
    return cached;
  }
  counts.misses++;
  const fresh = compile();
  if (fresh && dir) storeEntry(dir, name, fresh);
  return fresh?.validate;
}

/** ajv, loaded on the first miss only: a synth that finds every validator cached never pays the ~50 ms of loading it. */
function loadAjv(): typeof import('ajv') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose, see above
  return require('ajv');
}

/** The validator in the entry `name`, or undefined when it is missing, corrupt or does not load. */
function loadEntry(dir: string, name: string, formats: Readonly<Record<string, Format>>): ValidateFunction | undefined {
  const entry = readCacheFile(dir, name)?.toString('utf8');
  const newline = entry?.indexOf('\n') ?? -1;
  if (!entry || newline < 0) return undefined;
  const code = entry.slice(newline + 1);
  const codeHash = sha256(code).toString('hex');
  // The entry starts with the hash of its code: a damaged entry is a miss, not a wrong validator.
  if (entry.slice(0, newline) !== checksumLine(codeHash)) return undefined;
  // Named after the exact code (and V8's version), so a code cache never meets other code.
  const codeCacheName = `v8-code-cache-${codeHash}-${process.versions.v8}`;
  const cachedData = readCodeCache(dir, codeCacheName);
  try {
    const script = new vm.Script(`(function (require, module, exports) {${code}\n})`, { filename: path.join(dir, name), cachedData });
    const module = { exports: {} as unknown };
    script.runInThisContext()(requireFor(formats), module, module.exports);
    if (typeof module.exports !== 'function') return undefined;
    if (cachedData && !script.cachedDataRejected) counts.codeCacheHits++;
    else unsavedCodeCaches.push({ dir, name: codeCacheName, script });
    return module.exports as ValidateFunction;
  } catch {
    return undefined;
  }
}

/** The V8 code cache `name`, or undefined when it is missing or damaged (it starts with the SHA-256 of the rest). */
function readCodeCache(dir: string, name: string): Buffer | undefined {
  const file = readCacheFile(dir, name);
  const data = file?.subarray(32);
  return file && data && sha256(data).equals(file.subarray(0, 32)) ? data : undefined;
}

/**
 * Writes V8's code cache of each validator loaded from an entry without a usable one. Call it once
 * the validators have run: the cache then also holds the bytecode V8 compiled for the functions
 * that ran, so the next process neither parses their code nor compiles those functions again.
 */
export function saveCodeCaches(): void {
  for (const { dir, name, script } of unsavedCodeCaches.splice(0)) {
    // Nothing to put beside an entry whose directory has gone since it was loaded.
    if (!fs.existsSync(dir)) continue;
    try {
      const data = script.createCachedData();
      if (writeCacheFile(dir, name, Buffer.concat([sha256(data), data]))) counts.codeCacheWrites++;
    } catch {
      // No code cache costs the next process some compiling, nothing more.
    }
  }
}

/** The `require` cached code runs with: ajv's runtime helpers and the formats, nothing else. */
function requireFor(formats: Readonly<Record<string, Format>>): (id: string) => unknown {
  return (id) => {
    if (id === FORMATS_MODULE) return formats;
    if (RUNTIME_MODULES.has(id)) return RUNTIME_MODULES.get(id);
    throw new Error(`cached validator requires unknown module ${id}`);
  };
}

/** Writes the standalone code of a fresh validator as the entry `name`; a validator ajv cannot write out is just not cached. */
function storeEntry(dir: string, name: string, { ajv, validate }: FreshValidator): void {
  let code: string;
  try {
    const { default: standaloneCode } = loadStandalone();
    code = standaloneCode(ajv, validate);
  } catch {
    return;
  }
  if (writeCacheFile(dir, name, `${checksumLine(sha256(code).toString('hex'))}\n${code}`)) counts.writes++;
}

/** ajv's standalone code generator, loaded with ajv on a miss. */
function loadStandalone(): typeof import('ajv/dist/standalone') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily with ajv, see loadAjv
  return require('ajv/dist/standalone');
}

/** The first line of an entry: a comment holding the SHA-256 of its code (`codeHash`, in hex). */
function checksumLine(codeHash: string): string {
  return `// sha256 ${codeHash}`;
}

/** The SHA-256 digest of `data`. */
function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
