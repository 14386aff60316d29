import { Construct, IConstruct } from 'constructs';
import type { z } from 'zod';
import { zodIssueMessage } from './zod-messages';

/**
 * A problem found in a definition: the field it is in, what is wrong and how to fix it.
 */
export interface Issue {
  /** Dotted path of the offending field, relative to the construct's props (e.g. `resources.requests.memory`). */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it, when the message alone does not say. */
  readonly fix?: string;
  /**
   * The findings of the checks over the rendered objects that report this same mistake on the
   * construct's objects: they are dropped, so the mistake is reported once, here.
   */
  readonly covers?: readonly CoveredFinding[];
}

/** Findings of one check (`policy`, `secrets`, …) at matching field paths of the construct's objects. */
export interface CoveredFinding {
  /** The check's name, as in its findings. */
  readonly check: string;
  /** Matches the field paths covered (`spec.replicas`, `data.API_KEY`). */
  readonly field: RegExp;
}

const COVERS_METADATA = 'shipshape:covers';

const WARNING_METADATA = 'shipshape:warning';

/** Renders a path such as `['env', 'API_KEY']` or `['volumes', 0, 'claim']` as `env.API_KEY` / `volumes[0].claim`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(props)' : out;
}

/** One line: `WebApp "frontend": port: expected a number. Fix: …`. */
export function formatIssue(kind: string, name: string, issue: Issue): string {
  const fix = issue.fix ? ` Fix: ${issue.fix}` : '';
  return `${kind} "${name}": ${issue.field}: ${issue.message}${fix}`;
}

/**
 * Records errors on a construct. They surface, all at once, when the app is validated
 * (cdk8s `App.synth()` or shipshape's own synthesis), so one bad field never hides another.
 */
export function reportErrors(scope: IConstruct, kind: string, issues: readonly Issue[]): void {
  if (issues.length === 0) return;
  const lines = issues.map((issue) => formatIssue(kind, scope.node.id, issue));
  scope.node.addValidation({ validate: () => lines });
  for (const covered of issues.flatMap((issue) => issue.covers ?? [])) scope.node.addMetadata(COVERS_METADATA, covered);
}

/**
 * Whether a finding of `check` at `field` of an object made by the construct at `path` reports a
 * mistake a construct under `root` has reported already (see {@link Issue.covers}).
 */
export function coveredFindings(root: IConstruct): (path: string | undefined, check: string, field: string) => boolean {
  const byPath = new Map<string, CoveredFinding[]>();
  for (const c of root.node.findAll()) {
    const covers = c.node.metadata.filter((entry) => entry.type === COVERS_METADATA).map((entry) => entry.data as CoveredFinding);
    if (covers.length) byPath.set(c.node.path, covers);
  }
  return (path, check, field) => path !== undefined && (byPath.get(path) ?? []).some((covered) => covered.check === check && covered.field.test(field));
}

/** Adds a check that runs when the app is validated, after every construct has been defined. */
export function addDeferredCheck(scope: IConstruct, kind: string, check: () => Issue[]): void {
  scope.node.addValidation({ validate: () => check().map((issue) => formatIssue(kind, scope.node.id, issue)) });
}

/**
 * The stable code of each warning a construct can raise. A printed warning ends with its code in
 * brackets (`[probes-same-check]`), and an environment's `acknowledge` names it to silence a
 * warning a team has reviewed.
 *
 * - `probes-same-check`: liveness and readiness are the same check.
 * - `single-replica`: a staging workload runs one replica behind a Service (an error in prod).
 * - `unpinned-image`: a staging image is untagged or `latest` (an error in prod).
 * - `node-port`: a staging NodePort Service bypasses the TLS edge (an error in prod).
 * - `exception-not-needed`: a declared security exception is not needed.
 * - `rwx-claim-without-class`: a ReadWriteMany claim without a storage class.
 * - `edge-headers-not-set`: security headers an ingress-nginx edge cannot set.
 * - `ingress-nginx-retired`: an edge of flavour `ingress-nginx`, a controller retired in March 2026.
 * - `gateway-http01-solver`: a Gateway API edge whose certificate is proved by HTTP-01: the issuer needs a solver that attaches to this edge's listeners.
 * - `migration-image-untagged`: a migration whose Job name never changes between builds.
 * - `claim-removed`: a PersistentVolumeClaim of the previous output is not in the new one (an
 *   error when its delivery tool would delete it, a warning that it is orphaned when it is
 *   protected from pruning); acknowledging it, with the claim named, is how a deliberate removal
 *   is made.
 */
