import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, Format } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchemaLocation, sharedSchemaLocation, defaultSharedDir, validateAgainstSchemas } from '../../lib/checks/schema-validation';
import {
  cachedValidator,
  CompileSettings,
  createAjv,
  saveCodeCaches,
  validatorCacheCounts,
  ValidatorCacheCounts,
  validatorCacheKey,
} from '../../lib/checks/validator-cache';
import { parseAllDocuments } from 'yaml';
import type { KubeJson } from '../../lib/checks/objects';
import { tempDirs } from '../temp-dirs';
import { schemasAvailable } from '../support/schemas';

const tempDir = tempDirs('shipshape-validator-cache');

/** What the cache did during `run`. */
function countsOf(run: () => void): ValidatorCacheCounts {
  const before = validatorCacheCounts();
  run();
  const after = validatorCacheCounts();
  return Object.fromEntries(
    Object.entries(after).map(([name, count]) => [name, count - before[name as keyof ValidatorCacheCounts]]),
  ) as unknown as ValidatorCacheCounts;
}

describe('cachedValidator: compiled validators cached on disk as code', () => {
  const formats: Record<string, Format> = {
    int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 },
    'date-time': { type: 'string', validate: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/ },
    ipv4: { type: 'string', validate: (s: string) => /^\d+\.\d+\.\d+\.\d+$/.test(s) },
  };
  const settings: CompileSettings = { options: { allErrors: true, strict: false, verbose: true, unicodeRegExp: false, inlineRefs: false }, formats };
  const definitions = { name: { type: 'string', minLength: 2, pattern: '^[a-z]\\_?[a-z-]*$' } };
  // One keyword of each kind the Kubernetes schemas use, and a reference compiled as its own function.
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { $ref: 'https://example.invalid/defs.json#/definitions/name' },
      port: { type: 'integer', format: 'int32' },
      at: { type: 'string', format: 'date-time' },
      size: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
      kind: { enum: ['A', 'B'] },
      fixed: { const: { x: 1 } },
      tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      address: {
        type: 'object',
        oneOf: [{ properties: { type: { enum: ['IP'] }, value: { format: 'ipv4' } } }, { properties: { type: { not: { enum: ['IP'] } } } }],
      },
    },
  };
  const compile = () => {
    const ajv = createAjv(settings, true);
    ajv.addSchema({ $id: 'https://example.invalid/defs.json', definitions });
    return { ajv, validate: ajv.compile(schema) };
  };
  const samples: unknown[] = [
    { name: 'ok', port: 80, at: '2024-01-31T12:00:00Z', size: 1, kind: 'A', fixed: { x: 1 }, tags: ['a'], address: { type: 'IP', value: '10.0.0.1' } },
    { name: 'x', port: 2 ** 31, at: 'yesterday', size: [], kind: 'C', fixed: { x: 2 }, tags: ['a', 'a'], address: { type: 'IP', value: 'nope' }, extra: 1 },
    { name: 'a\\_b', address: { value: 'nope' } },
    { name: 'Ab', port: 1.5, size: 'big' },
    {},
  ];
  /** Each sample's verdict and errors, all of their fields. */
  const verdicts = (validate: (data: unknown) => boolean, errors: () => ErrorObject[] | null | undefined) =>
    samples.map((sample) => ({ valid: validate(sample), errors: structuredClone(errors()) }));

  it('loads the same validator from the cache as it compiles: same verdicts, same errors down to the verbose fields', () => {
    const dir = tempDir();
    let fresh: ReturnType<typeof compile> | undefined;
    const cold = countsOf(() => void cachedValidator(settings, ['widget'], () => (fresh = compile()), dir));
    let loaded: ReturnType<typeof cachedValidator>;
    const warm = countsOf(() => void (loaded = cachedValidator(settings, ['widget'], compile, dir)));
    expect(cold).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    expect(warm).toMatchObject({ hits: 1, misses: 0, writes: 0, codeCacheHits: 0 });
    expect(loaded).toBeDefined();
    expect(loaded).not.toBe(fresh!.validate);

    const expected = verdicts(fresh!.validate, () => fresh!.validate.errors);
    expect(verdicts(loaded!, () => loaded!.errors)).toEqual(expected);
    expect(expected.map((v) => v.valid)).toEqual([true, false, false, false, false]);
    const keywords = new Set(expected.flatMap((v) => v.errors ?? []).map((e) => e.keyword));
    expect([...keywords].sort()).toEqual(
      ['additionalProperties', 'anyOf', 'const', 'enum', 'format', 'minLength', 'not', 'oneOf', 'pattern', 'required', 'type', 'uniqueItems'].sort(),
    );
    const not = expected[1].errors!.find((e) => e.keyword === 'not')!;
    expect(not.schema).toEqual({ enum: ['IP'] });
    expect(not.schemaPath).toBe('#/properties/address/oneOf/1/properties/type/not');
  });

  it("writes V8's code cache of a loaded validator once it has run, and loads the validator with it next time, with the same results", () => {
    const dir = tempDir();
    let fresh: ReturnType<typeof compile> | undefined;
    cachedValidator(settings, ['widget'], () => (fresh = compile()), dir);
    const expected = verdicts(fresh!.validate, () => fresh!.validate.errors);
    const load = () => {
      let loaded: ReturnType<typeof cachedValidator>;
      const counts = countsOf(() => void (loaded = cachedValidator(settings, ['widget'], compile, dir)));
      expect(verdicts(loaded!, () => loaded!.errors)).toEqual(expected);
      return counts;
    };
    const codeCaches = () => fs.readdirSync(dir).filter((name) => name.startsWith('v8-code-cache-'));

    expect(load()).toMatchObject({ hits: 1, codeCacheHits: 0 });
    expect(codeCaches()).toEqual([]);
    expect(countsOf(saveCodeCaches)).toMatchObject({ codeCacheWrites: 1 });
    expect(load()).toMatchObject({ hits: 1, codeCacheHits: 1 });
    expect(countsOf(saveCodeCaches)).toMatchObject({ codeCacheWrites: 0 });

    // A damaged code cache is left unused, and written again.
    const [codeCache] = codeCaches();
    const good = fs.readFileSync(path.join(dir, codeCache));
    const damaged = Buffer.from(good);
    damaged[damaged.length - 10] ^= 0xff;
    fs.writeFileSync(path.join(dir, codeCache), damaged);
    expect(load()).toMatchObject({ hits: 1, codeCacheHits: 0 });
    expect(countsOf(saveCodeCaches)).toMatchObject({ codeCacheWrites: 1 });
    expect(load()).toMatchObject({ hits: 1, codeCacheHits: 1 });
  });

  it('compiles again over a corrupt entry, and writes it again', () => {
    const dir = tempDir();
    cachedValidator(settings, ['widget'], compile, dir);
    const [entry] = fs.readdirSync(dir).filter((name) => name.startsWith('validator-'));
    const good = fs.readFileSync(path.join(dir, entry), 'utf8');
    for (const damaged of [good.slice(0, good.length / 2), good.replace('"IP"', '"XP"'), 'module.exports = () => true;', '']) {
      fs.writeFileSync(path.join(dir, entry), damaged);
      let validate: ReturnType<typeof cachedValidator>;
      expect(countsOf(() => void (validate = cachedValidator(settings, ['widget'], compile, dir)))).toMatchObject({ hits: 0, misses: 1, writes: 1 });
      expect(validate!(samples[1])).toBe(false);
      expect(fs.readFileSync(path.join(dir, entry), 'utf8')).toBe(good);
    }
  });

  it('keys entries by everything the code is made from', () => {
    const key = validatorCacheKey(settings, ['swagger-hash', 'v1/ConfigMap']);
    expect(validatorCacheKey(settings, ['swagger-hash', 'v1/ConfigMap'])).toBe(key);
    expect(validatorCacheKey(settings, ['other-hash', 'v1/ConfigMap'])).not.toBe(key);
    expect(validatorCacheKey(settings, ['swagger-hash', 'v1/Secret'])).not.toBe(key);
    expect(validatorCacheKey(settings, ['swagger-hashv1/', 'ConfigMap'])).not.toBe(key);
    expect(validatorCacheKey({ ...settings, options: { ...settings.options, verbose: false } }, ['swagger-hash', 'v1/ConfigMap'])).not.toBe(key);
    expect(validatorCacheKey({ ...settings, formats: { ...formats, byte: /^x$/ } }, ['swagger-hash', 'v1/ConfigMap'])).not.toBe(key);
  });
});

