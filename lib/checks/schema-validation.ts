/**
 * Strict schema validation of synthesized objects, the way `kubeconform -strict` does it: built-in
 * kinds against the Kubernetes 1.28 OpenAPI v2 definitions, custom resources against the
 * `openAPIV3Schema` of their CRD, unknown fields rejected.
 *
 * The schemas come from, in this order: `$SHIPSHAPE_SHARED_DIR` (or an explicit `sharedDir`), a
 * `shared` checkout next to the repository (`schemas/kubernetes-1.28-swagger.json` and
 * `crds/*.yaml`, in development), or the copy the package ships in `build/schemas/` (written at
 * build time by `tools/build-schemas.ts`: the swagger and the imported CRDs as gzipped JSON). A
 * missing or corrupt schema file is an error naming it; only `SHIPSHAPE_SCHEMA_VALIDATION=off`
 * skips the check. Loading and compiling happens once per process and directory: a kind is
 * compiled the first time an object of that kind is seen, and a CRD file is parsed only when a
 * custom resource of its group is.
 *
 * Both are also cached on disk across processes, keyed by content: parsed CRDs (see
 * {@link cachedParse}) and compiled validators (see {@link cachedValidator}), which saves about
 * half a second of ajv compiling per synth, with V8's code cache of them. A synth that finds every
 * validator it needs cached neither loads ajv nor parses the 3 MB swagger: it reads and hashes it,
 * and takes the kinds it defines from the parse cache.
 */
import type { KubeJson } from './objects';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import type { default as Ajv, ErrorObject, Format, ValidateFunction } from 'ajv';
import { ShipshapeError } from '../core/issues';
import { cachedParse, defaultCacheDir } from './parse-cache';
import { objectDigest, PassedObjects } from './passed-objects';
import { cachedValidator, CompileSettings, createAjv, FreshValidator, saveCodeCaches, validatorCacheKey } from './validator-cache';

/** One way an object breaks its schema. */
export interface SchemaIssue {
  /** `apiVersion` of the object (empty when it has none). */
  apiVersion: string;
  /** `kind` of the object (empty when it has none). */
  kind: string;
  /** `metadata.name` of the object (empty when it has none). */
  name: string;
  /** `metadata.namespace`, when set. */
  namespace?: string;
  /** JSON pointer to the offending value, e.g. `/spec/template/spec/containers/0/ports/0/containerPort`; empty for the whole object. */
  path: string;
  /** What is wrong, for a person, e.g. `must be integer` or `unknown field "foo"`. */
  message: string;
}

/** The outcome of validating a set of objects. */
export interface SchemaValidationResult {
  /** Every issue found, in object order. */
  issues: SchemaIssue[];
  /** Set when validation did not run because it was switched off: one line saying so. */
  skipped?: string;
}

type Json = KubeJson;
type Schema = KubeJson;

const SWAGGER_FILE = path.join('schemas', 'kubernetes-1.28-swagger.json');
const CRD_DIR = 'crds';
/** The schemas the package ships, under its root: see `tools/build-schemas.ts`. */
export const SHIPPED_SCHEMA_DIR = path.join('build', 'schemas');
/** The shipped swagger, inside {@link SHIPPED_SCHEMA_DIR}. */
export const SHIPPED_SWAGGER_FILE = 'kubernetes-1.28-swagger.json.gz';
/** The environment variable that, set to `off`, skips schema validation. */
export const SCHEMA_VALIDATION_SWITCH = 'SHIPSHAPE_SCHEMA_VALIDATION';
/** Identifies the swagger document inside ajv so CRD schemas can refer to its ObjectMeta; never fetched. */
const SWAGGER_ID = 'https://shipshape.invalid/kubernetes-1.28-swagger.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Definitions whose swagger declaration understates what the API server accepts:
 * IntOrString says `type: string, format: int-or-string`, Quantity says `type: string`, yet both
 * take JSON numbers too.
 */
const SWAGGER_OVERRIDES: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: ['integer', 'string'] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: ['string', 'number'], format: 'quantity' },
};

