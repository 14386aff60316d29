import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { chartObjects, checkedByEstate, clusterFindings, formatFinding } from './checks/app-validation';
// DeliveryRepository is imported for the TSDoc links.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import { DeliveryRepository, Environment, EnvironmentInput, parseEnvironment, repositoryPathSchema } from './environment';
import { immutableFieldChanges, readPreviousOutput } from './checks/immutable-fields';
import { removedClaims } from './checks/removed-claims';
import { FileSet, KubeObject, compareCodePoints, kustomization, replaceDirectory, repositoryPathOf, sortObjects, toYamlFile } from './output/output';
import { BackgroundWriter, StreamedFileSet } from './output/background-writer';
import { OutputError, checkStagingDir, lockOutdir, recoverInterruptedSwap, resolveOutdir } from './output/outdir';
import { ShipshapeError, collectErrors, collectRaisedWarnings } from './core/issues';
import { AcknowledgedWarning, sortWarnings } from './core/acknowledgements';
import { Layer, SystemChart } from './system-chart';
import { FLUX_DIRECTORY, FluxDelivery, FluxSystem, defaultScope, fluxNameProblems } from './output/flux';
import { environmentDiagram } from './output/diagram';

/** A system (a set of workloads that ship together) and the environments it is deployed to. */
export interface SystemDefinition {
  /** The system's name (a DNS label): `app.kubernetes.io/part-of` and the output file name. */
  readonly name: string;
  /** One entry per environment; each names its output directory `dist/<name>`. */
  readonly environments: readonly (EnvironmentInput | Environment)[];
  /**
   * Defines the system's constructs in a chart; called once per environment. It must be
   * synchronous: one that returns a Promise (an `async` function) is refused, since the chart is
   * synthesized as soon as it returns. Load asynchronous inputs before calling {@link runSynth}.
   * What it throws is reported with the environment and system (`dev/shop: …`) and the line it
   * was thrown from; `SHIPSHAPE_DEBUG=1` prints the whole stack.
   */
  readonly define: (system: SystemChart) => void;
}

/** Counts for one environment directory. */
export interface EnvironmentSummary {
  /** Environment name (`dist/<name>`). */
  readonly name: string;
  /** Systems synthesized into it. */
  readonly systems: readonly string[];
  /** Kubernetes objects written. */
  readonly objects: number;
  /** Files written, kustomizations included. */
  readonly files: number;
}

/** The whole estate, rendered in memory. */
export interface RenderedEstate {
  /** Paths relative to the output directory → content. */
  readonly files: FileSet;
  /** Every object, by environment name. */
  readonly objects: ReadonlyMap<string, readonly KubeObject[]>;
  /** Per-environment counts. */
  readonly environments: readonly EnvironmentSummary[];
  /** Warnings, each with the construct path that raised it and its code. */
  readonly warnings: readonly string[];
  /** Warnings the environments acknowledge (`acknowledge`), each with its reason: counted, not printed as warnings. */
  readonly acknowledged: readonly AcknowledgedWarning[];
}

const LAYERS: readonly Layer[] = ['infrastructure', 'migrations', 'apps'];

/** Where the rendered output will be written, which the Flux objects point at. */
export interface RenderOptions {
  /**
   * The output directory the files are (or will be) written to. Unless an environment sets
   * `delivery.repository.path`, the Flux paths and ignore rules follow where it sits in its git
   * repository (see {@link DeliveryRepository.path}). @default 'dist'
   */
  readonly outdir?: string;
}

/**
 * Builds one cdk8s `App` per environment, with one {@link SystemChart} per system, and renders the
 * output in memory. Throws a {@link ShipshapeError} listing every problem in every environment.
 */
export function renderEstate(systems: readonly SystemDefinition[], options: RenderOptions = {}): RenderedEstate {
  return renderEstateInto(systems, options, new Map());
}

