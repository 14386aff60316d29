import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { KubeObject } from '../output/output';
import { parseQuantity } from '../core/quantity';

/**
 * Fields the API server refuses to change on an existing object. A new output that changes one
 * under the same name cannot be applied over the previous one: `kubectl apply` fails, Flux fails
 * (or, with `force`, deletes and re-creates the object: a Job runs again).
 */
const IMMUTABLE: Record<string, readonly string[]> = {
  Job: ['spec.template', 'spec.selector', 'spec.completionMode'],
  Deployment: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.serviceName', 'spec.podManagementPolicy', 'spec.volumeClaimTemplates'],
  PersistentVolumeClaim: ['spec.accessModes', 'spec.volumeMode', 'spec.storageClassName'],
};

const FIX: Record<string, string> = {
  Job: 'set revision: <next> on the MigrationJob (or release a new image), so the change runs as a new Job under a new name',
  'StatefulSet spec.volumeClaimTemplates':
    "a StatefulSet's per-replica claims are fixed when it is created. To grow them, resize each PersistentVolumeClaim <volume>-<name>-<ordinal> (where its storage class allows expansion), then delete the StatefulSet with `kubectl delete statefulset <name> --cascade=orphan` (its pods and claims stay) and apply the new one; to change anything else, give the volume a new name and move the data",
  'StatefulSet spec.podManagementPolicy':
    'keep the policy, or delete the StatefulSet with `kubectl delete statefulset <name> --cascade=orphan` (its pods and claims stay) and apply the new one, which adopts them',
  PersistentVolumeClaim: 'a claim cannot change its access modes or class: give the volume a new name (a new claim), and move the data',
  default: 'keep the construct id and system name (selectors follow them), or delete the old object before the new release',
};

/** The objects of the previous output that the checks against it read. */
export interface PreviousOutput {
  /** The objects, by environment (the first path segment under the output directory). */
  readonly objects: Map<string, KubeObject[]>;
  /** The system whose directory (the second path segment) held each object. */
  readonly systemOf: ReadonlyMap<KubeObject, string>;
}

/**
 * Every object of the previous output under `outdir` of a kind the checks against it compare. A
 * re-synth reads the whole previous output (2.3 MB for 500 services), so only the documents of
 * those kinds are parsed: a document whose top-level `kind:` line names another kind is skipped
 * unread, and the rest are read with js-yaml (the output's own emitter, see `lib/output/yaml.ts`).
 * For 500 services that is about 50 ms, where parsing every document with the `yaml` package took 2 s.
 *
 * With `next` (the new output: file path under `outdir`, with `/`, to its text), a file whose text
 * is the same in `next` is not parsed at all: its objects are the same in both outputs, so neither
 * an immutable field nor a claim can have changed or gone in it. A re-synth that changes nothing
 * then parses nothing.
 */
export function readPreviousOutput(outdir: string, next?: ReadonlyMap<string, string>): PreviousOutput {
  const byEnv = new Map<string, KubeObject[]>();
  const systemOf = new Map<KubeObject, string>();
  if (!fs.existsSync(outdir) || !fs.statSync(outdir).isDirectory()) return { objects: byEnv, systemOf };
  const walk = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.yaml') ? [path.join(dir, d.name)] : []));
  for (const file of walk(outdir)) {
    const relative = path.relative(outdir, file).split(path.sep);
    const text = fs.readFileSync(file, 'utf8');
    if (next?.get(relative.join('/')) === text) continue;
    const [env, system] = relative;
    const objects = comparedDocuments(text);
    for (const object of objects) systemOf.set(object, system);
    const envObjects = byEnv.get(env) ?? [];
    envObjects.push(...objects);
    byEnv.set(env, envObjects);
  }
  return { objects: byEnv, systemOf };
}

/** A document's top-level `kind: X` line, as a block mapping at column 0 writes it. */
const KIND_LINE = /^kind:[ \t]*(.*?)[ \t]*$/m;
const PLAIN_KIND = /^(["']?)([A-Za-z][A-Za-z0-9]*)\1$/;

/**
 * The objects of a YAML stream whose kind {@link IMMUTABLE} lists. A document is parsed unless its
 * `kind:` line plainly names another kind; one that cannot be parsed is left out, as one that is
 * not an object is.
 */
function comparedDocuments(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  // A line `---` at column 0 starts a document (in a block scalar, content lines are indented).
  for (const document of text.split(/^---[ \t]*$/m)) {
    const kind = PLAIN_KIND.exec(KIND_LINE.exec(document)?.[1] ?? '')?.[2];
    if (kind !== undefined && !(kind in IMMUTABLE)) continue;
    let object: unknown;
    try {
      object = load(document, { schema: CORE_SCHEMA });
    } catch {
      continue;
    }
    if (isComparedObject(object)) objects.push(object);
  }
  return objects;
}

function isComparedObject(object: unknown): object is KubeObject {
  const o = object as KubeObject | null;
  return Boolean(o && typeof o === 'object' && typeof o.kind === 'string' && Object.hasOwn(IMMUTABLE, o.kind) && o.metadata?.name);
}

function at(object: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, key) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), object);
}

/**
 * The changes from `previous` to `next` that an API server would refuse: per environment, objects
 * of the same kind, namespace and name whose immutable fields differ. A claim may gain a class it
 * did not have (Kubernetes 1.28 assigns one retroactively) and may grow, but not shrink.
 */
export function immutableFieldChanges(
  previous: ReadonlyMap<string, readonly KubeObject[]>,
  next: ReadonlyMap<string, readonly KubeObject[]>,
  outdir: string,
): string[] {
  const problems: string[] = [];
  for (const [env, objects] of next) {
    const before = new Map((previous.get(env) ?? []).map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
    for (const object of objects) {
      const fields = IMMUTABLE[object.kind];
      const old = fields && before.get(`${object.kind}/${object.metadata.namespace}/${object.metadata.name}`);
      if (!old) continue;
      for (const field of fields) {
        const was = at(old, field);
        const now = at(object, field);
        if (object.kind === 'PersistentVolumeClaim' && field === 'spec.storageClassName' && was === undefined) continue;
        if (JSON.stringify(was) === JSON.stringify(now)) continue;
        const system = object.metadata.labels?.['app.kubernetes.io/part-of'] ?? object.metadata.namespace;
        const revision = Number(/-r(\d+)$/.exec(object.metadata.name)?.[1] ?? 1) + 1;
        const fix = (FIX[`${object.kind} ${field}`] ?? FIX[object.kind] ?? FIX.default)
          .replace('<next>', String(revision))
          .replaceAll('<name>', object.metadata.name);
        problems.push(
          `${env}/${system}: ${object.kind} ${object.metadata.name}: ${field} differs from the one in ${outdir}/${env}, and Kubernetes refuses to change it on an existing object. Fix: ${fix}`,
        );
        break;
      }
      if (object.kind === 'PersistentVolumeClaim') {
        const size = (o: KubeObject) => String(at(o, 'spec.resources.requests.storage') ?? '');
        if (size(old) && size(object) && parseQuantity(size(object)) < parseQuantity(size(old))) {
          problems.push(
            `${env}/${object.metadata.namespace}: PersistentVolumeClaim ${object.metadata.name}: spec.resources.requests.storage shrinks from ${size(old)} to ${size(object)}; a claim can only grow. Fix: keep ${size(old)} or more`,
          );
        }
      }
    }
  }
  return problems;
}