/** The quantity grammar, as the API server's CRD generator (controller-gen) writes it. */
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The formats the swagger and the CRDs use, each with the sentence an issue shows when it fails. */
const FORMATS: Record<string, { format: Format; message: string }> = {
  int32: { format: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 }, message: 'must be a 32-bit integer' },
  int64: { format: { type: 'number', validate: (n: number) => Number.isInteger(n) }, message: 'must be a 64-bit integer' },
  double: { format: { type: 'number', validate: () => true }, message: 'must be a number' },
  // Go's JSON decoder drops line breaks inside base64 before decoding.
  byte: { format: { type: 'string', validate: (s: string) => BASE64.test(s.replace(/[\r\n]/g, '')) }, message: 'must be base64-encoded' },
  'date-time': { format: { type: 'string', validate: RFC3339 }, message: 'must be an RFC 3339 date-time such as "2024-01-31T12:00:00Z"' },
  quantity: { format: { type: 'string', validate: QUANTITY }, message: 'must be a quantity such as "500m", "1Gi", "0.5" or "1e3"' },
  ipv4: { format: { type: 'string', validate: (s: string) => net.isIPv4(s) }, message: 'must be an IPv4 address' },
  ipv6: { format: { type: 'string', validate: (s: string) => net.isIPv6(s) }, message: 'must be an IPv6 address' },
};

/** How every validator is compiled. */
const COMPILE_SETTINGS: CompileSettings = {
  options: {
    allErrors: true,
    // The schemas carry keywords ajv does not know (x-kubernetes-*, example, ...): ignore them.
    strict: false,
    // Upstream files, checked where they come from; a meta-schema pass over 3 MB of swagger is wasted time.
    validateSchema: false,
    // The failing subschema is needed to word some messages (`not`).
    verbose: true,
    // Go regular expressions (RE2) in CRD patterns are not all valid in JavaScript's unicode mode.
    unicodeRegExp: false,
    // Compile each referenced definition once and share it between kinds (PodSpec, ObjectMeta, ...):
    // inlining would recompile them into every kind and doubles the compile time.
    inlineRefs: false,
    // ajv's optimisation pass costs more compile time than it saves in validation here.
    code: { optimize: false },
  },
  formats: Object.fromEntries(Object.entries(FORMATS).map(([name, { format }]) => [name, format])),
};

/**
 * The code that shapes what is compiled from a schema, as text: part of every validator's cache
 * key, so changing how schemas are made strict is a miss too, without a version to remember to bump.
 */
const SCHEMA_SHAPING = [strictSchema, isIntOrStringAnyOf, customResourceSchema, JSON.stringify(SWAGGER_OVERRIDES), SWAGGER_ID].map(String).join('\n');

/**
 * What a verdict depends on beyond the validator's inputs, as text: the formats' code and patterns,
 * the code that prepares an object for its validator, and Node's version (whose `net` checks IP
 * addresses). Part of the scope of every remembered pass (see `./passed-objects`), so changing any
 * of them is a miss.
 */
const VERDICT_CODE = [
  ...Object.values(FORMATS).map(({ format }) => (typeof format === 'object' && 'validate' in format ? format.validate : format)),
  QUANTITY,
  RFC3339,
  BASE64,
  withDefaults,
  withoutNulls,
  isPlainObject,
  process.versions.node,
]
  .map(String)
  .join('\n');

/** The schemas under one `shared` directory, loaded once and compiled kind by kind. */
interface Catalog {
  /** An ajv instance holding every swagger definition, made on the first validator not found in the cache. */
  readonly compiler: () => Ajv;
  /** What every validator of this catalog is compiled from, beyond its own kind: the swagger's SHA-256 and {@link SCHEMA_SHAPING}. */
  readonly schemaInputs: readonly string[];
  /** `apiVersion/kind` of each built-in kind to its swagger definition name. */
  readonly builtIn: ReadonlyMap<string, string>;
  readonly crdFiles: readonly string[];
  readonly parsedCrdFiles: Set<string>;
  /** `apiVersion/kind` to the raw `openAPIV3Schema` of each served CRD version. */
  readonly crdSchemas: Map<string, Schema>;
  /** `apiVersion/kind` of CRD versions that exist but are not served, for a clearer message. */
  readonly unservedCrdVersions: Set<string>;
  /** The validator of each `apiVersion/kind` met so far; `null` caches "no schema". */
  readonly validators: Map<string, KindValidator | null>;
}

