/**
 * `npm run bench`: how fast synthesis is, and how it grows.
 *
 *   1. The reference estate (`estate/`): `npx cdk8s synth`, the direct synth script (cdk8s.yaml's
 *      `app` command, run by itself) and the plain-node floor (the app compiled by tsc, run by
 *      `node`), plus the other ways of running TypeScript the `app` command could use.
 *   2. Generated estates of 50, 100, 250 and 500 services (tools/generated-estate.ts), direct and floor,
 *      and the slope of time against services.
 *   Both the reference estate and the largest generated one are also synthesized "again": over the
 *      output of the synth before, as in everyday use, where the previous output is read and replaced.
 *   3. Where the time goes: one CPU-profiled run of the reference estate and of the largest
 *      generated estate, split into module loading, construct tree, validation and YAML output.
 *   4. The vitest suite's wall time.
 *
 * Every synth runs in a scratch directory (symlinks to the sources and node_modules), so neither
 * `dist/` nor the working tree changes. Wall time is Node's clock around the child; peak memory and
 * CPU time come from `/usr/bin/time -v` when it exists, else from a preload that reads
 * `process.resourceUsage()` in every node process of the child's tree. Peak memory is the largest
 * single process of the tree (as `time` reports it). Each figure is the median of BENCH_RUNS runs
 * (default 5) after one warm-up run, runs of a group interleaved so a busy moment hits all alike.
 *
 * Environment: BENCH_RUNS (runs per measure), BENCH_SIZES (default `50,100,250,500`), BENCH_TEST_RUNS
 * (vitest runs, default 3; 0 skips it), BENCH_NO_TIME=1 (use the node preload even if
 * /usr/bin/time exists), SHIPSHAPE_SHARED_DIR (the schemas; default ../shared).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const SIZES = (process.env.BENCH_SIZES ?? '50,100,250,500').split(',').map((s) => positiveInt(s, 0));
const TEST_RUNS = process.env.BENCH_TEST_RUNS === undefined ? 3 : Number(process.env.BENCH_TEST_RUNS);
const TIME = !process.env.BENCH_NO_TIME && fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const TARGETS = {
  directOverFloor: 1.5,
  cdk8sOverFloorMs: 1000,
  /** 500 services synthesized in under 2 s (issue 16). */
  scaleServices: 500,
  scaleMs: 2000,
  testsMs: 20_000,
  linearR2: 0.98,
};

/** One run's figures. */
interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  status: number;
  stderr: string;
}

/** A measured command: the median of its runs. */
interface Measure {
  label: string;
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  /** The warm-up run: cold caches (parsed CRDs, compiled validators, the page cache). */
  firstWallMs: number;
  failed?: string;
}

interface Command {
  label: string;
  argv: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Runs after each run (clears output). */
  after?: () => void;
}

