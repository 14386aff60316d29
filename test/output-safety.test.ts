import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiObject, Lazy } from 'cdk8s';
import { SystemDefinition, renderEstate, runSynth, synthesizeEstate } from '../lib/estate';
import { lockOutdir } from '../lib/output/outdir';
import { MigrationJob } from '../lib/migration-job';
import { WebApp } from '../lib/web-app';
import { environment } from './helpers';
import { tempDirs } from './temp-dirs';

const ROOT = path.join(__dirname, '..');
const tempDir = tempDirs('shipshape-output-safety');

const probes = { readiness: { http: '/ready' }, liveness: { http: '/live' } };
const shop: SystemDefinition = {
  name: 'shop',
  environments: [environment('dev'), environment('prod', { images: { web: 'v1.0.0' } })],
  define: (system) => {
    new WebApp(system, 'web', { image: 'ghcr.io/example/web', probes });
  },
};

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

function snapshot(dir: string): [string, string][] {
  return listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]);
}

/** `synthesizeEstate`'s message, or `undefined` when it succeeded. */
function failure(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Runs `runSynth` and returns what it printed to stderr and the exit code it set. */
function runSynthCaptured(systems: readonly SystemDefinition[], options: Parameters<typeof runSynth>[1]) {
  const lines: string[] = [];
  const error = vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const before = process.exitCode;
  try {
    runSynth(systems, options);
    return { stderr: lines.join('\n'), exitCode: process.exitCode };
  } finally {
    error.mockRestore();
    log.mockRestore();
    process.exitCode = before;
  }
}

/**
 * A node process that synthesizes `shop` (dev and prod, with `replicas` web replicas in dev) into
 * `outdir` through the library's TypeScript source.
 */
function childScript(dir: string, outdir: string, replicas: number): string {
  const script = path.join(dir, `synth-${replicas}.mts`);
  fs.writeFileSync(
    script,
    [
      `import { synthesizeEstate } from ${JSON.stringify(path.join(ROOT, 'lib', 'estate.ts'))};`,
      `import { WebApp } from ${JSON.stringify(path.join(ROOT, 'lib', 'web-app.ts'))};`,
      `const env = (tier) => ({ name: tier, tier: tier === 'dev' ? 'dev' : 'staging', namespace: 'shop-' + tier, domain: tier + '.shop.example.com', tls: { issuer: 'letsencrypt-staging' }, images: { web: 'v1.0.0' } });`,
      // Start together: each says it is ready, then waits for the go file.
      `import * as fs from 'node:fs';`,
      `fs.writeFileSync(${JSON.stringify(path.join(dir, `ready-${replicas}`))}, '');`,
      `while (!fs.existsSync(${JSON.stringify(path.join(dir, 'go'))})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);`,
      `try {`,
      `  synthesizeEstate([{ name: 'shop', environments: [env('dev'), env('staging'), env('qa'), env('demo')], define: (system) => { new WebApp(system, 'web', { image: 'ghcr.io/example/web', replicas: ${replicas}, probes: { readiness: { http: '/ready' }, liveness: { http: '/live' } } }); } }], { outdir: ${JSON.stringify(outdir)} });`,
      `  console.log('ok');`,
      `} catch (error) { console.error(error.message); process.exitCode = 1; }`,
      '',
    ].join('\n'),
  );
  return script;
}

const childEnv = { ...process.env, SHIPSHAPE_CACHE_DIR: 'off', CDK8S_OUTDIR: undefined as string | undefined };

function runChild(script: string, extra: { uid?: number; gid?: number } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: childEnv, ...extra });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('concurrent synths into one outdir take turns and leave one complete tree', () => {
  it.each([
    ['two at once', 2],
    ['four at once', 4],
  ])(
    '%s',
    async (_name, count) => {
      const dir = tempDir();
      const outdir = path.join(dir, 'dist');
      const scripts = Array.from({ length: count }, (_, i) => childScript(dir, outdir, i + 2));
      const running = Promise.all(scripts.map((s) => runChild(s)));
      while (fs.readdirSync(dir).filter((f) => f.startsWith('ready-')).length < count) await new Promise((resolve) => setTimeout(resolve, 20));
      fs.writeFileSync(path.join(dir, 'go'), '');
      const results = await running;
      for (const result of results) expect(result.stderr).toBe('');
      expect(results.map((r) => r.status)).toEqual(results.map(() => 0));
      const files = listFiles(outdir);
      expect(files).toContain('dev/shop/apps/shop.yaml');
      expect(files).toContain('staging/shop/apps/shop.yaml');
      // One run's tree: every environment has the same replica count (runs differ in it).
      const replicas = ['dev', 'staging', 'qa', 'demo'].map(
        (env) => fs.readFileSync(path.join(outdir, env, 'shop', 'apps', 'shop.yaml'), 'utf8').match(/replicas: (\d+)/)?.[1],
      );
      expect(new Set(replicas).size).toBe(1);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('dist'))).toEqual(['dist']);
    },
    60_000,
  );

  it.each([
    ['a synth that finds the lock held waits for it, then writes its whole tree', 'released after 1.5 s' as const],
    ['a synth that finds the lock held past its wait fails clearly and writes nothing', 'never released' as const],
  ])(
    '%s',
    async (_name, holder) => {
      const dir = tempDir();
      const outdir = path.join(dir, 'dist');
      synthesizeEstate([shop], { outdir });
      const before = snapshot(outdir);
      const release = lockOutdir(outdir);
      let released = false;
      try {
        if (holder === 'never released') {
          const other = { ...shop, name: 'other', environments: [environment('dev', { namespace: 'other-dev' })] };
          expect(failure(() => synthesizeEstate([other], { outdir, lockWaitMs: 100 }))).toMatch(
            /dist\.lock: another synth has been writing .*dist for over 0 s; wait for it to finish and run again/,
          );
          expect(snapshot(outdir)).toEqual(before);
          return;
        }
        const script = childScript(dir, outdir, 3);
        fs.writeFileSync(path.join(dir, 'go'), '');
        const running = runChild(script);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(snapshot(outdir), 'nothing is written while another synth holds the lock').toEqual(before);
        release();
        released = true;
        const result = await running;
        expect(result.stderr).toBe('');
        expect(listFiles(outdir)).toContain('demo/shop/apps/shop.yaml');
      } finally {
        if (!released) release();
      }
    },
    60_000,
  );
});