/** {@link renderEstate}, with the files put into `files` as they are rendered. */
function renderEstateInto(systems: readonly SystemDefinition[], options: RenderOptions, files: FileSet): RenderedEstate {
  const problems: string[] = systemListProblems(systems);
  if (problems.length) throw new ShipshapeError(problems);
  const byEnvironment = groupByEnvironment(systems, problems);
  problems.push(...sharedNamespaces(byEnvironment));
  // What is valid is built, rendered and checked even beside a problem, so that no error hides another.
  const apps = defineApps(byEnvironment, problems);
  const rendered: RenderingEstate = { files, objects: new Map(), environments: [], warnings: [], acknowledged: [] };
  for (const [envName, { app, charts }] of apps) renderEnvironment(envName, app, charts, options, rendered, problems);
  if (problems.length) throw new ShipshapeError(mergeEnvironments(problems, [...apps.keys()]));
  for (const system of systems) {
    for (const environment of system.environments) {
      const envName = (environment as { name?: unknown }).name;
      if (!rendered.files.has(`${envName}/${system.name}/kustomization.yaml`)) {
        problems.push(
          `${envName}/${system.name}: the system is missing from the output of environment ${envName}; this is a bug in shipshape, please report it`,
        );
      }
    }
  }
  if (problems.length) throw new ShipshapeError(problems);
  return rendered;
}

/** A {@link RenderedEstate} being filled in, one environment at a time. */
interface RenderingEstate {
  readonly files: FileSet;
  readonly objects: Map<string, readonly KubeObject[]>;
  readonly environments: EnvironmentSummary[];
  readonly warnings: string[];
  readonly acknowledged: AcknowledgedWarning[];
}

type EnvironmentEntries = Map<string, { system: SystemDefinition; environment: Environment }[]>;

/** The systems by environment name, each with its parsed environment; problems of names and environments are pushed. */
function groupByEnvironment(systems: readonly SystemDefinition[], problems: string[]): EnvironmentEntries {
  const byEnvironment: EnvironmentEntries = new Map();
  const inSystems = new Map<string, string[]>();
  const seenSystems = new Set<string>();
  for (const system of systems) {
    // A system whose name is taken is left out: the other systems are still built and checked.
    if (seenSystems.has(system.name)) {
      problems.push(`system "${system.name}" is defined twice; give each system a distinct name`);
      continue;
    }
    if (system.name === FLUX_DIRECTORY) {
      problems.push(
        `system "${system.name}": the name is taken by dist/<env>/${FLUX_DIRECTORY}/, the environment's Flux entry point; give the system another name`,
      );
      continue;
    }
    seenSystems.add(system.name);
    const seenEnvironments = new Set<unknown>();
    for (const input of system.environments) {
      const envName = (input as { name?: unknown })?.name;
      if (seenEnvironments.has(envName)) {
        problems.push(
          `${system.name}: environments: "${String(envName)}" is given twice; each environment is written to its own directory dist/<name>, so give each a distinct name`,
        );
        continue;
      }
      seenEnvironments.add(envName);
      const { environment, problems: environmentProblems } = parseEnvironment(input);
      for (const problem of environmentProblems) inSystems.set(problem, [...(inSystems.get(problem) ?? []), system.name]);
      if (!environment) continue;
      const list = byEnvironment.get(environment.name) ?? [];
      list.push({ system, environment });
      byEnvironment.set(environment.name, list);
    }
  }
  // An environment shared by several systems is one mistake, reported once.
  for (const [problem, names] of inSystems) problems.push(`${names.join(', ')}: ${problem}`);
  return byEnvironment;
}

/**
 * The same problem in several environments (a construct's props, the same in each) as one line,
 * `{dev,prod}/shop/web: …`, where each environment's would say the same after its name.
 */
function mergeEnvironments(problems: readonly string[], environments: readonly string[]): string[] {
  const byRest = new Map<string, string[]>();
  const lines: (string | { rest: string })[] = [];
  for (const problem of problems) {
    const slash = problem.indexOf('/');
    const env = problem.slice(0, slash);
    if (slash < 0 || !environments.includes(env)) {
      lines.push(problem);
      continue;
    }
    const rest = problem.slice(slash + 1);
    if (!byRest.has(rest)) lines.push({ rest });
    byRest.set(rest, [...(byRest.get(rest) ?? []), env]);
  }
  return lines.map((line) => {
    if (typeof line === 'string') return line;
    const envs = [...new Set(byRest.get(line.rest))];
    return `${envs.length === 1 ? envs[0] : `{${envs.join(',')}}`}/${line.rest}`;
  });
}

