import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultSharedDir } from '../lib/checks/schema-validation';
import { tempDirs } from './temp-dirs';

const ROOT = path.join(__dirname, '..');
const APP = String(parseYaml(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).app);

const tempDir = tempDirs('shipshape-synth-app');

/**
 * Runs cdk8s.yaml's `app` command, as `cdk8s synth` does (through a shell), in a scratch directory
 * linked to the library, with `main.ts` as given: the working tree's `dist/` is never touched.
 */
function runApp(main: string) {
  const dir = tempDir();
  for (const entry of ['node_modules', 'lib', 'imports', 'package.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.build.json'])
    fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  fs.writeFileSync(path.join(dir, 'main.ts'), main);
  // The bundle lands in the scratch directory, away from ../shared: name the schemas.
  const env = { ...process.env, CDK8S_OUTDIR: path.join(dir, '.synth'), SHIPSHAPE_SHARED_DIR: defaultSharedDir() };
  const child = spawnSync('sh', ['-c', APP], { cwd: dir, encoding: 'utf8', env });
  return { dir, status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const shop = (define: string) =>
  [
    "import { runSynth, WebApp } from './lib';",
    '',
    "runSynth([{ name: 'shop', environments: [{ name: 'dev', tier: 'dev', namespace: 'shop-dev', domain: 'dev.shop.example.com', tls: { issuer: 'letsencrypt-staging' } }],",
    `  define: (system) => { ${define} } }]);`,
    '',
  ].join('\n');

describe("cdk8s.yaml's app: main.ts bundled by esbuild (no type check) and run by node", () => {
  it('synthesizes: the summary goes to stderr for the cdk8s CLI, the output to dist/ and its staging directory', () => {
    const result = runApp(shop("new WebApp(system, 'web', { image: 'ghcr.io/example/web' });"));
    expect(result.stderr).toMatch(/^shipshape: 1 environment, \d+ objects in \d+ files/);
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(result.dir, 'dist', 'dev', 'shop', 'apps', 'shop.yaml'), 'utf8')).toContain('kind: Deployment');
    expect(fs.existsSync(path.join(result.dir, '.synth', 'dev', 'shop', 'apps', 'shop.yaml')), 'cdk8s collects the YAML from its own output directory').toBe(
      true,
    );
  });

  it("points a definition's exception at its TypeScript line, exits non-zero and writes no dist/", () => {
    const result = runApp(shop("new WebApp(system, 'web', { image: 'ghcr.io/example/web' }); throw new Error('the bucket name is missing');"));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dev/shop: the bucket name is missing');
    expect(result.stderr, 'the source map leads back to main.ts, line 4').toMatch(/main\.ts:4:\d+/);
    expect(fs.existsSync(path.join(result.dir, 'dist'))).toBe(false);
  });
});