describe('empty input is an error and leaves dist/ untouched', () => {
  const cases: [string, unknown[], RegExp][] = [
    ['an empty system list', [], /^\s*systems: the list of systems is empty/m],
    [
      'a system with no environments',
      [{ ...shop, environments: [] }],
      /system "shop"\.environments: is empty, so the system would be left out of the output; add at least one environment/,
    ],
    ['an undefined entry (a wrong import)', [shop, undefined], /systems\[1\]: is undefined, not a SystemDefinition/],
    ['a system without environments', [{ name: 'shop', define: shop.define }], /system "shop"\.environments: is undefined, not a list/],
    ['a system without define', [{ name: 'shop', environments: shop.environments }], /system "shop"\.define: is undefined, not a function/],
  ];
  it.each(cases)('%s', (_name, systems, message) => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([shop], { outdir });
    const before = snapshot(outdir);
    expect(failure(() => synthesizeEstate(systems as SystemDefinition[], { outdir }))).toMatch(message);
    expect(snapshot(outdir)).toEqual(before);
  });
});

describe('odd outdirs get a deliberate behaviour and a clear message', () => {
  it.each([
    [
      'a file is refused and kept',
      (dir: string) => fs.writeFileSync(path.join(dir, 'dist'), 'notes\n'),
      /dist: is a file, not a directory; .* move the file away or choose another outdir/,
    ],
    [
      'a dangling symbolic link is refused',
      (dir: string) => fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dist')),
      /dist: is a symbolic link to .*nowhere, which does not exist; create that directory/,
    ],
    [
      'a symbolic link to a file is refused',
      (dir: string) => (fs.writeFileSync(path.join(dir, 'f'), 'x'), fs.symlinkSync(path.join(dir, 'f'), path.join(dir, 'dist'))),
      /dist: is a file \(through the link to .*\/f\)/,
    ],
  ])('%s', (_name, make, message) => {
    const dir = tempDir();
    make(dir);
    const before = fs.lstatSync(path.join(dir, 'dist')).isSymbolicLink()
      ? fs.readlinkSync(path.join(dir, 'dist'))
      : fs.readFileSync(path.join(dir, 'dist'), 'utf8');
    expect(failure(() => synthesizeEstate([shop], { outdir: path.join(dir, 'dist') }))).toMatch(message);
    const after = fs.lstatSync(path.join(dir, 'dist')).isSymbolicLink()
      ? fs.readlinkSync(path.join(dir, 'dist'))
      : fs.readFileSync(path.join(dir, 'dist'), 'utf8');
    expect(after).toBe(before);
  });

  it('a symbolic link to a directory is followed: the directory is replaced and the link stays', () => {
    const dir = tempDir();
    const real = path.join(dir, 'real');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'stale.yaml'), 'old\n');
    fs.symlinkSync(real, path.join(dir, 'dist'));
    synthesizeEstate([shop], { outdir: path.join(dir, 'dist') });
    expect(fs.lstatSync(path.join(dir, 'dist')).isSymbolicLink()).toBe(true);
    expect(listFiles(real)).toContain('dev/shop/apps/shop.yaml');
    expect(listFiles(real)).not.toContain('stale.yaml');
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot.each([
    [
      'a read-only directory inside outdir',
      (outdir: string) => fs.chmodSync(path.join(outdir, 'staging'), 0o555),
      /staging is read-only, so it cannot be replaced; make it writable/,
    ],
    ['a read-only parent of outdir', (outdir: string) => fs.chmodSync(path.dirname(outdir), 0o555), /is read-only, so it cannot be replaced; make it writable/],
  ])(
    '%s is refused before anything changes, and the message says so (as an unprivileged user)',
    async (_name, lock, message) => {
      const dir = tempDir();
      fs.chmodSync(dir, 0o755);
      const work = path.join(dir, 'work');
      fs.mkdirSync(work);
      const outdir = path.join(work, 'dist');
      const script = childScript(dir, outdir, 2);
      fs.writeFileSync(path.join(dir, 'go'), '');
      fs.chmodSync(dir, 0o777);
      spawnSync('chown', ['-R', '65534:65534', work]);
      const first = await runChild(script, { uid: 65534, gid: 65534 });
      expect(first.stderr).toBe('');
      const before = snapshot(outdir);
      lock(outdir);
      const second = await runChild(childScript(dir, outdir, 3), { uid: 65534, gid: 65534 });
      fs.chmodSync(work, 0o755);
      fs.chmodSync(path.join(outdir, 'staging'), 0o755);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(message);
      expect(snapshot(outdir)).toEqual(before);
      expect(fs.readdirSync(work).sort()).toEqual(['dist']);
    },
    60_000,
  );
});