/** Two systems of one environment in one namespace. */
function sharedNamespaces(byEnvironment: EnvironmentEntries): string[] {
  const problems: string[] = [];
  const namespaces = new Map<string, string>();
  for (const [envName, entries] of byEnvironment) {
    for (const { system, environment } of entries) {
      const key = `${envName}/${environment.namespace}`;
      const owner = namespaces.get(key);
      if (owner)
        problems.push(
          `${system.name}: ${envName}.namespace: "${environment.namespace}" is already the namespace of ${owner}; use one namespace per system per environment`,
        );
      namespaces.set(key, system.name);
    }
  }
  return problems;
}

/** One cdk8s App per environment with every system defined in it; what the definitions report is pushed to `problems`. */
function defineApps(byEnvironment: EnvironmentEntries, problems: string[]): Map<string, { app: App; charts: SystemChart[] }> {
  const apps = new Map<string, { app: App; charts: SystemChart[] }>();
  for (const [envName, entries] of byEnvironment) {
    const app = new App({ outdir: envName });
    checkedByEstate(app);
    const charts: SystemChart[] = [];
    // A definition that did not finish: its constructs' errors count, not the system's checks of what it lacks.
    const unfinished = new Set<SystemChart>();
    for (const { system, environment } of entries) {
      let chart: SystemChart | undefined;
      try {
        chart = new SystemChart(app, system.name, { environment });
        const returned: unknown = system.define(chart);
        if (isPromise(returned)) {
          // A rejection after the refusal is reported here, not as an unhandled rejection's stack.
          returned.then(undefined, () => undefined);
          unfinished.add(chart);
          problems.push(
            `${envName}/${system.name}: define returned a Promise (an async function?); define must be synchronous, because the chart is synthesized as soon as it returns and what an await adds later would be lost. Load asynchronous inputs before runSynth and pass them in`,
          );
          continue;
        }
        charts.push(chart);
      } catch (error) {
        if (chart) unfinished.add(chart);
        problems.push(...describeFailure(`${envName}/${system.name}`, error));
      }
    }
    problems.push(...collectErrors(app, unfinished).map((e) => `${envName}/${e}`));
    apps.set(envName, { app, charts });
  }
  return apps;
}

/** Renders one environment's files and objects into `rendered`, and checks them; problems are pushed. */
function renderEnvironment(
  envName: string,
  app: App,
  charts: readonly SystemChart[],
  options: RenderOptions,
  rendered: RenderingEstate,
  problems: string[],
): void {
  const { files, warnings } = rendered;
  for (const chart of charts) {
    const sorted = sortWarnings(collectRaisedWarnings(chart), chart.environment.acknowledge, `${envName}/`, envName, chart.system);
    warnings.push(...sorted.warnings);
    rendered.acknowledged.push(...sorted.acknowledged);
  }
  const envObjects: KubeObject[] = [];
  const delivered: FluxSystem[] = [];
  let fileCount = 0;
  for (const chart of charts) {
    // A value a construct computes lazily is computed here, after define returned: what it
    // throws still names the environment and system.
    try {
      const system = renderSystem(envName, chart, files);
      fileCount += system.fileCount;
      envObjects.push(...system.objects);
      delivered.push(system.delivered);
    } catch (error) {
      problems.push(...describeFailure(`${envName}/${chart.system}`, error));
    }
  }
  files.set(`${envName}/kustomization.yaml`, kustomization(charts.map((c) => c.system).sort(compareCodePoints)));
  const flux = fluxFiles(app, envName, charts, delivered, options.outdir ?? 'dist', problems, warnings);
  for (const [file, content] of flux.files) files.set(file, content);
  fileCount += flux.files.size;
  envObjects.push(...flux.objects);
  rendered.objects.set(envName, envObjects);
  files.set(`${envName}/README.md`, environmentDiagram(envName, envObjects));
  fileCount += 1;
  const checked = clusterFindings([app], envObjects);
  for (const line of checked.skipped) if (!warnings.includes(line)) warnings.push(line);
  problems.push(...checked.findings.map((finding) => `${envName}/${formatFinding(finding)}`));
  rendered.environments.push({ name: envName, systems: charts.map((c) => c.system), objects: envObjects.length, files: fileCount + 1 });
}

/**
 * `dist/<env>/<system>/<layer>/`: one directory per system and layer, so each system's layers are
 * delivered (and can fail) on their own.
 */