describe.runIf(schemasAvailable)('validateAgainstSchemas with the validator cache', () => {
  const saved = process.env.SHIPSHAPE_CACHE_DIR;
  beforeEach(() => {
    process.env.SHIPSHAPE_CACHE_DIR = tempDir();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SHIPSHAPE_CACHE_DIR;
    else process.env.SHIPSHAPE_CACHE_DIR = saved;
  });

  const objectMeta = { type: 'object', properties: { name: { type: 'string' }, creationTimestamp: { type: 'string', format: 'date-time' } } };
  const configMap = (extraField: Record<string, unknown>) => ({
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      data: { type: 'object', additionalProperties: { type: 'string' } },
      ...extraField,
    },
    'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
  });
  const widgetCrd = (maximum: number) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            spec:
              type: object
              properties:
                size: { type: integer, maximum: ${maximum}, default: 3 }
                color: { type: string, pattern: '^[a-z]\\_?[a-z]+$' }
`;
  /** A fresh shared directory (so a fresh catalog) with a small swagger and the Widget CRD. */
  function shared(options: { immutable?: boolean; maximum?: number } = {}): SchemaLocation {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'schemas'));
    fs.mkdirSync(path.join(dir, 'crds'));
    const definitions = {
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': objectMeta,
      'io.k8s.api.core.v1.ConfigMap': configMap(options.immutable ? { immutable: { type: 'boolean' } } : {}),
    };
    fs.writeFileSync(path.join(dir, 'schemas', 'kubernetes-1.28-swagger.json'), JSON.stringify({ definitions }));
    fs.writeFileSync(path.join(dir, 'crds', 'example.com_widgets.yaml'), widgetCrd(options.maximum ?? 10));
    return sharedSchemaLocation(dir);
  }
  const objects = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: 'yesterday' }, data: { a: 1 }, immutable: true },
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: {} }, spec: { size: 11, color: 'r_ed' } },
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'd' }, spec: { color: 'Red' } },
  ];
  const lines = (location: SchemaLocation) => validateAgainstSchemas(objects, { location }).issues.map((i) => `${i.name} ${i.path}: ${i.message}`);
  const expected = [
    'c /immutable: unknown field "immutable"',
    'c /metadata/creationTimestamp: must be an RFC 3339 date-time such as "2024-01-31T12:00:00Z"',
    'c /data/a: must be string',
    'w /spec/size: must be <= 10',
    'w /metadata/labels: unknown field "labels"',
    'd /spec/color: must match pattern "^[a-z]\\_?[a-z]+$"',
  ];

  it('finds the same issues compiling every kind and loading it from the cache', () => {
    let cold: string[] = [];
    let warm: string[] = [];
    expect(countsOf(() => (cold = lines(shared())))).toMatchObject({ hits: 0, misses: 2, writes: 2 });
    expect(countsOf(() => (warm = lines(shared())))).toMatchObject({ hits: 2, misses: 0, writes: 0 });
    expect(cold).toEqual(expected);
    expect(warm).toEqual(cold);
  });

  it('compiles a changed swagger definition or CRD again, never answering from the old entry', () => {
    lines(shared());
    let changed: string[] = [];
    expect(countsOf(() => (changed = lines(shared({ immutable: true, maximum: 20 }))))).toMatchObject({ hits: 0, misses: 2, writes: 2 });
    expect(changed).toEqual(expected.filter((line) => !/immutable|<= 10/.test(line)));
    expect(countsOf(() => lines(shared({ maximum: 20 })))).toMatchObject({ hits: 1, misses: 1, writes: 1 });
  });

  it('compiles again over corrupt entries, and writes them again', () => {
    lines(shared());
    const dir = process.env.SHIPSHAPE_CACHE_DIR!;
    const entries = fs.readdirSync(dir).filter((name) => name.startsWith('validator-'));
    expect(entries).toHaveLength(2);
    const good = entries.map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
    for (const name of entries) fs.writeFileSync(path.join(dir, name), 'garbage');
    let found: string[] = [];
    expect(countsOf(() => (found = lines(shared())))).toMatchObject({ hits: 0, misses: 2, writes: 2 });
    expect(found).toEqual(expected);
    expect(entries.map((name) => fs.readFileSync(path.join(dir, name), 'utf8'))).toEqual(good);
  });

  it('still validates with the cache off, writing nothing', () => {
    process.env.SHIPSHAPE_CACHE_DIR = 'off';
    let found: string[] = [];
    expect(countsOf(() => (found = lines(shared())))).toMatchObject({ hits: 0, misses: 2, writes: 0 });
    expect(found).toEqual(expected);
  });

  it('still validates when the cache directory cannot be made', () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    process.env.SHIPSHAPE_CACHE_DIR = path.join(file, 'cache');
    let found: string[] = [];
    expect(countsOf(() => (found = lines(shared())))).toMatchObject({ hits: 0, misses: 2, writes: 0 });
    expect(found).toEqual(expected);
  });

  // Only root can hand a directory to another user.
  it.runIf(process.getuid?.() === 0)("neither reads nor writes a cache directory that is another user's", () => {
    lines(shared());
    const dir = process.env.SHIPSHAPE_CACHE_DIR!;
    fs.chownSync(dir, 65534, 65534);
    const before = fs.readdirSync(dir);
    let found: string[] = [];
    expect(countsOf(() => (found = lines(shared())))).toMatchObject({ hits: 0, misses: 2, writes: 0 });
    expect(found).toEqual(expected);
    expect(fs.readdirSync(dir)).toEqual(before);
  });

  it('loads every kind of the reference estate from the cache, with the same issues', () => {
    const shared = sharedSchemaLocation(defaultSharedDir());
    /** A fresh directory linking to ../shared's schemas, so each pass builds its own catalog. */
    const linked = (): SchemaLocation => {
      const dir = tempDir();
      fs.mkdirSync(path.join(dir, 'schemas'));
      fs.symlinkSync(shared.swaggerFile, path.join(dir, 'schemas', path.basename(shared.swaggerFile)));
      fs.symlinkSync(shared.crdDir, path.join(dir, 'crds'));
      return sharedSchemaLocation(dir);
    };
    // The synthesized estate as committed in dist/ (kustomize's own kustomization.yaml files aside).
    const dist = path.join(__dirname, '../../dist');
    const estate: KubeJson[] = fs
      .readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.yaml') && path.basename(file) !== 'kustomization.yaml')
      .flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(dist, file), 'utf8')).map((document) => document.toJS() as KubeJson));
    const kinds = new Set(estate.map((o) => `${o.apiVersion}/${o.kind}`));
    const broken = estate.map((o) => ({ ...o, metadata: { ...o.metadata, creationTimestamp: 'now' }, unknownField: 1 }));
    let cold: unknown;
    let warm: unknown;
    expect(countsOf(() => (cold = validateAgainstSchemas([...estate, ...broken], { location: linked() })))).toMatchObject({
      hits: 0,
      misses: kinds.size,
      writes: kinds.size,
    });
    expect(countsOf(() => (warm = validateAgainstSchemas([...estate, ...broken], { location: linked() })))).toMatchObject({
      hits: kinds.size,
      misses: 0,
      writes: 0,
    });
    expect(warm).toEqual(cold);
    expect((cold as { issues: unknown[] }).issues).toHaveLength(2 * broken.length);
  });
});