describe('an interrupted swap is repaired before anything else', () => {
  const withMigration = (command: string[]): SystemDefinition => ({
    ...shop,
    environments: [environment('prod', { images: { web: 'v1.0.0' } })],
    define: (system) => {
      const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web', probes });
      new MigrationJob(system, 'migrate', { app: web, command });
    },
  });

  it.each([
    ['dist/ missing beside dist.previous: restored, then the immutable-field check reads it', ['previous'] as const],
    ['dist/ missing beside dist.previous and dist.next: restored from dist.previous', ['previous', 'next'] as const],
  ])('%s', (_name, left) => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([withMigration(['migrate', 'up'])], { outdir });
    const before = snapshot(outdir);
    fs.renameSync(outdir, `${outdir}.previous`);
    if (left.includes('next' as never)) fs.mkdirSync(`${outdir}.next/half`, { recursive: true });
    expect(failure(() => synthesizeEstate([withMigration(['migrate', 'up', '--all'])], { outdir }))).toMatch(/Job migrate-v1-0-0: spec.template differs/);
    expect(snapshot(outdir)).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual(['dist']);
  });

  it.each([
    ['a refused definition', /was not changed/],
    ["cdk8s' own output directory is the outdir (cdk8s deleted it)", /may not be as it was/],
  ])('"dist/ was not changed" is printed only when true: %s', (name, message) => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([shop], { outdir });
    const stagingDir = name.startsWith('cdk8s') ? undefined : path.join(dir, 'staging');
    const previous = process.env.CDK8S_OUTDIR;
    if (!stagingDir) process.env.CDK8S_OUTDIR = outdir;
    try {
      const result = runSynthCaptured([shop, { ...shop, name: 'other', environments: [environment('dev', { namespace: 'other-dev', domain: 'BAD' })] }], {
        outdir,
        stagingDir,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr.split('\n')[0]).toMatch(message);
    } finally {
      if (previous === undefined) delete process.env.CDK8S_OUTDIR;
      else process.env.CDK8S_OUTDIR = previous;
    }
  });
});