function renderSystem(envName: string, chart: SystemChart, files: FileSet): { objects: KubeObject[]; delivered: FluxSystem; fileCount: number } {
  const layers: Layer[] = [];
  const deadlines: number[] = [];
  const objects: KubeObject[] = [];
  let fileCount = 0;
  for (const layer of LAYERS) {
    const layerObjects = sortObjects(chartObjects(chart.chartFor(layer)));
    if (layerObjects.length === 0) continue;
    const dir = `${envName}/${chart.system}/${layer}`;
    const file = `${chart.system}.yaml`;
    files.set(`${dir}/${file}`, toYamlFile(layerObjects));
    files.set(`${dir}/kustomization.yaml`, kustomization([file]));
    fileCount += 2;
    layers.push(layer);
    objects.push(...layerObjects);
    if (layer === 'migrations') deadlines.push(...layerObjects.filter((o) => o.kind === 'Job').map((o) => Number(o.spec?.activeDeadlineSeconds ?? 0)));
  }
  files.set(`${envName}/${chart.system}/kustomization.yaml`, kustomization(layers));
  fileCount += 1;
  return { objects, delivered: { name: chart.system, layers, migrationTimeoutSeconds: Math.max(600, ...deadlines) }, fileCount };
}

/**
 * What is wrong with the list of systems as a whole: empty, an entry that is not a system (an
 * import that came back `undefined`), a system with no environments. Each would otherwise leave a
 * system out of the output without a word, or replace `dist/` by an empty tree.
 */
