import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { systems } from '../estate';
import { describeObject, type KubeJson } from '../lib/checks/objects';
import { ShipshapeError } from '../lib/core/issues';
import { renderEstate } from '../lib/estate';
import { compareCodePoints as compare } from '../lib/output/output';

/** One field that differs inside an object present on both sides. */
export interface FieldChange {
  /**
   * Where, e.g. `spec.template.spec.containers[backend].image`: list items that have a `name` are
   * keyed by it, others by index; keys that are not plain identifiers are quoted (`labels["app.kubernetes.io/name"]`).
   */
  readonly path: string;
  /** The committed value; absent when the field is new. */
  readonly before?: unknown;
  /** The working tree's value; absent when the field was removed. */
  readonly after?: unknown;
}

/** One object that differs between the two sides. */
export interface ObjectChange {
  /** Only in `after`, only in `before`, or in both with different content. */
  readonly kind: 'added' | 'removed' | 'changed';
  /** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object, e.g. `Deployment/doc-router-prod/backend`. */
  readonly id: string;
  /** For `changed`: every differing field, in document order. */
  readonly fields?: readonly FieldChange[];
}

/**
 * The object-level changes from `before` to `after`, sorted by id. Objects are matched by API group,
 * kind, namespace and name, so moving an object to another API version shows as a changed
 * `apiVersion`, not as a removal and an addition.
 */
export function diffObjects(before: readonly KubeJson[], after: readonly KubeJson[]): ObjectChange[] {
  const previous = byIdentity(before);
  const next = byIdentity(after);
  const changes: { key: string; change: ObjectChange }[] = [];
  for (const [key, object] of next) {
    const old = previous.get(key);
    if (old === undefined) {
      changes.push({ key, change: { kind: 'added', id: describeObject(object) } });
      continue;
    }
    const fields: FieldChange[] = [];
    diffValue(old, object, '', fields);
    if (fields.length) changes.push({ key, change: { kind: 'changed', id: describeObject(object), fields } });
  }
  for (const [key, object] of previous) if (!next.has(key)) changes.push({ key, change: { kind: 'removed', id: describeObject(object) } });
  // Two objects of one kind and name in different API groups share an id: the key breaks the tie.
  return changes.sort((a, b) => compare(a.change.id, b.change.id) || compare(a.key, b.key)).map((c) => c.change);
}

/**
 * The readable report: a heading per environment (sorted) listing `+` added, `-` removed and `~`
 * changed objects, each change followed by its `path: before → after` lines, then a one-line
 * summary such as `dev: 1 added, 0 removed, 2 changed; prod: 0 added, 0 removed, 0 changed`.
 */
export function formatChanges(byEnvironment: ReadonlyMap<string, readonly ObjectChange[]>): string {
  const environments = [...byEnvironment.keys()].sort(compare);
  if (environments.length === 0) return 'no changes';
  const sections = environments.map((env) => {
    const changes = byEnvironment.get(env)!;
    return [`=== ${env} ===`, ...(changes.length ? changes.flatMap(formatChange) : ['  no changes'])].join('\n');
  });
  const summary = environments.map((env) => {
    const changes = byEnvironment.get(env)!;
    const counted = (kind: ObjectChange['kind']) => `${changes.filter((c) => c.kind === kind).length} ${kind}`;
    return `${env}: ${counted('added')}, ${counted('removed')}, ${counted('changed')}`;
  });
  return [...sections, summary.join('; ')].join('\n\n');
}

/**
 * The CLI: renders the working tree's estate in memory, reads `dist/` as committed at HEAD, and
 * prints what would change per environment. Differences never fail it: it is a review aid, not a gate.
 */
export function main(): void {
  const root = path.resolve(__dirname, '..');
  let rendered;
  try {
    rendered = renderEstate(systems);
  } catch (error) {
    if (!(error instanceof ShipshapeError)) throw error;
    console.error(`shipshape diff: the definitions do not render, so there is nothing to compare (${error.problems.length} problem(s)):`);
    for (const problem of error.problems) console.error(`  ✗ ${problem}`);
    process.exitCode = 1;
    return;
  }
  // Both sides go through the same YAML parse, so only what a commit of dist/ would change shows.
  const before = objectsByEnvironment(committedDist(root));
  const after = objectsByEnvironment(rendered.files);
  const environments = new Set([...before.keys(), ...after.keys()]);
  const byEnvironment = new Map([...environments].map((env) => [env, diffObjects(before.get(env) ?? [], after.get(env) ?? [])]));
  console.log(`dist/ at HEAD → the working tree's definitions\n\n${formatChanges(byEnvironment)}`);
}