export const WARNING_CODES = [
  'probes-same-check',
  'single-replica',
  'unpinned-image',
  'node-port',
  'exception-not-needed',
  'rwx-claim-without-class',
  'edge-headers-not-set',
  'migration-image-untagged',
  'ingress-nginx-retired',
  'gateway-http01-solver',
  'claim-removed',
] as const;

/** The code of a warning (see {@link WARNING_CODES}). */
export type WarningCode = (typeof WARNING_CODES)[number];

/** A warning as recorded on the construct that raised it. */
export interface RaisedWarning {
  /** Its stable code. */
  readonly code: WarningCode;
  /** The id of the construct that raised it: the workload's, claim's or edge's name. */
  readonly construct: string;
  /** The construct path (`shop/web`). */
  readonly path: string;
  /** The warning, as {@link formatIssue} writes it. */
  readonly text: string;
}

/** Records a warning: printed in the synth summary, never fatal. */
export function reportWarning(scope: IConstruct, kind: string, code: WarningCode, issue: Issue): void {
  scope.node.addMetadata(WARNING_METADATA, { code, text: formatIssue(kind, scope.node.id, issue) });
}

/** Every warning recorded under `root`, with its code and the construct that raised it. */
export function collectRaisedWarnings(root: IConstruct): RaisedWarning[] {
  const warnings: RaisedWarning[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== WARNING_METADATA) continue;
      const data = entry.data as { code: WarningCode; text: string };
      warnings.push({ code: data.code, construct: c.node.id, path: c.node.path, text: data.text });
    }
  }
  return warnings;
}

/** One line: the construct path, the warning and its code (`shop/web: WebApp "web": … [probes-same-check]`). */
export function formatWarning(warning: RaisedWarning): string {
  return `${warning.path}: ${warning.text} [${warning.code}]`;
}

/** Every warning recorded under `root`, with the construct path that raised it and its code. */
export function collectWarnings(root: IConstruct): string[] {
  return collectRaisedWarnings(root).map(formatWarning);
}

/**
 * Every validation error under `root`, each prefixed with the construct path that raised it.
 * @param skip constructs whose own validations are not run (their children's are)
 */
export function collectErrors(root: IConstruct, skip: ReadonlySet<IConstruct> = new Set()): string[] {
  const errors: string[] = [];
  for (const c of root.node.findAll()) {
    if (skip.has(c)) continue;
    for (const error of c.node.validate()) errors.push(`${c.node.path}: ${error}`);
  }
  return errors;
}

/** Converts zod issues into ours, keeping the field path. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: ReadonlyArray<PropertyKey> = []): Issue[] {
  return issues.map((issue) => ({
    field: formatFieldPath([...prefix, ...issue.path]),
    message: zodIssueMessage(issue),
  }));
}

/**
 * Validates construct props against their schema. On failure the errors are recorded on the
 * construct and `undefined` is returned, so the caller builds nothing from bad input.
 */
export function parseProps<T>(scope: Construct, kind: string, schema: z.ZodType<T>, props: unknown): T | undefined {
  const result = schema.safeParse(props);
  if (result.success) return result.data;
  reportErrors(scope, kind, fromZodIssues(result.error.issues));
  return undefined;
}

/** An error that carries every problem found, each on its own line; printed without a stack trace. */
export class ShipshapeError extends Error {
  /** One line per problem. */
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
    this.name = 'ShipshapeError';
    this.problems = problems;
  }
}