function systemListProblems(systems: readonly SystemDefinition[]): string[] {
  if (!Array.isArray(systems) || systems.length === 0) {
    return [
      'systems: the list of systems is empty, so there is nothing to synthesize and the output directory was left alone; pass at least one SystemDefinition (is the import of your systems right?)',
    ];
  }
  const problems: string[] = [];
  systems.forEach((system: Partial<SystemDefinition> | undefined, index) => {
    if (typeof system !== 'object' || system === null) {
      problems.push(`systems[${index}]: is ${system === null ? 'null' : typeof system}, not a SystemDefinition; check the import or expression that gives it`);
      return;
    }
    const label = typeof system.name === 'string' && system.name ? `system "${system.name}"` : `systems[${index}]`;
    if (typeof system.name !== 'string' || !system.name) problems.push(`${label}.name: is missing; give the system a name (a DNS label such as "shop")`);
    if (typeof system.define !== 'function') problems.push(`${label}.define: is ${typeof system.define}, not a function; set define: (system) => { … }`);
    if (!Array.isArray(system.environments))
      problems.push(`${label}.environments: is ${typeof system.environments}, not a list; give one environment per output directory`);
    else if (system.environments.length === 0)
      problems.push(`${label}.environments: is empty, so the system would be left out of the output; add at least one environment`);
  });
  return problems;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The Flux entry point of an environment, `dist/<env>/flux/`: a GitRepository and each system's
 * chain of Kustomizations. Written when the environment's systems deliver with Flux from a repository.
 */
function fluxFiles(
  app: App,
  envName: string,
  charts: readonly SystemChart[],
  systems: readonly FluxSystem[],
  outdir: string,
  problems: string[],
  warnings: string[],
): { files: FileSet; objects: KubeObject[] } {
  const none = { files: new Map<string, string>(), objects: [] };
  const deliveries = new Set(charts.map((c) => JSON.stringify(c.environment.delivery)));
  if (deliveries.size > 1) {
    problems.push(
      `${envName}: the systems of one environment share its output directory, so they must share its delivery; they differ: ${[...deliveries].join(' / ')}`,
    );
    return none;
  }
  const delivery = charts[0]?.environment.delivery;
  if (delivery?.flavour !== 'flux') return none;
  if (!delivery.repository) {
    warnings.push(
      `${envName}: no delivery.repository in the environment, so no Flux objects were written; add delivery: { flavour: 'flux', repository: { url } }`,
    );
    return none;
  }
  const scope = delivery.scope ?? defaultScope(delivery.repository.url);
  const nameProblems = fluxNameProblems(scope, envName, systems);
  if (nameProblems.length) {
    problems.push(...nameProblems);
    return none;
  }
  const repositoryPath = delivery.repository.path ?? repositoryPathOf(outdir);
  const derived = repositoryPathSchema.safeParse(repositoryPath);
  if (!derived.success) {
    problems.push(
      `${envName}.delivery.repository.path: "${repositoryPath}", where ${outdir} sits in its repository, ${derived.error.issues[0].message}; set delivery.repository.path`,
    );
    return none;
  }
  const chart = new FluxDelivery(app, 'flux', { environment: envName, systems, repository: delivery.repository, scope, repositoryPath });
  const objects = sortObjects(chartObjects(chart));
  return {
    files: new Map([
      [`${envName}/${FLUX_DIRECTORY}/flux.yaml`, toYamlFile(objects)],
      [`${envName}/${FLUX_DIRECTORY}/kustomization.yaml`, kustomization(['flux.yaml'])],
    ]),
    objects,
  };
}

/** Where {@link synthesizeEstate} writes. */
export interface SynthesizeOptions extends RenderOptions {
  /**
   * Where a copy of the output is written for `cdk8s synth` to collect: cdk8s' own output
   * directory, which it empties before the app runs and passes as `CDK8S_OUTDIR`. It must not be,
   * hold or lie inside `outdir` (cdk8s would have deleted the output before the app ran: with no
   * `output:` line in `cdk8s.yaml`, cdk8s uses `dist`); that is refused.
   * @default process.env.CDK8S_OUTDIR, else no copy is written
   */
  readonly stagingDir?: string;
  /**
   * How long to wait for another synth that is writing the same `outdir` (they take turns through
   * the lock `<outdir>.lock`) before failing. @default 120000
   */
  readonly lockWaitMs?: number;
}

/**
 * Renders the estate, writes it to the staging directory, and only then replaces `outdir` with it.
 * On any problem nothing in `outdir` changes and a {@link ShipshapeError} lists every problem,
 * including a change the API server would refuse over the output being replaced (a Job's template,
 * a selector, a claim's class: see `lib/checks/immutable-fields.ts`) and a claim of that output
 * the new one lacks, which the delivery tool would delete with its data unless the removal is
 * acknowledged (see `lib/checks/removed-claims.ts`).
 *
 * The write phase holds the lock `<outdir>.lock`, so concurrent synths into one outdir take turns
 * and the result is always one complete tree. Under it, what an interrupted synth left is repaired
 * first (a missing `outdir` beside `<outdir>.previous` is restored from it), before the previous
 * output is read. An `outdir` that is a symbolic link to a directory is followed (the directory
 * is replaced, the link stays); one that is a file, a dangling link or read-only is refused. When
 * the write phase fails, the thrown {@link OutputError} says whether `outdir` is unchanged.
 */
export function synthesizeEstate(systems: readonly SystemDefinition[], options: SynthesizeOptions = {}): RenderedEstate {
  const outdir = options.outdir ?? 'dist';
  const staging = options.stagingDir ?? process.env.CDK8S_OUTDIR;
  if (staging !== undefined) checkStagingDir(staging, outdir, options.stagingDir === undefined);
  // The files are written as they are rendered, by a worker, into a directory of this process's own;
  // the locked phase below renames it into place. An outdir that cannot be resolved yet gets no
  // writer: the locked phase reports why.
  const writer = backgroundWriterFor(outdir, staging);
  try {
    const rendered = renderEstateInto(systems, { outdir }, writer ? new StreamedFileSet(writer) : new Map());
    const release = lockOutdir(outdir, options.lockWaitMs);
    try {
      const notes = recoverInterruptedSwap(linkTarget(outdir) ?? outdir);
      const target = resolveOutdir(outdir);
      const previous = readPreviousOutput(target, rendered.files);
      const removed = removedClaims(previous, rendered.objects, parsedEnvironments(systems), outdir);
      const refused = [...immutableFieldChanges(previous.objects, rendered.objects, outdir), ...removed.errors];
      if (refused.length) throw new ShipshapeError(refused);
      // Written for this target and complete, else written again here.
      const written = writer && writer.dir === `${target}.rendering-${process.pid}` && writer.finish() === undefined ? writer.dir : undefined;
      notes.push(...replaceDirectory(target, rendered.files, { written, mirror: staging, writtenMirror: writer?.mirrorDir }));
      const warnings = [...rendered.warnings, ...removed.warnings, ...notes];
      return { ...rendered, warnings, acknowledged: [...rendered.acknowledged, ...removed.acknowledged] };
    } finally {
      release();
    }
  } finally {
    writer?.discard();
  }
}

/** A background writer for `outdir`'s target (and the staging directory), when it can be resolved now and a worker can start. */
function backgroundWriterFor(outdir: string, staging: string | undefined): BackgroundWriter | undefined {
  try {
    return BackgroundWriter.start(resolveOutdir(outdir), staging === undefined ? undefined : path.resolve(staging));
  } catch {
    return undefined;
  }
}

/** The parsed environment of every system, by environment name, then system name (the systems rendered, so every one parses). */
function parsedEnvironments(systems: readonly SystemDefinition[]): Map<string, Map<string, Environment>> {
  const byName = new Map<string, Map<string, Environment>>();
  for (const system of systems) {
    for (const input of system.environments) {
      const { environment } = parseEnvironment(input);
      if (environment) byName.set(environment.name, (byName.get(environment.name) ?? new Map()).set(system.name, environment));
    }
  }
  return byName;
}

/** Where a symbolic link points, resolved against its directory (whether or not that exists); `undefined` for anything else. */
function linkTarget(file: string): string | undefined {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? path.resolve(path.dirname(file), fs.readlinkSync(file)) : undefined;
  } catch {
    return undefined;
  }
}

