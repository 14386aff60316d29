import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { CheckIssue, KubeJson, describeObject } from './objects';

/**
 * Strict schema validation, as `kubeconform -strict` does it: built-in objects against the
 * Kubernetes 1.28 OpenAPI definitions, custom resources against their CRDs' `openAPIV3Schema`,
 * unknown fields rejected. The schema files are read from `../shared` at run time, never copied.
 */

/** The result of validating a set of objects. */
export interface SchemaValidation {
  /** Every schema violation. */
  readonly issues: CheckIssue[];
  /** One line saying why validation did not run, when the schema files are absent. */
  readonly skipped?: string;
}

type Schema = Record<string, any>;

const QUANTITY_PATTERN = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$';
const INT_OR_STRING: Schema = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
const QUANTITY: Schema = { anyOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }] };

/** The directory holding `schemas/` and `crds/`: `SHIPSHAPE_SHARED_DIR`, else `../shared` beside the package root. */
export function defaultSharedDir(): string {
  if (process.env.SHIPSHAPE_SHARED_DIR) return process.env.SHIPSHAPE_SHARED_DIR;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.resolve(dir, '..', 'shared');
}

/**
 * Makes a schema strict the way the API server is: an object schema that lists its properties
 * rejects others, unless it preserves unknown fields. Int-or-string and quantity become what the
 * API server accepts.
 */
function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Schema;
  if (s['x-kubernetes-int-or-string'] === true || s.format === 'int-or-string') return INT_OR_STRING;
  const out: Schema = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'description' || key === 'x-kubernetes-validations') continue;
    out[key] = key === 'properties' || key === 'definitions' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strictify(v)])) : strictify(value);
  }
  if (out.properties && out.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  // OpenAPI v3 `nullable` has no JSON-Schema meaning; a null value is accepted where it is set.
  if (s.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

interface Registry {
  readonly ajv: Ajv;
  readonly kinds: Map<string, string>;
  readonly validators: Map<string, ValidateFunction>;
}

const registries = new Map<string, Registry | string>();

/** Loads and prepares the schemas once per process and shared directory; a string says why it could not. */
function registry(sharedDir: string): Registry | string {
  const cached = registries.get(sharedDir);
  if (cached) return cached;
  const swaggerFile = path.join(sharedDir, 'schemas', 'kubernetes-1.28-swagger.json');
  const crdDir = path.join(sharedDir, 'crds');
  if (!fs.existsSync(swaggerFile) || !fs.existsSync(crdDir)) {
    const reason = `schema validation skipped: ${swaggerFile} or ${crdDir} not found (set SHIPSHAPE_SHARED_DIR to the directory holding schemas/ and crds/)`;
    registries.set(sharedDir, reason);
    return reason;
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const kinds = new Map<string, string>();
  const swagger = JSON.parse(fs.readFileSync(swaggerFile, 'utf8')) as { definitions: Record<string, Schema> };
  const definitions = strictify(swagger.definitions) as Record<string, Schema>;
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = INT_OR_STRING;
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = QUANTITY;
  ajv.addSchema({ $id: 'k8s', definitions }, 'k8s');
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      kinds.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, `k8s#/definitions/${name}`);
    }
  }
  for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
      const crd = doc.toJSON() as Schema | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions ?? []) {
        const id = `crd/${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
        const schema = strictify(version.schema?.openAPIV3Schema ?? {}) as Schema;
        ajv.addSchema({ ...schema, $id: id }, id);
        kinds.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, id);
      }
    }
  }
  const built: Registry = { ajv, kinds, validators: new Map() };
  registries.set(sharedDir, built);
  return built;
}

function validatorFor(reg: Registry, apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  const ref = reg.kinds.get(key);
  if (!ref) return undefined;
  let validate = reg.validators.get(key);
  if (!validate) {
    validate = reg.ajv.compile({ $ref: ref });
    reg.validators.set(key, validate);
  }
  return validate;
}

/** One readable line per location: ajv reports every failed branch of an anyOf, which says nothing more. */
function describeErrors(errors: readonly ErrorObject[]): { field: string; message: string }[] {
  const byPath = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === '$ref') continue;
    let field = error.instancePath || '/';
    let message = error.message ?? error.keyword;
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      field = `${error.instancePath}/${extra}`;
      message = `unknown field "${extra}"`;
    } else if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      field = `${error.instancePath}/${missing}`;
      message = `required field "${missing}" is missing`;
    }
    const list = byPath.get(field) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(field, list);
  }
  return [...byPath].map(([field, messages]) => ({ field, message: messages.join(' or ') }));
}

/** Validates objects strictly against the Kubernetes 1.28 OpenAPI and the CRD schemas. */
export function validateSchemas(objects: readonly KubeJson[], sharedDir: string = defaultSharedDir()): SchemaValidation {
  const reg = registry(sharedDir);
  if (typeof reg === 'string') return { issues: [], skipped: reg };
  const issues: CheckIssue[] = [];
  for (const object of objects) {
    const validate = validatorFor(reg, String(object.apiVersion), String(object.kind));
    if (!validate) {
      issues.push({ check: 'schema', object: describeObject(object), field: 'apiVersion', message: `no schema for ${object.apiVersion} ${object.kind} in Kubernetes 1.28 or the CRDs`, fix: 'use a served API version' });
      continue;
    }
    if (validate(object)) continue;
    for (const { field, message } of describeErrors(validate.errors ?? [])) {
      issues.push({ check: 'schema', object: describeObject(object), field, message });
    }
  }
  return { issues };
}