/** A compiled kind; custom resources keep their CRD schema to fill in its defaults. */
interface Compiled {
  readonly validate: ValidateFunction;
  readonly crdSchema?: Schema;
}

/** A kind's validator, loaded or compiled only when an object needs it. */
interface KindValidator {
  /** Everything a verdict of this validator depends on besides the object, as the scope of its remembered passes. */
  readonly scope: string;
  /** The validator; null when compiling finds no schema. */
  compiled(): Compiled | null;
}

/** Catalogs by swagger file: built once per process so repeated runs only validate. */
const catalogs = new Map<string, Catalog>();

/** Where a catalog's files are: the swagger (`.json` or `.json.gz`) and a directory of CRDs (`.yaml` or `.json.gz`). */
export interface SchemaLocation {
  /** The Kubernetes swagger document. */
  readonly swaggerFile: string;
  /** The directory of CRD files. */
  readonly crdDir: string;
}

/** The root of this package: the nearest directory above this file with a `package.json` (from `lib/` and `build/lib/` alike). */
function packageRoot(): string | undefined {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return dir;
}

/**
 * The `shared` directory holding `schemas/` and `crds/`: `$SHIPSHAPE_SHARED_DIR` when set, else
 * `../shared` next to the repository root.
 */
export function defaultSharedDir(): string {
  if (process.env.SHIPSHAPE_SHARED_DIR) return path.resolve(process.env.SHIPSHAPE_SHARED_DIR);
  const root = packageRoot();
  return root ? path.resolve(root, '../shared') : path.resolve(process.cwd(), '../shared');
}

/** The schema files inside a `shared` directory. */
export function sharedSchemaLocation(sharedDir: string): SchemaLocation {
  return { swaggerFile: path.join(sharedDir, SWAGGER_FILE), crdDir: path.join(sharedDir, CRD_DIR) };
}

/** The schema files the package ships (present when it was built with `../shared` at hand). */
export function shippedSchemaLocation(): SchemaLocation {
  const dir = path.join(packageRoot() ?? process.cwd(), SHIPPED_SCHEMA_DIR);
  return { swaggerFile: path.join(dir, SHIPPED_SWAGGER_FILE), crdDir: path.join(dir, CRD_DIR) };
}

/**
 * The schemas to validate against: `$SHIPSHAPE_SHARED_DIR` when set; else the `../shared`
 * checkout next to the repository when it exists (development, always the freshest); else the
 * schemas the package ships.
 */
export function defaultSchemaLocation(): SchemaLocation {
  const shared = sharedSchemaLocation(defaultSharedDir());
  if (process.env.SHIPSHAPE_SHARED_DIR || fs.existsSync(shared.swaggerFile)) return shared;
  return shippedSchemaLocation();
}

/**
 * Validates each object strictly against its schema: the Kubernetes 1.28 definition for built-in
 * kinds, the served CRD version's `openAPIV3Schema` for custom resources. Unknown fields, wrong
 * types, bad formats and missing required fields are issues, as is an object with no
 * `apiVersion`/`kind` or one that no schema describes. CEL rules (`x-kubernetes-validations`) are
 * not evaluated.
 *
 * A missing or corrupt schema file throws a {@link ShipshapeError} naming it. With
 * `SHIPSHAPE_SCHEMA_VALIDATION=off` nothing is validated and `skipped` says so.
 */
