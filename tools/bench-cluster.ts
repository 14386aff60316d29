/**
 * `npm run bench:cluster`: how long the control-plane suite takes, warm, and how long its binaries
 * take to build from nothing.
 *
 *   1. Warm suite: `npm run test:cluster` with every binary cached, BENCH_CLUSTER_RUNS times
 *      (default 1); the median wall time against the target (4 min on 2 cores).
 *   2. Cold build (only with `--cold`, it takes most of an hour on 2 cores): `npm run cluster:build`
 *      into an empty binary cache with an empty Go build cache (modules stay downloaded), so it
 *      measures compiling, not the network. Both temporary caches are removed afterwards.
 *
 * Prints one line per figure; nothing is asserted, a figure over its target is marked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const RUNS = Math.max(1, Number(process.env.BENCH_CLUSTER_RUNS ?? 1));
const WARM_TARGET_S = 240;

function timed(command: string[], env: Record<string, string> = {}): { seconds: number; ok: boolean; lastLine: string } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const lines = `${run.stdout ?? ''}`.trimEnd().split('\n');
  return { seconds, ok: run.status === 0, lastLine: lines[lines.length - 1] ?? '' };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`bench:cluster on ${cpus().length} cores`);
const build = timed(['npm', 'run', '--silent', 'cluster:build']);
if (!build.ok) {
  console.log(`cluster:build failed: ${build.lastLine}`);
  process.exit(1);
}
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const run = timed(['npm', 'run', '--silent', 'test:cluster']);
  console.log(`warm suite run ${i + 1}: ${run.seconds.toFixed(1)} s (${run.ok ? 'passed' : 'failed'}) ${run.lastLine}`);
  warm.push(run.seconds);
}
const warmMedian = median(warm);
console.log(
  `warm suite: median ${warmMedian.toFixed(1)} s over ${RUNS} run(s); target ≤ ${WARM_TARGET_S} s${warmMedian > WARM_TARGET_S ? '  OVER TARGET' : ''}`,
);

if (process.argv.includes('--cold')) {
  const cache = mkdtempSync(join(tmpdir(), 'shipshape-cold-bin-'));
  const goCache = mkdtempSync(join(tmpdir(), 'shipshape-cold-gocache-'));
  try {
    const cold = timed(['npm', 'run', '--silent', 'cluster:build'], { SHIPSHAPE_CLUSTER_CACHE: cache, GOCACHE: goCache });
    console.log(`cold build: ${cold.seconds.toFixed(0)} s (${(cold.seconds / 60).toFixed(1)} min, ${cold.ok ? 'ok' : 'failed'}), modules already downloaded`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
    rmSync(goCache, { recursive: true, force: true });
  }
}
