import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { schemasAvailable } from './support/schemas';
import { packedTarball } from './support/packed-tarball';

/**
 * Issue 17, items 1 and 2: each starter in examples/ (a complete app: package.json, cdk8s.yaml,
 * tsconfig.json, main.ts) is copied into a fresh directory, given the packed tarball, and
 * synthesized with `cdk8s synth` under TypeScript 5.9 and 7, with strict validation and no setting.
 * A starter is in one of two styles: the estate runner (`runSynth`, which writes dist/<env>/), or
 * a plain cdk8s App with a SystemChart (cdk8s writes its own output directory).
 */

const ROOT = path.join(__dirname, '..');
const STARTERS = fs.readdirSync(path.join(ROOT, 'examples')).filter((dir) => fs.existsSync(path.join(ROOT, 'examples', dir, 'cdk8s.yaml')));
/** Whether a starter runs the estate runner, or is a plain cdk8s App. */
const isEstate = (starter: string) => fs.readFileSync(path.join(ROOT, 'examples', starter, 'main.ts'), 'utf8').includes('runSynth(');
const TYPESCRIPTS = [
  ['5.9', '~5.9.3'],
  ['7', '^7.0.2'],
] as const;

/** A consumer's environment: nothing pointing at ../shared or switching the schemas off. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SHIPSHAPE_SHARED_DIR;
  delete env.SHIPSHAPE_SCHEMA_VALIDATION;
  delete env.CDK8S_OUTDIR;
  return env;
}

function npm(args: string[], cwd: string): void {
  execFileSync('npm', ['--no-audit', '--no-fund', '--prefer-offline', ...args], { cwd, stdio: 'ignore' });
}

function synth(app: string) {
  const started = Date.now();
  const result = spawnSync(path.join(app, 'node_modules/.bin/cdk8s'), ['synth', '--check-upgrade=false'], { cwd: app, encoding: 'utf8', env: consumerEnv() });
  return { ...result, output: `${result.stdout}${result.stderr}`, seconds: (Date.now() - started) / 1000 };
}

describe.each(STARTERS)('the %s starter, from the packed tarball', (starter) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shipshape-${starter}-`));
  const app = path.join(dir, 'app');
  // Each style has tests of its own; the other style's are not registered for this starter.
  const estateStyle = isEstate(starter) ? it.runIf(schemasAvailable) : undefined;
  const plainStyle = isEstate(starter) ? undefined : it.runIf(schemasAvailable);

  beforeAll(() => {
    fs.cpSync(path.join(ROOT, 'examples', starter), app, { recursive: true, filter: (source) => !/\/(node_modules|build|dist|\.synth)$/.test(source) });
    npm(['install', packedTarball()], app);
  }, 300_000);
  // Removing an installed node_modules takes a while on a busy machine.
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }), 120_000);

  it('is a complete app', () => {
    for (const file of ['package.json', 'cdk8s.yaml', 'tsconfig.json', 'main.ts'])
      expect(fs.existsSync(path.join(ROOT, 'examples', starter, file)), file).toBe(true);
    // cdk8s empties its output directory before each run: never the one the estate runner writes.
    if (isEstate(starter)) expect(fs.readFileSync(path.join(app, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: (?!dist\b)\S+$/m);
  });

  estateStyle?.each(TYPESCRIPTS)(
    'synthesizes a valid dist/ under TypeScript %s, with strict validation',
    (_, range) => {
      npm(['install', '--save-dev', `typescript@${range}`], app);
      fs.rmSync(path.join(app, 'dist'), { recursive: true, force: true });
      const result = synth(app);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toMatch(/shipshape: 2 environments, \d+ objects in \d+ files/);
      expect(result.output).not.toMatch(/skipped/);
      for (const env of ['dev', 'prod']) {
        const rendered = execFileSync('kubectl', ['kustomize', path.join(app, 'dist', env)], { encoding: 'utf8' });
        const kinds = new Set(parseAllDocuments(rendered).map((d) => d.toJSON()?.kind));
        expect(kinds).toContain('Deployment');
        expect(kinds).toContain('Job');
      }
    },
    180_000,
  );

  plainStyle?.each(TYPESCRIPTS)(
    "synthesizes valid manifests into cdk8s's output directory under TypeScript %s, with strict validation",
    (_, range) => {
      npm(['install', '--save-dev', `typescript@${range}`], app);
      const result = synth(app);
      expect(result.status, result.output).toBe(0);
      expect(result.output, 'the schemas the package ships are found').not.toMatch(/skipped/);
      const files = fs.readdirSync(path.join(app, 'dist')).filter((file) => file.endsWith('.k8s.yaml'));
      const kinds = new Set(files.flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(app, 'dist', file), 'utf8')).map((d) => d.toJSON()?.kind)));
      for (const kind of ['Namespace', 'NetworkPolicy', 'Deployment', 'HorizontalPodAutoscaler', 'Gateway', 'HTTPRoute']) expect(kinds, kind).toContain(kind);
    },
    180_000,
  );

  plainStyle?.(
    'prints a props error and a strict-schema error at once through cdk8s synth, and exits non-zero',
    () => {
      const main = path.join(app, 'main.ts');
      const saved = fs.readFileSync(main, 'utf8');
      const broken = [
        "import { ApiObject } from 'cdk8s';",
        saved.replace('app.synth();', ''),
        "new WebApp(notes, 'admin', { image: 'ghcr.io/example/notes-admin', port: 70000 });",
        "new ApiObject(notes, 'flags', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags' }, data: { beta: 1 as unknown as string } });",
        'app.synth();',
      ].join('\n');
      fs.writeFileSync(main, broken);
      try {
        const result = synth(app);
        expect(result.status).not.toBe(0);
        expect(result.output).toMatch(/\[notes\/admin\] WebApp "admin": port: .*65535/);
        expect(result.output).toMatch(/\[notes\] notes: \[schema\] ConfigMap\/notes-prod\/flags: \/data\/beta: .*string/);
      } finally {
        fs.writeFileSync(main, saved);
      }
    },
    120_000,
  );

  it.runIf(schemasAvailable)(
    'prints a type error through cdk8s synth (the estate runner leaves dist/ as it was)',
    () => {
      const main = path.join(app, 'main.ts');
      const saved = fs.readFileSync(main, 'utf8');
      const kept = path.join(app, isEstate(starter) ? 'dist/prod/kustomization.yaml' : 'package.json');
      const before = fs.readFileSync(kept, 'utf8');
      fs.writeFileSync(main, `${saved}\nconst port: number = 'eighty';\nexport { port };\n`);
      try {
        const result = synth(app);
        expect(result.status).not.toBe(0);
        expect(result.output).toMatch(/main\.ts.*error.*TS2322.*Type 'string' is not assignable to type 'number'/s);
        expect(fs.readFileSync(kept, 'utf8')).toBe(before);
      } finally {
        fs.writeFileSync(main, saved);
      }
    },
    120_000,
  );
});