/** The one-screen summary printed after a synth. */
export function formatSummary(rendered: RenderedEstate, outdir: string): string {
  const objects = rendered.environments.reduce((n, e) => n + e.objects, 0);
  const files = rendered.environments.reduce((n, e) => n + e.files, 0);
  const lines = [
    `shipshape: ${count(rendered.environments.length, 'environment')}, ${count(objects, 'object')} in ${count(files, 'file')}, ${count(rendered.warnings.length, 'warning')}${
      rendered.acknowledged.length ? `, ${rendered.acknowledged.length} acknowledged` : ''
    }`,
    ...rendered.environments.map(
      (e) => `  ${`${outdir}/${e.name}`.padEnd(16)} ${String(e.objects).padStart(4)} objects ${String(e.files).padStart(3)} files  ${e.systems.join(', ')}`,
    ),
  ];
  if (rendered.warnings.length) lines.push('warnings:', ...rendered.warnings.map((w) => `  ! ${w}`));
  if (rendered.acknowledged.length) lines.push('acknowledged:', ...rendered.acknowledged.map((a) => `  ✓ ${a.warning} (acknowledged: ${a.reason})`));
  return lines.join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The command-line entry point of a `main.ts`: synthesizes, prints the summary, or prints every
 * problem and sets a non-zero exit code.
 */
export function runSynth(systems: readonly SystemDefinition[], options: SynthesizeOptions = {}): void {
  const outdir = options.outdir ?? 'dist';
  try {
    const rendered = synthesizeEstate(systems, options);
    // `cdk8s synth` swallows the app's stdout; stderr reaches the terminal.
    const print = process.env.CDK8S_OUTDIR ? console.error : console.log;
    print(formatSummary(rendered, outdir));
  } catch (error) {
    const problems = error instanceof ShipshapeError ? error.problems : describeFailure('synth', error);
    const unchanged = !(error instanceof OutputError) || error.unchanged;
    const state = unchanged ? `${outdir}/ was not changed` : `${outdir}/ may not be as it was: see below`;
    console.error(`shipshape: synth failed with ${problems.length} problem${problems.length === 1 ? '' : 's'}; ${state}.`);
    for (const problem of problems) console.error(`  ✗ ${problem}`);
    process.exitCode = 1;
  }
}

/**
 * Turns an exception thrown by a definition into readable lines: the message and where it was
 * thrown, never the whole stack unless `SHIPSHAPE_DEBUG` is set (to anything but `0`).
 */
function describeFailure(where: string, error: unknown): string[] {
  if (error instanceof ShipshapeError) return error.problems.map((p) => `${where}: ${p}`);
  const debug = process.env.SHIPSHAPE_DEBUG;
  if (error instanceof Error && debug && debug !== '0' && error.stack) return [`${where}: ${error.stack}`];
  if (error instanceof Error) {
    const frame = error.stack?.split('\n').find((line) => line.trim().startsWith('at ') && !line.includes('node_modules'));
    return [`${where}: ${error.message}${frame ? ` (${frame.trim()})` : ''}`];
  }
  return [`${where}: ${String(error)}`];
}
