import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { Environment } from '../environment';
import { collectRaisedWarnings, coveredFindings } from '../core/issues';
import { sortWarnings } from '../core/acknowledgements';
import type { KubeObject } from '../output/output';
import { CheckIssue, checkEnvironment, formatCheckIssue } from '.';
import { describeObject } from './objects';

/**
 * What the cluster checks need of a system chart. A structural type, so this module does not
 * import the SystemChart it validates.
 */
export interface CheckedChart extends Chart {
  readonly system: string;
  readonly environment: Environment;
  readonly infrastructure: Chart;
  readonly migrations: Chart;
}

/** Apps whose charts the estate runner checks itself, environment by environment (see lib/estate.ts). */
const CHECKED_BY_ESTATE = new WeakSet<IConstruct>();

/**
 * Marks an app as one `renderEstate` builds: it runs the cluster checks over the whole environment
 * itself (with its Flux objects), so its system charts must not run them again.
 */
export function checkedByEstate(app: IConstruct): void {
  CHECKED_BY_ESTATE.add(app);
}

/** The last check of each environment of an app, and the objects it checked. */
interface CheckedGroup {
  readonly key: string;
  readonly lines: ReadonlyMap<CheckedChart, string[]>;
}

const LAST_CHECK = new WeakMap<IConstruct, Map<string, CheckedGroup>>();

/**
 * The cluster checks of a system chart in a plain cdk8s App, as a construct validation: strict
 * schemas, API-server rules, Pod Security, references, policy and credentials, over the objects of
 * every system chart of the app in the same environment. cdk8s validates the app once in
 * `app.synth()` and once more per chart; the checks run once per distinct output, and print the
 * warnings (those the environment does not acknowledge) to stderr at that time.
 *
 * @param charts every system chart of the chart's app, in definition order
 */
export function clusterCheckLines(chart: CheckedChart, charts: () => readonly CheckedChart[]): string[] {
  const root = chart.node.root;
  if (CHECKED_BY_ESTATE.has(root)) return [];
  const group = charts().filter((c) => c.environment.name === chart.environment.name);
  let objects: Map<CheckedChart, KubeObject[]>;
  try {
    objects = new Map(group.map((c) => [c, systemObjects(c)]));
  } catch (error) {
    // A value computed lazily threw while rendering: the construct validations say why, when it is theirs.
    return [`the objects could not be rendered: ${error instanceof Error ? error.message : String(error)}`];
  }
  const key = JSON.stringify([...objects.values()]);
  const checks = LAST_CHECK.get(root) ?? new Map<string, CheckedGroup>();
  LAST_CHECK.set(root, checks);
  let checked = checks.get(chart.environment.name);
  if (checked?.key !== key) {
    checked = { key, lines: checkGroup(group, objects) };
    checks.set(chart.environment.name, checked);
  }
  return checked.lines.get(chart) ?? [];
}

/**
 * Checks one environment's system charts together, and prints their warnings. Each finding is
 * given to the chart that made the object it is about, so it is reported once.
 */
function checkGroup(group: readonly CheckedChart[], objects: ReadonlyMap<CheckedChart, KubeObject[]>): Map<CheckedChart, string[]> {
  const lines = new Map<CheckedChart, string[]>(group.map((c) => [c, []]));
  const owner = new Map<string, CheckedChart>();
  for (const [c, list] of objects) for (const o of list) if (!owner.has(describeObject(o))) owner.set(describeObject(o), c);
  const namespaces = new Map<string, string>();
  for (const c of group) {
    const other = namespaces.get(c.environment.namespace);
    if (other)
      lines
        .get(c)!
        .push(
          `${c.environment.name}.namespace: "${c.environment.namespace}" is already the namespace of system "${other}"; use one namespace per system per environment`,
        );
    namespaces.set(c.environment.namespace, c.system);
  }
  const checked = clusterFindings(group, [...objects.values()].flat());
  for (const finding of checked.findings) lines.get(owner.get(finding.issue.object) ?? group[0])!.push(formatFinding(finding));
  const warnings = [...checked.skipped];
  for (const c of group) warnings.push(...sortWarnings(collectRaisedWarnings(c), c.environment.acknowledge, '', c.environment.name, c.system).warnings);
  for (const warning of warnings) console.warn(`shipshape: ! ${warning}`);
  return lines;
}

/** A finding of the cluster checks, with the path of the construct that made its object. */
export interface Finding {
  readonly issue: CheckIssue;
  readonly path?: string;
}

/**
 * The cluster checks over `objects`, which constructs under `roots` made. A finding a construct
 * reported already (see `Issue.covers`) is dropped, so each mistake is reported once.
 */
export function clusterFindings(roots: readonly IConstruct[], objects: readonly KubeObject[]): { findings: Finding[]; skipped: string[] } {
  const paths = constructPaths(roots);
  const covered = roots.map(coveredFindings);
  const checked = checkEnvironment(objects);
  const findings = checked.issues
    .map((issue) => ({ issue, path: paths.get(issue.object) }))
    .filter(({ issue, path }) => !covered.some((isCovered) => isCovered(path, issue.check, issue.field)));
  return { findings, skipped: checked.skipped };
}

/** One line: the construct that made the object, then the finding. */
export function formatFinding(finding: Finding): string {
  return `${finding.path ?? finding.issue.object}: ${formatCheckIssue(finding.issue)}`;
}

/** Every object of a system chart, all its layers, in the order cdk8s writes them. */
function systemObjects(chart: CheckedChart): KubeObject[] {
  return [chart.infrastructure, chart.migrations, chart].flatMap((c) => chartObjects(c));
}

/**
 * The objects whose nearest chart is `chart`. `Chart.toJson()` would validate the whole app again
 * for every chart; the app is being (or was) validated already.
 */
export function chartObjects(chart: Chart): KubeObject[] {
  return chart.node
    .findAll()
    .filter(ApiObject.isApiObject)
    .filter((o) => Chart.of(o) === chart)
    .map((o) => o.toJson());
}

/** `Kind/namespace/name` → the construct path that defined the object, to point a check's finding at the definition. */
export function constructPaths(roots: readonly IConstruct[]): Map<string, string> {
  const paths = new Map<string, string>();
  for (const c of roots.flatMap((root) => root.node.findAll())) {
    if (!ApiObject.isApiObject(c)) continue;
    const scope = c.node.scope;
    paths.set(`${c.kind}/${c.metadata.namespace ? `${c.metadata.namespace}/` : ''}${c.name}`, scope ? scope.node.path : c.node.path);
  }
  return paths;
}