export function validateAgainstSchemas(objects: readonly KubeJson[], options?: { sharedDir?: string; location?: SchemaLocation }): SchemaValidationResult {
  if (process.env[SCHEMA_VALIDATION_SWITCH] === 'off') {
    return { issues: [], skipped: `schema validation skipped: ${SCHEMA_VALIDATION_SWITCH}=off` };
  }
  const location = options?.location ?? (options?.sharedDir ? sharedSchemaLocation(path.resolve(options.sharedDir)) : defaultSchemaLocation());
  const key = path.resolve(location.swaggerFile);
  const catalog = catalogs.get(key) ?? loadCatalog(location);
  catalogs.set(key, catalog);

  const issues: SchemaIssue[] = [];
  const passed = PassedObjects.open('schema');
  for (const object of objects) {
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const namespace = object.metadata?.namespace;
    const base = { apiVersion, kind, name: String(object.metadata?.name ?? ''), ...(namespace ? { namespace: String(namespace) } : {}) };
    if (!apiVersion || !kind) {
      for (const field of ['apiVersion', 'kind'] as const) {
        if (object[field] === undefined) issues.push({ ...base, path: `/${field}`, message: `missing required field "${field}"` });
        else if (!base[field]) issues.push({ ...base, path: `/${field}`, message: 'must be a non-empty string' });
      }
      continue;
    }
    const validator = validatorFor(catalog, apiVersion, kind);
    // An object that passed under the same validator and code passes again, unchecked (and its
    // validator is not even loaded when every object of its kind did).
    const digest = validator && passed && objectDigest(validator.scope, object);
    if (digest && passed.has(digest)) continue;
    const compiled = validator?.compiled();
    if (!compiled) {
      const unserved = catalog.unservedCrdVersions.has(`${apiVersion}/${kind}`) ? ' (its CRD has this version but does not serve it)' : '';
      issues.push({ ...base, path: '', message: `no schema for ${apiVersion}/${kind}${unserved}` });
      continue;
    }
    // What the API server validates: a custom resource with its CRD defaults filled in, a built-in
    // object without its null fields (decoded as "not set").
    const data = compiled.crdSchema ? withDefaults(object, compiled.crdSchema) : withoutNulls(object);
    if (compiled.validate(data)) {
      if (digest) passed.add(digest);
    } else {
      for (const { path: at, message } of describeErrors(compiled.validate.errors ?? [])) issues.push({ ...base, path: at, message });
    }
  }
  passed?.save();
  // Now that the validators have run, V8's code cache of them holds what it compiled for them too.
  saveCodeCaches();
  return { issues };
}

/** What to do about a missing or corrupt schema file, after its name and the problem. */
const SCHEMA_FIX = `reinstall the package (its build/schemas/ holds the schemas), point SHIPSHAPE_SHARED_DIR at a directory with schemas/kubernetes-1.28-swagger.json and crds/, or skip the check with ${SCHEMA_VALIDATION_SWITCH}=off`;

/** A {@link ShipshapeError} about one schema file. */
function schemaFileError(file: string, problem: string): ShipshapeError {
  return new ShipshapeError([`schemas: ${shortPath(file)}: ${problem}; ${SCHEMA_FIX}`]);
}