/** `dist/` as committed at HEAD, paths relative to it; empty when HEAD has no `dist/`. */
function committedDist(root: string): Map<string, string> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const files = new Map<string, string>();
  for (const file of git('ls-tree', '-r', '-z', '--name-only', 'HEAD', 'dist/').split('\0').filter(Boolean)) {
    files.set(file.slice('dist/'.length), git('show', `HEAD:${file}`));
  }
  return files;
}

/** The objects of `<env>/**.yaml` files by environment; kustomizations are file lists, not cluster objects. */
function objectsByEnvironment(files: ReadonlyMap<string, string>): Map<string, KubeJson[]> {
  const environments = new Map<string, KubeJson[]>();
  for (const [file, content] of files) {
    const [env, ...rest] = file.split('/');
    if (rest.length === 0) continue;
    const objects = environments.get(env) ?? [];
    environments.set(env, objects);
    if (!file.endsWith('.yaml') || path.posix.basename(file) === 'kustomization.yaml') continue;
    for (const doc of parseAllDocuments(content)) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      const object: unknown = doc.toJSON();
      if (isRecord(object)) objects.push(object);
    }
  }
  return environments;
}

/** Objects by API group, kind, namespace and name. */
function byIdentity(objects: readonly KubeJson[]): Map<string, KubeJson> {
  const group = (apiVersion: unknown) => (String(apiVersion).includes('/') ? String(apiVersion).split('/')[0] : '');
  return new Map(objects.map((o) => [[group(o.apiVersion), o.kind, o.metadata?.namespace ?? '', o.metadata?.name].join('|'), o]));
}

/** Appends to `out` every difference between two values, as deep as both sides have the same shape. */
function diffValue(before: unknown, after: unknown, at: string, out: FieldChange[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (Array.isArray(before) && Array.isArray(after)) return diffList(before, after, at, out);
  if (isRecord(before) && isRecord(after)) {
    for (const key of documentOrder(Object.keys(before), Object.keys(after))) {
      diffValue(ownValue(before, key), ownValue(after, key), childPath(at, key), out);
    }
    return;
  }
  out.push({ path: at, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) });
}

/**
 * Lists of named items (containers, env, ports, volumes) are compared by name, so inserting one
 * does not show every later item as changed; other lists, and lists whose common names were
 * reordered (the order can matter, as for `$(VAR)` in env), are compared by index.
 */
function diffList(before: readonly unknown[], after: readonly unknown[], at: string, out: FieldChange[]): void {
  const previous = byName(before);
  const next = byName(after);
  if (previous && next) {
    const kept = [...previous.keys()].filter((name) => next.has(name));
    if (
      isDeepStrictEqual(
        kept,
        [...next.keys()].filter((name) => previous.has(name)),
      )
    ) {
      for (const name of documentOrder([...previous.keys()], [...next.keys()])) diffValue(previous.get(name), next.get(name), `${at}[${name}]`, out);
      return;
    }
  }
  for (let i = 0; i < Math.max(before.length, after.length); i++) diffValue(before[i], after[i], `${at}[${i}]`, out);
}

/** The items by their `name`, or undefined unless every item has a distinct string `name`. */
function byName(list: readonly unknown[]): Map<string, unknown> | undefined {
  const items = new Map<string, unknown>();
  for (const item of list) {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string' || items.has(name)) return undefined;
    items.set(name, item);
  }
  return items;
}

/** `after`'s keys in order, each key only in `before` inserted after the key that preceded it there. */
function documentOrder(before: readonly string[], after: readonly string[]): string[] {
  const order = [...after];
  let previous = -1;
  for (const key of before) {
    const at = order.indexOf(key);
    if (at === -1) order.splice(++previous, 0, key);
    else previous = at;
  }
  return order;
}

function childPath(at: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${at}[${JSON.stringify(key)}]`;
  return at ? `${at}.${key}` : key;
}

/** `record[key]` without reaching into the prototype (a field named `constructor`). */
function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatChange(change: ObjectChange): string[] {
  const mark = { added: '+', removed: '-', changed: '~' }[change.kind];
  return [`  ${mark} ${change.id}`, ...(change.fields ?? []).map((f) => `      ${f.path}: ${formatValue(f.before)} → ${formatValue(f.after)}`)];
}

const MAX_VALUE_LENGTH = 80;

/** JSON, cut to one readable line: a whole new container or config file is reported, not printed. */
function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const json = JSON.stringify(value);
  return json.length > MAX_VALUE_LENGTH ? `${json.slice(0, MAX_VALUE_LENGTH - 1)}…` : json;
}

if (require.main === module) main();
