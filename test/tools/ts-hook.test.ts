import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../temp-dirs';

const ROOT = path.join(__dirname, '..', '..');
const HOOK = path.join(ROOT, 'tools', 'ts-hook.js');

const tempDir = tempDirs('shipshape-ts-hook');

/** Writes `files` under a new directory and runs `entry` with the hook; the cache goes where `cache` says. */
function run(files: Record<string, string>, entry: string, cache: string, dir = tempDir(), env: NodeJS.ProcessEnv = {}) {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  const child = spawnSync(process.execPath, ['--require', HOOK, entry], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SHIPSHAPE_CACHE_DIR: cache, NODE_OPTIONS: '', ...env },
  });
  return { dir, status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const program = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true } }),
  'lib/index.ts': "export { greet, Greeting } from './greet';\n",
  'lib/greet.ts': [
    'export interface Greeting { readonly name: string }',
    'export class Greeter { count?: number; constructor(private readonly prefix: string) {} say(g: Greeting): string { return `${this.prefix} ${g.name}`; } }',
    "export function greet(g: Greeting): string { return new Greeter('hello').say(g); }",
    '',
  ].join('\n'),
  'main.ts': [
    "import { greet, Greeting } from './lib';",
    "import { Greeter } from './lib/greet';",
    "const who: Greeting = { name: 'world' };",
    'console.log(greet(who));',
    // TypeScript's ES2022 target defines declared class fields; so must the hook, reading tsconfig.json.
    "console.log('count' in new Greeter('x') ? 'defined' : 'not defined');",
    '',
  ].join('\n'),
};

describe('tools/ts-hook.js: the runner of cdk8s.yaml', () => {
  it('runs a TypeScript program across files, types stripped, class fields as tsconfig.json says', () => {
    const result = run(program, 'main.ts', tempDir());
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello world\ndefined\n');
  });

  it('points an error at the TypeScript line it was thrown from', () => {
    const result = run(
      { 'tsconfig.json': '{}', 'main.ts': ['interface Unused { a: number }', '', 'function fail(): never {', "  throw new Error('broken definition');", '}', 'fail();', ''].join('\n') },
      'main.ts',
      tempDir(),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/main\.ts:4:\d+/);
  });

  it('caches each transform by content, and a changed file is transformed again', () => {
    const cache = tempDir();
    const first = run(program, 'main.ts', cache);
    const entries = fs.readdirSync(path.join(cache, 'ts'));
    expect(entries).toHaveLength(3);
    // A second run reads the cache: marked entries show it.
    for (const entry of entries) {
      const file = path.join(cache, 'ts', entry);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/(["'])hello\1/, '"cached hello"'));
    }
    expect(run({}, 'main.ts', cache, first.dir).stdout).toBe('cached hello world\ndefined\n');
    fs.writeFileSync(path.join(first.dir, 'lib/greet.ts'), program['lib/greet.ts'].replace("'hello'", "'hi'"));
    expect(run({}, 'main.ts', cache, first.dir).stdout).toBe('hi world\ndefined\n');
  });

  it('writes nothing with SHIPSHAPE_CACHE_DIR=off', () => {
    const tmp = tempDir();
    const result = run(program, 'main.ts', 'off', tempDir(), { TMPDIR: tmp });
    expect(result.stdout).toBe('hello world\ndefined\n');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('runs the library itself: a small estate synthesizes through the hook', () => {
    const out = tempDir();
    const result = run(
      {
        'main.ts': [
          `import { runSynth, WebApp } from ${JSON.stringify(path.join(ROOT, 'lib'))};`,
          'runSynth([{ name: "shop", environments: [{ name: "dev", tier: "dev", namespace: "shop-dev", domain: "dev.shop.example.com", tls: { issuer: "letsencrypt-staging" } }],',
          '  define: (system) => { new WebApp(system, "web", { image: "ghcr.io/example/web" }); } }],',
          `  { outdir: ${JSON.stringify(path.join(out, 'dist'))}, stagingDir: ${JSON.stringify(path.join(out, 'staging'))} });`,
          '',
        ].join('\n'),
      },
      'main.ts',
      tempDir(),
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^shipshape: 1 environment, \d+ objects in \d+ files/);
    expect(fs.existsSync(path.join(out, 'dist', 'dev', 'kustomization.yaml'))).toBe(true);
  });
});