/** The text of a schema file, gunzipped when its name ends in `.gz`. */
function readSchemaFile(file: string): string {
  if (!fs.existsSync(file)) throw schemaFileError(file, 'not found, so the strict schema check cannot run');
  try {
    const bytes = fs.readFileSync(file);
    return file.endsWith('.gz') ? zlib.gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (error) {
    throw schemaFileError(file, `cannot be read (${(error as Error).message})`);
  }
}

/**
 * Reads the swagger and lists the CRD files; throws an error naming the file that is missing or
 * corrupt. The swagger is parsed only when its kinds are not in the parse cache or a validator has
 * to be compiled.
 */
function loadCatalog(location: SchemaLocation): Catalog {
  const { swaggerFile, crdDir } = location;
  const text = readSchemaFile(swaggerFile);
  const swaggerHash = createHash('sha256').update(text).digest('hex');
  let definitions: Record<string, Schema> | undefined;
  const parsed = () => (definitions ??= swaggerDefinitions(swaggerFile, text));
  // Cached under the swagger's hash rather than its text, to hash the 3 MB only once, and under the
  // code that finds the kinds, so changing it is a miss.
  const builtIn = new Map(cachedParse('swagger-kinds', `${swaggerHash}\0${builtInKinds}`, () => builtInKinds(parsed())));
  if (!fs.existsSync(crdDir)) throw schemaFileError(crdDir, 'not found, so custom resources cannot be checked');
  let ajv: Ajv | undefined;
  const compiler = () => (ajv ??= swaggerCompiler(parsed()));

  const crdFiles = fs
    .readdirSync(crdDir)
    .filter((file) => /\.(ya?ml|json\.gz)$/.test(file))
    .sort()
    .map((file) => path.join(crdDir, file));
  return {
    compiler,
    schemaInputs: [swaggerHash, SCHEMA_SHAPING],
    builtIn,
    crdFiles,
    parsedCrdFiles: new Set(),
    crdSchemas: new Map(),
    unservedCrdVersions: new Set(),
    validators: new Map(),
  };
}

/** The `definitions` of the swagger document `text`; an error naming `file` when it has none. */
function swaggerDefinitions(file: string, text: string): Record<string, Schema> {
  let definitions: unknown;
  try {
    definitions = JSON.parse(text).definitions;
  } catch (error) {
    throw schemaFileError(file, `is corrupt (${(error as Error).message})`);
  }
  if (!isPlainObject(definitions)) throw schemaFileError(file, 'is corrupt (it has no "definitions")');
  return definitions;
}

/** `[apiVersion/kind, definition name]` of each built-in kind the swagger defines. */
function builtInKinds(definitions: Record<string, Schema>): [string, string][] {
  return Object.entries(definitions).flatMap(([name, definition]) =>
    ((definition['x-kubernetes-group-version-kind'] ?? []) as Schema[]).map((gvk): [string, string] => [
      `${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`,
      name,
    ]),
  );
}

/** An ajv instance holding every swagger definition made strict, for validators to refer to and be compiled from. */
function swaggerCompiler(definitions: Record<string, Schema>): Ajv {
  const strictDefinitions = Object.fromEntries(
    Object.entries(definitions).map(([name, definition]) => [name, SWAGGER_OVERRIDES[name] ?? strictSchema(definition)]),
  );
  // Code is kept for the validator cache only when there is one: keeping it slows compiling down.
  const ajv = createAjv(COMPILE_SETTINGS, defaultCacheDir() !== undefined);
  ajv.addSchema({ $id: SWAGGER_ID, definitions: strictDefinitions });
  return ajv;
}

/**
 * The validator for `apiVersion/kind` (loaded from the validator cache or compiled when first
 * used); undefined when no schema describes it.
 */
function validatorFor(catalog: Catalog, apiVersion: string, kind: string): KindValidator | undefined {
  const key = `${apiVersion}/${kind}`;
  let validator = catalog.validators.get(key);
  if (validator === undefined) {
    validator = kindValidator(catalog, apiVersion, kind, key);
    catalog.validators.set(key, validator);
  }
  return validator ?? undefined;
}

/** The validator of a built-in kind (from its swagger definition) or of a custom resource (from its CRD's `openAPIV3Schema`); null when neither describes it. */
function kindValidator(catalog: Catalog, apiVersion: string, kind: string, key: string): KindValidator | null {
  const definition = catalog.builtIn.get(key);
  if (definition) {
    return lazyValidator([...catalog.schemaInputs, key, definition], undefined, () => {
      const ajv = catalog.compiler();
      const fresh = ajv.getSchema(`${SWAGGER_ID}#/definitions/${definition}`);
      return fresh && { ajv, validate: fresh };
    });
  }
  const openAPIV3Schema = crdSchema(catalog, apiVersion, kind, key);
  if (!openAPIV3Schema) return null;
  const schema = customResourceSchema(openAPIV3Schema);
  return lazyValidator([...catalog.schemaInputs, key, JSON.stringify(schema)], openAPIV3Schema, () => {
    const ajv = catalog.compiler();
    return { ajv, validate: ajv.compile(schema) };
  });
}

/** A validator made from `inputs` by `compile` (through the validator cache) when first asked for. */
function lazyValidator(inputs: readonly string[], crdSchema: Schema | undefined, compile: () => FreshValidator | undefined): KindValidator {
  let compiled: Compiled | null | undefined;
  return {
    // Hashed once here, so each object's digest hashes 64 characters of scope, not the code.
    scope: createHash('sha256').update(validatorCacheKey(COMPILE_SETTINGS, inputs)).update('\0').update(VERDICT_CODE).digest('hex'),
    compiled: () => {
      if (compiled === undefined) {
        const validate = cachedValidator(COMPILE_SETTINGS, inputs, compile);
        compiled = validate ? { validate, ...(crdSchema ? { crdSchema } : {}) } : null;
      }
      return compiled;
    },
  };
}

/**
 * The raw CRD schema for `key`. CRD files are named `<group>_<plural>.yaml`, so the file named
 * after the kind is parsed first, then the rest of its group, then everything else, stopping as
 * soon as the kind is found: YAML parsing of the big CRDs is the slow part of loading.
 */
function crdSchema(catalog: Catalog, apiVersion: string, kind: string, key: string): Schema | undefined {
  const group = apiVersion.slice(0, Math.max(apiVersion.indexOf('/'), 0));
  const likelihood = (file: string) => {
    const name = path.basename(file).toLowerCase();
    return name.startsWith(`${group}_${kind.toLowerCase()}`) ? 0 : name.startsWith(`${group}_`) ? 1 : 2;
  };
  for (const file of [...catalog.crdFiles].sort((a, b) => likelihood(a) - likelihood(b))) {
    if (catalog.crdSchemas.has(key)) break;
    parseCrdFile(catalog, file);
  }
  return catalog.crdSchemas.get(key);
}

/**
 * Records the schema of every version of every CRD in `file`; a file is parsed once per process,
 * and its parsed form is cached on disk by content (see {@link cachedParse}).
 */
function parseCrdFile(catalog: Catalog, file: string): void {
  if (catalog.parsedCrdFiles.has(file)) return;
  catalog.parsedCrdFiles.add(file);
  const text = readSchemaFile(file);
  const { documents, error } = file.endsWith('.json.gz') ? parseJsonDocuments(text) : cachedParse('crd', text, parseYamlDocuments);
  for (const crd of documents) {
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.group || !crd.spec.names?.kind) continue;
    for (const version of crd.spec.versions ?? []) {
      const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      if (version.served === false) catalog.unservedCrdVersions.add(key);
      else if (version.schema?.openAPIV3Schema) catalog.crdSchemas.set(key, version.schema.openAPIV3Schema);
    }
  }
  if (error) throw schemaFileError(file, `is corrupt (${error})`);
}