describe("cdk8s' own output directory must not be the outdir", () => {
  afterEach(() => {
    delete process.env.CDK8S_OUTDIR;
  });

  it.each([
    [
      'CDK8S_OUTDIR is the outdir (no output: line in cdk8s.yaml)',
      (dir: string) => ({ env: path.join(dir, 'dist') }),
      /cdk8s\.yaml: cdk8s synth's output directory .*dist \(CDK8S_OUTDIR\) is the outdir .*Add "output: \.synth" to cdk8s\.yaml/,
    ],
    ['CDK8S_OUTDIR inside the outdir', (dir: string) => ({ env: path.join(dir, 'dist', 'synth') }), /overlaps the outdir .*Add "output: \.synth"/],
    ['CDK8S_OUTDIR holding the outdir', (dir: string) => ({ env: dir }), /overlaps the outdir/],
    [
      'stagingDir inside the outdir',
      (dir: string) => ({ staging: path.join(dir, 'dist', '.synth') }),
      /stagingDir: .* overlaps the outdir .*choose a directory outside/,
    ],
  ])('%s is refused', (_name, where, message) => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([shop], { outdir });
    const before = snapshot(outdir);
    const { env, staging } = where(dir) as { env?: string; staging?: string };
    if (env) process.env.CDK8S_OUTDIR = env;
    expect(failure(() => synthesizeEstate([shop], { outdir, stagingDir: staging }))).toMatch(message);
    expect(snapshot(outdir)).toEqual(before);
  });
});

describe('define is synchronous, and what it throws names the system and environment', () => {
  afterEach(() => {
    delete process.env.SHIPSHAPE_DEBUG;
  });

  it.each([
    ['an async define that resolves', async () => undefined],
    ['an async define that rejects', async () => Promise.reject(new Error('no bucket'))],
    ['a define returning a thenable', () => ({ then: () => undefined })],
  ])('%s is refused', async (_name, define) => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      expect(failure(() => renderEstate([{ ...shop, define: define as SystemDefinition['define'] }]))).toMatch(
        /\{dev,prod\}\/shop: define returned a Promise \(an async function\?\); define must be synchronous/,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  const lazyThrow: SystemDefinition['define'] = (system) => {
    shop.define(system);
    new ApiObject(system, 'odd', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: Lazy.any({
        produce: () => {
          throw new Error('the lazy value failed');
        },
      }),
    });
  };
  it.each([
    [
      'thrown in define',
      () => {
        throw new Error('the bucket name is missing');
      },
      undefined,
      /^\s*\{dev,prod\}\/shop: the bucket name is missing \(at .*output-safety\.test\.ts:\d+:\d+\)+$/m,
    ],
    ['a value a construct computes after define returned', lazyThrow, undefined, /^\s*\{dev,prod\}\/shop: .*the lazy value failed/m],
    [
      'a string thrown',
      () => {
        throw 'plain words';
      },
      undefined,
      /^\s*\{dev,prod\}\/shop: plain words$/m,
    ],
    [
      'with SHIPSHAPE_DEBUG=1 the whole stack',
      () => {
        throw new Error('deep');
      },
      '1',
      /^\s*\{dev,prod\}\/shop: Error: deep\n\s+at .*output-safety\.test\.ts/m,
    ],
  ])('%s', (_name, define, debug, message) => {
    if (debug) process.env.SHIPSHAPE_DEBUG = debug;
    const text = failure(() => renderEstate([{ ...shop, define: define as SystemDefinition['define'] }]));
    expect(text).toMatch(message);
    if (!debug) expect(text).not.toMatch(/\n\s+at /);
  });
});

describe('temporary files are private and removed after every run', () => {
  let tmp: string | undefined;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it.each([
    ['a synth that succeeds', [shop]],
    ['a synth that fails', [{ ...shop, environments: [environment('dev', { domain: 'BAD' })] }]],
  ])('%s leaves nothing in $TMPDIR', (_name, systems) => {
    const dir = tempDir();
    const scratch = path.join(dir, 'tmp');
    fs.mkdirSync(scratch);
    tmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    const previousCache = process.env.SHIPSHAPE_CACHE_DIR;
    process.env.SHIPSHAPE_CACHE_DIR = 'off';
    try {
      failure(() => synthesizeEstate(systems as SystemDefinition[], { outdir: path.join(dir, 'dist') }));
    } finally {
      if (previousCache === undefined) delete process.env.SHIPSHAPE_CACHE_DIR;
      else process.env.SHIPSHAPE_CACHE_DIR = previousCache;
    }
    expect(fs.readdirSync(scratch)).toEqual([]);
  });
});