function main(): void {
  const started = Date.now();
  const sharedDir = path.resolve(process.env.SHIPSHAPE_SHARED_DIR ?? path.join(ROOT, '..', 'shared'));
  const app = String(parseYaml(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).app);
  const scratch = makeScratch();
  const env = { ...process.env, SHIPSHAPE_SHARED_DIR: sharedDir, CDK8S_OUTDIR: path.join(scratch, '.synth') };
  log(
    `shipshape bench: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ${RUNS} runs each (median), measured with ${TIME ? '/usr/bin/time -v' : 'a node preload (process.resourceUsage)'}`,
  );
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (!fs.existsSync(path.join(sharedDir, 'schemas')))
    log(`! ${sharedDir}/schemas not found: the schema check is skipped, so every synth below is faster than a real one`);
  try {
    // The floor: the whole program compiled once by tsc, then run by plain node.
    const floorDir = path.join(scratch, 'floor');
    const floorConfig = path.join(scratch, 'tsconfig.floor.json');
    fs.writeFileSync(
      floorConfig,
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.base.json'),
        compilerOptions: { rootDir: ROOT, outDir: floorDir, declaration: false, noEmit: false },
        include: ['lib', 'imports', 'estate', 'tools'].map((dir) => path.join(ROOT, dir, '**/*.ts')).concat(path.join(ROOT, 'main.ts')),
      }),
    );
    const tsc = timeOnce(['node', path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', floorConfig], ROOT);
    if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stderr}`);
    log(`compiled the floor with tsc in ${seconds(tsc.wallMs)} (type checking included: what \`npx tsc && node build/main.js\` would pay on every synth)`);

    const clearOutput = () => {
      fs.rmSync(path.join(scratch, 'dist'), { recursive: true, force: true });
      fs.rmSync(path.join(scratch, '.synth'), { recursive: true, force: true });
    };
    const ref = (label: string, argv: string[], extra: NodeJS.ProcessEnv = {}): Command => ({
      label,
      argv,
      cwd: scratch,
      env: { ...env, ...extra },
      after: clearOutput,
    });

    // 1. Reference estate.
    const reference = measureGroup([
      ref('npx cdk8s synth', ['npx', 'cdk8s', 'synth'], { CDK8S_OUTDIR: undefined }),
      ref("direct: cdk8s.yaml's app", ['sh', '-c', app]),
      ref('floor: node floor/main.js', ['node', 'floor/main.js']),
    ]);
    const [cdk8s, direct, floor] = reference;
    const candidates = measureGroup([
      // What the cdk8s CLI costs by itself, around an app that does nothing.
      ref('cdk8s CLI alone: npx cdk8s synth --app <nothing>', ['npx', 'cdk8s', 'synth', '--app', 'mkdir -p "$CDK8S_OUTDIR"'], { CDK8S_OUTDIR: undefined }),
      ref('npm run synth (--check-upgrade=false)', ['npm', 'run', '--silent', 'synth'], { CDK8S_OUTDIR: undefined }),
      ref('npx tsx main.ts', ['npx', 'tsx', 'main.ts']),
      ref('node --import tsx main.ts', ['node', '--import', 'tsx', 'main.ts']),
      ref('node --require tsx/cjs main.ts', ['node', '--require', 'tsx/cjs', 'main.ts']),
      // Close to a fresh machine's first synth: no parsed CRDs or compiled validators cached (a real
      // first synth also writes them, and keeps ajv's generated code to do so, which costs a little more).
      ref('direct, caches off (~ a first synth)', ['sh', '-c', app], { SHIPSHAPE_CACHE_DIR: 'off' }),
    ]);
    const summary = checkedSummary(direct, scratch, env, app);
    // A synth over the output of the one before, as in everyday use: the previous output is read
    // (immutable fields, removed claims) and replaced. Its own group, since the others clear dist/.
    const [again] = measureGroup([{ label: 'direct, again (over its previous output)', argv: ['sh', '-c', app], cwd: scratch, env }]);
    clearOutput();

    // 2. Generated estates: every size in one interleaved group, so a busy moment hits all sizes alike.
    const generatedCommands = SIZES.flatMap((n) => {
      const out = path.join(scratch, `generated-${n}`);
      const clear = () => {
        fs.rmSync(out, { recursive: true, force: true });
        fs.rmSync(`${out}.staging`, { recursive: true, force: true });
      };
      return [
        { label: `${n} services, direct`, argv: ['sh', '-c', `${appFor(app, 'tools/generated-estate.ts')} ${n} '${out}'`], cwd: scratch, env, after: clear },
        { label: `${n} services, floor`, argv: ['node', 'floor/tools/generated-estate.js', String(n), out], cwd: scratch, env, after: clear },
      ];
    });
    const largest = SIZES[SIZES.length - 1];
    // The largest size again over its previous output (the warm-up run writes it).
    generatedCommands.push({
      label: `${largest} services, direct, again (over its previous output)`,
      argv: ['sh', '-c', `${appFor(app, 'tools/generated-estate.ts')} ${largest} '${path.join(scratch, `generated-${largest}-again`)}'`],
      cwd: scratch,
      env,
      after: () => undefined,
    });
    const generatedMeasures = measureGroup(generatedCommands);
    const generated = SIZES.map((n, i) => ({ n, direct: generatedMeasures[2 * i], floor: generatedMeasures[2 * i + 1] }));
    const generatedAgain = { n: largest, measure: generatedMeasures[2 * SIZES.length] };

    // 3. Where the time goes.
    const profiles = [
      { label: 'reference estate, floor', argv: ['node', '--cpu-prof', '--cpu-prof-dir', 'PROFILE', 'floor/main.js'] },
      {
        label: `${SIZES[SIZES.length - 1]} services, floor`,
        argv: [
          'node',
          '--cpu-prof',
          '--cpu-prof-dir',
          'PROFILE',
          'floor/tools/generated-estate.js',
          String(SIZES[SIZES.length - 1]),
          path.join(scratch, 'generated-profiled'),
        ],
      },
    ].map(({ label, argv }) => ({ label, split: profile(argv, scratch, env) }));

    // 4. Tests.
    const tests =
      TEST_RUNS > 0
        ? measureGroup([{ label: 'vitest run', argv: ['npx', 'vitest', 'run'], cwd: ROOT, env: { ...process.env } }], TEST_RUNS, false)[0]
        : undefined;

    report({
      app,
      summary,
      reference: [cdk8s, direct, floor],
      candidates: [again, ...candidates],
      generated,
      generatedAgain,
      profiles,
      tests,
      tscMs: tsc.wallMs,
      elapsedMs: Date.now() - started,
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A scratch directory where synthesis runs: symlinks to the sources and node_modules, so that
 * `dist/`, `.synth/` and any build output land here, not in the working tree.
 */
function makeScratch(): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-'));
  for (const entry of [
    'node_modules',
    'lib',
    'imports',
    'estate',
    'tools',
    'main.ts',
    'package.json',
    'tsconfig.json',
    'tsconfig.base.json',
    'tsconfig.build.json',
    'cdk8s.yaml',
  ]) {
    if (fs.existsSync(path.join(ROOT, entry))) fs.symlinkSync(path.join(ROOT, entry), path.join(scratch, entry));
  }
  return scratch;
}

/**
 * cdk8s.yaml's app command for another entry point than `main.ts` (the generated estates run the
 * same way the reference estate does); arguments appended to it reach the program.
 */
function appFor(app: string, entry: string): string {
  const bundle = `build/synth/${path.basename(entry, '.ts')}.js`;
  if (!app.includes('main.ts') || !app.includes('build/synth/main.js'))
    throw new Error(`cdk8s.yaml's app no longer bundles main.ts into build/synth/main.js; update appFor in tools/bench.ts: ${app}`);
  return app.replace('main.ts', entry).replaceAll('build/synth/main.js', bundle);
}

/** Runs each command once to warm up, then RUNS times round-robin; medians. */
function measureGroup(commands: Command[], runs = RUNS, warmUp = true): Measure[] {
  const samples = commands.map(() => [] as Sample[]);
  const first = commands.map((c) => (warmUp ? runOnce(c) : undefined));
  for (let r = 0; r < runs; r++) {
    commands.forEach((c, i) => samples[i].push(runOnce(c)));
  }
  return commands.map((c, i) => {
    const failed = [first[i], ...samples[i]].find((s) => s && s.status !== 0);
    const measure: Measure = {
      label: c.label,
      wallMs: median(samples[i].map((s) => s.wallMs)),
      cpuMs: median(samples[i].map((s) => s.cpuMs)),
      maxRssKb: median(samples[i].map((s) => s.maxRssKb)),
      firstWallMs: first[i]?.wallMs ?? samples[i][0].wallMs,
      ...(failed ? { failed: `exit ${failed.status}: ${lastLines(failed.stderr, 6)}` } : {}),
    };
    log(`  ${c.label}: ${seconds(measure.wallMs)}${measure.failed ? ` FAILED (${measure.failed})` : ''}`);
    return measure;
  });
}

function runOnce(command: Command): Sample {
  const sample = TIME ? runWithTime(command) : runWithProbe(command);
  command.after?.();
  return sample;
}

/** `/usr/bin/time -v` around the command: CPU time of the whole tree, the largest process's peak RSS. */
function runWithTime(command: Command): Sample {
  const report = path.join(os.tmpdir(), `shipshape-bench-time-${process.pid}.txt`);
  const t0 = performance.now();
  const child = spawnSync(TIME!, ['-v', '-o', report, ...command.argv], { cwd: command.cwd, env: command.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t0;
  const text = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
  fs.rmSync(report, { force: true });
  const field = (name: string) => Number(new RegExp(`${name}[^:]*: ([\\d.]+)`).exec(text)?.[1] ?? NaN);
  return {
    wallMs,
    cpuMs: (field('User time') + field('System time')) * 1000,
    maxRssKb: field('Maximum resident set size'),
    status: child.status ?? 1,
    stderr: `${child.stderr ?? ''}${child.error ? String(child.error) : ''}`,
  };
}

/** Without /usr/bin/time: every node process of the tree appends its own resource usage at exit. */
function runWithProbe(command: Command): Sample {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-probe-'));
  const probe = path.join(dir, 'probe.js');
  const out = path.join(dir, 'usage.jsonl');
  fs.writeFileSync(
    probe,
    `process.on('exit', () => { const u = process.resourceUsage(); require('fs').appendFileSync(${JSON.stringify(out)}, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS }) + '\\n'); });\n`,
  );
  const env = { ...command.env, NODE_OPTIONS: `${command.env?.NODE_OPTIONS ?? ''} --require ${probe}`.trim() };
  const t0 = performance.now();
  const child = spawnSync(command.argv[0], command.argv.slice(1), { cwd: command.cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t0;
  const usage = fs.existsSync(out)
    ? fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { cpu: number; rss: number })
    : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    wallMs,
    cpuMs: usage.reduce((sum, u) => sum + u.cpu, 0),
    maxRssKb: Math.max(0, ...usage.map((u) => u.rss)),
    status: child.status ?? 1,
    stderr: `${child.stderr ?? ''}${child.error ? String(child.error) : ''}`,
  };
}

/** Wall time of one run, nothing else (the tsc compile). */
function timeOnce(argv: string[], cwd: string): { wallMs: number; status: number; stderr: string } {
  const t0 = performance.now();
  const child = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { wallMs: performance.now() - t0, status: child.status ?? 1, stderr: `${child.stdout}${child.stderr}` };
}

/** The direct script's summary line, to show what was synthesized. */
function checkedSummary(direct: Measure, scratch: string, env: NodeJS.ProcessEnv, app: string): string {
  if (direct.failed) return `the direct synth failed: ${direct.failed}`;
  const child = spawnSync('sh', ['-c', app], { cwd: scratch, env: { ...env, CDK8S_OUTDIR: undefined }, encoding: 'utf8' });
  fs.rmSync(path.join(scratch, 'dist'), { recursive: true, force: true });
  return child.stdout.split('\n')[0] ?? '';
}

/** Categories of a CPU profile, first match from the sampled frame outwards. */
const CATEGORIES: { name: string; matches: (url: string, fn: string) => boolean }[] = [
  { name: 'validation (lib/checks)', matches: (url) => /\/lib\/checks\//.test(url) },
  { name: 'YAML (lib/output/yaml, js-yaml)', matches: (url) => /\/lib\/output\/yaml\./.test(url) },
  { name: 'writing files (lib/output/output)', matches: (url) => /\/lib\/output\/output\./.test(url) },
  { name: 'construct tree (definitions, constructs, toJson)', matches: (url) => /\/(lib|estate|tools)\/|\/main\.js$/.test(url) && !/node_modules/.test(url) },
  { name: 'module loading (require, compile)', matches: (url) => url.startsWith('node:internal/modules') || /node_modules\/tsx\//.test(url) },
  { name: 'garbage collection', matches: (_url, fn) => fn === '(garbage collector)' },
];

/** One CPU-profiled run: milliseconds per category, and the profile's total. */
function profile(argvTemplate: string[], cwd: string, env: NodeJS.ProcessEnv): { category: string; ms: number }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-profile-'));
  try {
    const argv = argvTemplate.map((a) => (a === 'PROFILE' ? dir : a));
    const child = spawnSync(argv[0], argv.slice(1), { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (child.status !== 0) return [{ category: `profiled run failed: ${lastLines(child.stderr, 3)}`, ms: 0 }];
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return [];
    const cpu = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of cpu.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const category = new Map<number, string>();
    const categorize = (id: number): string => {
      const known = category.get(id);
      if (known) return known;
      const { url, functionName } = nodes.get(id)!.callFrame;
      const own = CATEGORIES.find((c) => c.matches(url, functionName))?.name;
      const up = parent.get(id);
      const result = own ?? (up === undefined ? 'node start-up and the rest' : categorize(up));
      category.set(id, result);
      return result;
    };
    const totals = new Map<string, number>();
    cpu.samples.forEach((id, i) => {
      const c = categorize(id);
      totals.set(c, (totals.get(c) ?? 0) + (cpu.timeDeltas[i] ?? 0) / 1000);
    });
    const order = [...CATEGORIES.map((c) => c.name), 'node start-up and the rest'];
    return [...order.map((c) => ({ category: c, ms: totals.get(c) ?? 0 })), { category: 'total (profiled)', ms: (cpu.endTime - cpu.startTime) / 1000 }];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface Results {
  app: string;
  summary: string;
  reference: Measure[];
  candidates: Measure[];
  generated: { n: number; direct: Measure; floor: Measure }[];
  /** The largest generated estate synthesized over its previous output, and its size. */
  generatedAgain: { n: number; measure: Measure };
  profiles: { label: string; split: { category: string; ms: number }[] }[];
  tests?: Measure;
  tscMs: number;
  elapsedMs: number;
}

function report(r: Results): void {
  const [cdk8s, direct, floor] = r.reference;
  const cliAlone = r.candidates.find((m) => m.label.startsWith('cdk8s CLI alone'))!;
  const out: string[] = [''];
  out.push(`reference estate (${r.summary.replace(/^shipshape: /, '')})`, `direct = cdk8s.yaml's app: ${r.app}`);
  out.push(
    table(
      ['command', 'wall (median)', 'CPU', 'peak RSS', 'first run', 'vs floor'],
      [...r.reference, ...r.candidates].map((m) => row(m, floor)),
    ),
  );
  out.push(`the cdk8s CLI's own cost (npx, loading the CLI, its upgrade check) is the "CLI alone" row: npx cdk8s synth ≈ CLI alone + direct`);
  out.push('', 'generated estates (N services: construct instances, each synthesized into one environment)');
  out.push(
    table(
      ['services', 'direct wall', 'floor wall', 'direct/floor', 'CPU (direct)', 'peak RSS (direct)'],
      r.generated.map(({ n, direct: d, floor: f }) => [
        String(n),
        seconds(d.wallMs) + flag(d),
        seconds(f.wallMs) + flag(f),
        ratio(d.wallMs / f.wallMs),
        seconds(d.cpuMs),
        megabytes(d.maxRssKb),
      ]),
    ),
  );
  const again = r.generatedAgain.measure;
  const againAtScale = r.generatedAgain.n === TARGETS.scaleServices;
  out.push(`${again.label}: ${seconds(again.wallMs)}${flag(again)} wall, ${seconds(again.cpuMs)} CPU, ${megabytes(again.maxRssKb)} peak RSS`);
  const fit = linearFit(r.generated.map((g) => [g.n, g.direct.wallMs]));
  const fitFloor = linearFit(r.generated.map((g) => [g.n, g.floor.wallMs]));
  if (fit)
    out.push(
      `slope: ${fit.slope.toFixed(2)} ms per service (direct; intercept ${seconds(fit.intercept)}, R² ${fit.r2.toFixed(4)}); floor ${fitFloor ? `${fitFloor.slope.toFixed(2)} ms per service, R² ${fitFloor.r2.toFixed(4)}` : '-'}`,
    );
  for (const p of r.profiles) {
    out.push('', `where the time goes: ${p.label} (one run under --cpu-prof, CPU time by the innermost category on the stack)`);
    out.push(
      table(
        ['category', 'ms'],
        p.split.map((s) => [s.category, s.ms.toFixed(0)]),
      ),
    );
  }
  if (r.tests)
    out.push(
      '',
      table(
        ['test suite', 'wall (median)', 'CPU', 'peak RSS'],
        [[`${r.tests.label} (${TEST_RUNS} runs)`, seconds(r.tests.wallMs) + flag(r.tests), seconds(r.tests.cpuMs), megabytes(r.tests.maxRssKb)]],
      ),
    );

  // Verdict.
  const atScale = r.generated.find((g) => g.n === TARGETS.scaleServices);
  const checks: [string, boolean | undefined][] = [
    [
      `direct ${ratio(direct.wallMs / floor.wallMs)} floor (≤ ${TARGETS.directOverFloor}×)`,
      !direct.failed && direct.wallMs <= floor.wallMs * TARGETS.directOverFloor,
    ],
    [
      `cdk8s synth floor ${signed(cdk8s.wallMs - floor.wallMs)} (≤ +${seconds(TARGETS.cdk8sOverFloorMs)}; the CLI alone takes ${seconds(cliAlone.wallMs)})`,
      !cdk8s.failed && cdk8s.wallMs - floor.wallMs <= TARGETS.cdk8sOverFloorMs,
    ],
    [
      atScale ? `${atScale.n} services ${seconds(atScale.direct.wallMs)} (< ${seconds(TARGETS.scaleMs)})` : `${TARGETS.scaleServices} services not measured`,
      atScale ? !atScale.direct.failed && atScale.direct.wallMs < TARGETS.scaleMs : undefined,
    ],
    // The "again" measure is of the largest size, which the bar is about only when it is the bar's size.
    [
      againAtScale ? `again over its output ${seconds(again.wallMs)} (< ${seconds(TARGETS.scaleMs)})` : `${TARGETS.scaleServices} services again not measured`,
      againAtScale ? !again.failed && again.wallMs < TARGETS.scaleMs : undefined,
    ],
    // Two points always fit a line: linearity needs three sizes or more.
    fit && r.generated.length >= 3
      ? [`linear R² ${fit.r2.toFixed(3)}, ${fit.slope.toFixed(2)} ms/service`, fit.r2 >= TARGETS.linearR2 && fit.slope > 0]
      : ['linearity needs 3+ sizes', undefined],
    [
      r.tests ? `tests ${seconds(r.tests.wallMs)} (< ${seconds(TARGETS.testsMs)})` : 'tests not run',
      r.tests ? !r.tests.failed && r.tests.wallMs < TARGETS.testsMs : undefined,
    ],
  ];
  const missed = checks.filter(([, ok]) => ok === false).length;
  out.push(
    '',
    `verdict: ${missed === 0 ? 'all targets met' : `${missed} target${missed === 1 ? '' : 's'} missed`} on ${os.cpus().length} cores: ${checks.map(([text, ok]) => `${ok === undefined ? '?' : ok ? '✓' : '✗'} ${text}`).join('; ')}`,
  );
  out.push(
    `(bench took ${seconds(r.elapsedMs)}; load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  console.log(out.join('\n'));
  if (r.reference.some((m) => m.failed) || r.generated.some((g) => g.direct.failed || g.floor.failed) || again.failed) process.exitCode = 1;
}

function row(m: Measure, floor: Measure): string[] {
  const versus = m === floor ? '1.00×' : m.label.startsWith('cdk8s CLI alone') ? '-' : `${ratio(m.wallMs / floor.wallMs)} (${signed(m.wallMs - floor.wallMs)})`;
  return [m.label, seconds(m.wallMs) + flag(m), seconds(m.cpuMs), megabytes(m.maxRssKb), seconds(m.firstWallMs), versus];
}

function signed(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${seconds(Math.abs(ms))}`;
}

function flag(m: Measure): string {
  return m.failed ? ' FAILED' : '';
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Least squares through (x, y): slope, intercept and R². */
export function linearFit(points: [number, number][]): { slope: number; intercept: number; r2: number } | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const syy = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function megabytes(kb: number): string {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : '-';
}

function ratio(x: number): string {
  return `${x.toFixed(2)}×`;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive whole number, got "${value}"`);
  return n;
}

function log(line: string): void {
  console.error(line);
}

if (require.main === module) main();