/** The documents of a shipped CRD file: a JSON array of CRDs. */
function parseJsonDocuments(text: string): { documents: Json[]; error?: string } {
  try {
    const documents: unknown = JSON.parse(text);
    return Array.isArray(documents) ? { documents } : { documents: [], error: 'not a list of CRDs' };
  } catch (error) {
    return { documents: [], error: (error as Error).message };
  }
}

/** The documents of a YAML stream as plain values, up to the first one with an error, and that error. */
function parseYamlDocuments(text: string): { documents: Json[]; error?: string } {
  const documents: Json[] = [];
  for (const document of loadYaml().parseAllDocuments(text)) {
    if (document.errors.length > 0) return { documents, error: document.errors[0].message };
    documents.push(document.toJS());
  }
  return { documents };
}

/** The `yaml` package, loaded on a parse-cache miss only: a synth whose CRDs are all cached never pays the ~35 ms of loading it. */
function loadYaml(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose, see above
  return require('yaml');
}

/**
 * A CRD's `openAPIV3Schema` made strict, with `metadata` also checked against ObjectMeta as the
 * API server does (CRDs only declare it as `type: object`).
 */
function customResourceSchema(openAPIV3Schema: Schema): Schema {
  const schema = strictSchema(openAPIV3Schema);
  const metadata = { $ref: `${SWAGGER_ID}#/definitions/${OBJECT_META}` };
  return {
    ...schema,
    properties: { ...schema.properties, metadata: schema.properties?.metadata ? { allOf: [schema.properties.metadata, metadata] } : metadata },
  };
}

/**
 * A copy of a structural schema that rejects unknown fields: `additionalProperties: false` on every
 * object schema with `properties`, unless it sets `additionalProperties` itself or preserves
 * unknown fields. Only the structural part (properties, items, additionalProperties) is rewritten:
 * the branches of `anyOf`/`oneOf`/`allOf`/`not` only restate fields declared around them, so making
 * them strict would reject valid objects.
 */
function strictSchema(node: Schema): Schema {
  const out: Schema = { ...node };
  // Prose only: validating never reads it, yet ajv's verbose errors embed the schemas in the cached
  // validators' code, which every synth loads; without it the code is about a sixth smaller.
  delete out.description;
  if (out['x-kubernetes-int-or-string'] === true && out.type === undefined) {
    out.type = ['integer', 'string'];
    // The anyOf CRD generators add says the same as `type` with noisier errors.
    if (isIntOrStringAnyOf(out.anyOf)) delete out.anyOf;
  }
  // ajv refuses `nullable` without `type`; an untyped schema accepts null anyway.
  if (out.nullable !== undefined && out.type === undefined) delete out.nullable;
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([name, property]) => [name, strictSchema(property)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (isPlainObject(out.items)) out.items = strictSchema(out.items);
  if (isPlainObject(out.additionalProperties)) out.additionalProperties = strictSchema(out.additionalProperties);
  return out;
}

/** A JSON object: a schema node, or an object value. */
function isPlainObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `anyOf` is just `[{type: integer}, {type: string}]`. */
function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return (
    Array.isArray(anyOf) &&
    anyOf.length === 2 &&
    anyOf.every((branch) => isPlainObject(branch) && Object.keys(branch).length === 1) &&
    anyOf.map((branch) => branch.type).join() === 'integer,string'
  );
}

/**
 * `value` with the defaults of `schema` filled in where a field is missing, recursively and into
 * the defaults themselves, as the API server defaults a custom resource before validating it (ajv's
 * own defaulting runs after `oneOf`, too late for schemas that branch on a defaulted field).
 * Copied only where a default is added.
 */
function withDefaults<T>(value: T, schema: Schema): T {
  if (Array.isArray(value)) {
    if (!isPlainObject(schema.items)) return value;
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const defaulted = withDefaults(item, schema.items);
      if (defaulted !== item) (copy ??= value.slice())[i] = defaulted;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Json | undefined;
  const fieldSchemas: [string, Schema][] = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
  if (isPlainObject(schema.additionalProperties)) {
    for (const name of Object.keys(value)) if (!schema.properties?.[name]) fieldSchemas.push([name, schema.additionalProperties]);
  }
  for (const [name, fieldSchema] of fieldSchemas) {
    const field = value[name];
    const defaulted =
      field === undefined && fieldSchema.default !== undefined
        ? withDefaults(structuredClone(fieldSchema.default), fieldSchema)
        : withDefaults(field, fieldSchema);
    if (defaulted !== field) (copy ??= { ...value })[name] = defaulted;
  }
  return (copy ?? value) as T;
}

/** `value` without null-valued object fields (copied only where one is dropped). Nulls in arrays stay: they are errors. */
function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const stripped = withoutNulls(item);
      if (stripped !== item) (copy ??= value.slice())[i] = stripped;
    });
    return (copy ?? value) as T;
  }
  if (isPlainObject(value)) {
    let copy: Json | undefined;
    for (const [key, field] of Object.entries(value)) {
      if (field === null) {
        copy ??= { ...value };
        delete copy[key];
      } else {
        const stripped = withoutNulls(field);
        if (stripped !== field) (copy ??= { ...value })[key] = stripped;
      }
    }
    return (copy ?? value) as T;
  }
  return value;
}

/** A message and the JSON pointer it is about. */
interface Located {
  path: string;
  message: string;
}

/**
 * ajv's errors as one line per location. The errors of the branches of a failed `anyOf`/`oneOf`
 * fold into the line for the combinator (`must be integer or string`), and different complaints
 * about the same location join into one line.
 */
function describeErrors(errors: readonly ErrorObject[]): Located[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  // The innermost combinator around an error is the one with the longest schema path prefixing it.
  const parentOf = (error: ErrorObject): ErrorObject | undefined =>
    combinators
      .filter((c) => c !== error && error.schemaPath.startsWith(`${c.schemaPath}/`) && error.instancePath.startsWith(c.instancePath))
      .sort((a, b) => b.schemaPath.length - a.schemaPath.length)[0];
  const children = new Map<ErrorObject, ErrorObject[]>();
  const roots: ErrorObject[] = [];
  for (const error of errors) {
    const parent = parentOf(error);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), error]);
    else roots.push(error);
  }

  const describe = (error: ErrorObject): Located =>
    combinators.includes(error)
      ? describeCombinator(
          error,
          (children.get(error) ?? []).map((kid) => ({ error: kid, ...describe(kid) })),
        )
      : describeError(error);

  const byPath = new Map<string, string[]>();
  for (const { path: at, message } of roots.map(describe)) {
    const messages = byPath.get(at) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byPath.set(at, messages);
  }
  return [...byPath].map(([at, messages]) => ({ path: at, message: messages.join('; ') }));
}

/** One failed `anyOf`/`oneOf` in one line, from the lines of its branches' errors. */
function describeCombinator(combinator: ErrorObject, branches: (Located & { error: ErrorObject })[]): Located {
  const at = combinator.instancePath;
  if (combinator.keyword === 'oneOf' && Array.isArray(combinator.params.passingSchemas)) {
    return { path: at, message: `must match exactly one of the allowed forms, but matches ${combinator.params.passingSchemas.length}` };
  }
  if (branches.length === 0) return { path: at, message: combinator.message ?? `fails "${combinator.keyword}"` };
  // Alternatives for the value itself read as one sentence: "must be integer or string".
  if (branches.every((b) => b.path === at && b.message.startsWith('must be '))) {
    return { path: at, message: `must be ${unique(branches.map((b) => b.message.slice('must be '.length))).join(' or ')}` };
  }
  // Otherwise one clause per branch, each naming the fields it is about relative to the value.
  const branchOf = (error: ErrorObject) => error.schemaPath.slice(combinator.schemaPath.length + 1).split('/')[0];
  const clauses = new Map<string, string[]>();
  for (const b of branches) {
    const relative = b.path.slice(at.length);
    const clause = clauses.get(branchOf(b.error)) ?? [];
    clause.push(relative ? `${relative}: ${b.message}` : b.message);
    clauses.set(branchOf(b.error), clause);
  }
  return { path: at, message: `must match one of the allowed forms: ${unique([...clauses.values()].map((c) => unique(c).join(' and '))).join(', or ')}` };
}

/** One ajv error as a located sentence; unknown and missing fields are located at the field itself. */
function describeError(error: ErrorObject): Located {
  const at = error.instancePath;
  const params = error.params as KubeJson;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: `${at}/${pointerToken(params.additionalProperty)}`, message: `unknown field "${params.additionalProperty}"` };
    case 'required':
      return { path: `${at}/${pointerToken(params.missingProperty)}`, message: `missing required field "${params.missingProperty}"` };
    case 'type':
      return {
        path: at,
        message: `must be ${unique(
          String(params.type)
            .split(',')
            .filter((t) => t !== 'null'),
        ).join(' or ')}`,
      };
    case 'format':
      return { path: at, message: FORMATS[params.format]?.message ?? `must be in format "${params.format}"` };
    case 'enum':
      return { path: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'not': {
      const excluded = (error.schema as Schema | undefined)?.enum;
      return {
        path: at,
        message: Array.isArray(excluded) ? `must not be ${excluded.map((v) => JSON.stringify(v)).join(' or ')}` : 'must not match the excluded form',
      };
    }
    default:
      return { path: at, message: error.message ?? `fails "${error.keyword}"` };
  }
}

/** A property name as a JSON pointer token (RFC 6901). */
function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `values` without repeats, in first-seen order. */
function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** `file` relative to the working directory when that is shorter, for one-line messages. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && relative.length < file.length ? relative : file;
}
