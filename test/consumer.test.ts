import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { schemasAvailable } from './support/schemas';
import { packedTarball } from './support/packed-tarball';

/**
 * Another team's view: the packed tarball installed into a fresh cdk8s app outside the repository,
 * used from plain JavaScript with no path into lib/.
 */

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** A small system with every construct, as a consumer writes it. */
const APP = `
const { App } = require('cdk8s');
const { SystemChart, WebApp, AutoscaledBackend, Worker, MigrationJob, TlsIngress, synthesizeEstate, formatSummary } = require('@shipshape-k8s/shipshape');

const environments = [
  { name: 'dev', tier: 'dev', namespace: 'notes-dev', domain: 'dev.notes.example.com', tls: { issuer: 'letsencrypt-staging' },
    build: 'sha-4b825dc',
    delivery: { flavour: 'flux', repository: { url: 'https://github.com/example/notes-deploy' } } },
  { name: 'prod', tier: 'prod', namespace: 'notes-prod', domain: 'notes.example.com', tls: { issuer: 'letsencrypt-prod' },
    images: { api: 'v2.3.1', web: 'v2.3.1', worker: 'v2.3.1' },
    delivery: { flavour: 'flux', repository: { url: 'https://github.com/example/notes-deploy' } } },
];

const notes = {
  name: 'notes',
  environments,
  define: (system) => {
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379, security: { runAsUser: 999, runAsGroup: 999 } });
    const api = new AutoscaledBackend(system, 'api', {
      image: 'ghcr.io/example/notes-api',
      probes: { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } },
      secrets: ['notes-secrets'],
      connectsTo: [redis.served],
    });
    const web = new WebApp(system, 'web', { image: 'ghcr.io/example/notes-web', backends: { API_URL: api } });
    new Worker(system, 'worker', { image: 'ghcr.io/example/notes-api', command: ['celery', 'worker'], secrets: ['notes-secrets'], connectsTo: [redis.served],
      scaling: { maxReplicas: 5, redisList: { address: redis.host + ':6379', listName: 'celery' } } });
    new MigrationJob(system, 'migrate', { app: api, command: ['alembic', 'upgrade', 'head'] });
    new TlsIngress(system, 'edge', { routes: [{ path: '/api', backend: api }, { path: '/', backend: web }] });
  },
};

const mode = process.argv[2];
if (mode === 'synth') {
  console.log(formatSummary(synthesizeEstate([notes], { outdir: 'dist', stagingDir: '.synth' }), 'dist'));
} else if (mode === 'bad-props') {
  // A JavaScript caller passing a wrong type and a typo: the zod messages, not a TypeError.
  const system = new SystemChart(new App(), 'notes', { environment: environments[0] });
  new WebApp(system, 'web', { image: 'ghcr.io/example/notes-web:v1', port: '3000', replica: 2 });
  try {
    require('cdk8s').App.of(system).synth();
  } catch (error) {
    console.log(error.message);
  }
}
`;

/** This process's environment without the settings that point at or switch off the schemas: a consumer's. */
function withoutSchemaSettings(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SHIPSHAPE_SHARED_DIR;
  delete env.SHIPSHAPE_SCHEMA_VALIDATION;
  return env;
}

describe('a consumer installing the packed tarball', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-consumer-'));
  let tarball = '';

  beforeAll(() => {
    tarball = packedTarball();
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'notes-deploy', private: true, version: '1.0.0' }));
    const peers = Object.entries<string>(pkg.devDependencies)
      .filter(([name]) => name in pkg.peerDependencies)
      .map(([name, range]) => `${name}@${range}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers], { cwd: app, stdio: 'ignore' });
    fs.writeFileSync(path.join(app, 'main.js'), APP);
  }, 240_000);

  it.runIf(schemasAvailable)('validates strictly from the schemas in the tarball, with no setting', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/build/schemas/kubernetes-1.28-swagger.json.gz');
    expect(listing).toContain('package/build/schemas/crds/cert-manager.io_certificates.json.gz');
    // An unknown field and a wrong type in a raw object: only a schema check refuses them.
    const script = `
      const { App, ApiObject } = require('cdk8s');
      const { runSynth, WebApp } = require('@shipshape-k8s/shipshape');
      const env = { name: 'dev', tier: 'dev', namespace: 'notes-dev', domain: 'dev.notes.example.com', tls: { issuer: 'staging' } };
      runSynth([{ name: 'notes', environments: [env], define: (system) => {
        new WebApp(system, 'web', { image: 'ghcr.io/example/notes-web:v1' });
        new ApiObject(system, 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw', namespace: 'notes-dev' }, data: { a: 1 }, colour: 'red' });
      } }], { outdir: 'strict-dist' });`;
    const result = spawnSync('node', ['-e', script], { cwd: path.join(dir, 'app'), encoding: 'utf8', env: withoutSchemaSettings() });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\[schema\] ConfigMap\/notes-dev\/raw: \/colour: unknown field "colour"/);
    expect(result.stderr).toMatch(/\[schema\] ConfigMap\/notes-dev\/raw: \/data\/a: must be string/);
    // A damaged installation is an error naming the file, not a silent skip.
    const swagger = path.join(dir, 'app/node_modules/@shipshape-k8s/shipshape/build/schemas/kubernetes-1.28-swagger.json.gz');
    const saved = fs.readFileSync(swagger);
    fs.writeFileSync(swagger, 'not gzip');
    try {
      const broken = spawnSync('node', ['main.js', 'synth'], { cwd: path.join(dir, 'app'), encoding: 'utf8', env: withoutSchemaSettings() });
      expect(broken.status).toBe(1);
      expect(broken.stderr).toMatch(/schemas: .*build\/schemas\/kubernetes-1\.28-swagger\.json\.gz: cannot be read/);
      const optedOut = spawnSync('node', ['main.js', 'synth'], {
        cwd: path.join(dir, 'app'),
        encoding: 'utf8',
        env: { ...withoutSchemaSettings(), SHIPSHAPE_SCHEMA_VALIDATION: 'off' },
      });
      expect(optedOut.status, optedOut.stderr).toBe(0);
      expect(optedOut.stdout).toMatch(/schema validation skipped: SHIPSHAPE_SCHEMA_VALIDATION=off/);
    } finally {
      fs.writeFileSync(swagger, saved);
    }
  });

  it('ships only what a consumer needs: no tests, no estate, no dist/', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toContain('package/build/lib/index.js');
    expect(listing).toContain('package/build/lib/index.d.ts');
    expect(listing).toContain('package/CHANGELOG.md');
    expect(listing).toContain('package/LICENSE');
    expect(listing).toContain('package/docs/api/README.md');
    expect(listing.filter((f) => /\/(test|estate|dist|tools)\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('is installed under its scoped name, with the Apache-2.0 text and the API reference', () => {
    expect(pkg.name).toBe('@shipshape-k8s/shipshape');
    expect(path.basename(tarball)).toBe(`shipshape-k8s-shipshape-${pkg.version}.tgz`);
    const installed = path.join(dir, 'app/node_modules/@shipshape-k8s/shipshape');
    expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    // The README's link to the reference resolves inside the installed package.
    const link = /\[`docs\/api\/`\]\(([^)]+)\)/.exec(fs.readFileSync(path.join(installed, 'README.md'), 'utf8'))?.[1];
    expect(link).toBe('docs/api/README.md');
    expect(fs.readFileSync(path.join(installed, link!), 'utf8')).toMatch(/WebApp/);
  });

  it.runIf(schemasAvailable)('synthesizes every construct in a fresh app and passes the checks, strict schemas included', () => {
    const app = path.join(dir, 'app');
    const result = spawnSync('node', ['main.js', 'synth'], { cwd: app, encoding: 'utf8', env: withoutSchemaSettings() });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The only warnings: each environment's issuer needs an HTTP-01 solver on the system's Gateway.
    expect(result.stdout).toMatch(/^shipshape: 2 environments, \d+ objects in \d+ files, 2 warnings\n/);
    expect(result.stdout.match(/\[gateway-http01-solver\]/g)).toHaveLength(2);
    const prod = parseAllDocuments(fs.readFileSync(path.join(app, 'dist/prod/notes/apps/notes.yaml'), 'utf8')).map((d) => d.toJSON());
    expect(new Set(prod.map((o) => o.kind))).toEqual(
      new Set([
        'ServiceAccount',
        'Service',
        'Deployment',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ScaledObject',
        'Certificate',
        'Gateway',
        'HTTPRoute',
        'BackendTrafficPolicy',
        'ClientTrafficPolicy',
      ]),
    );
    expect(fs.existsSync(path.join(app, 'dist/prod/notes/migrations/notes.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'dist/prod/flux/flux.yaml'))).toBe(true);
    execFileSync('kubectl', ['kustomize', path.join(app, 'dist/prod')]);
  });

  it.runIf(schemasAvailable)('runs the README example, copied as is, with the result the README shows', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = /<!-- consumer-example -->\n```js\n([\s\S]*?)```\n<!-- \/consumer-example -->/.exec(readme)?.[1];
    expect(example, 'the README keeps its example between the consumer-example markers').toBeDefined();
    const app = path.join(dir, 'app');
    fs.writeFileSync(path.join(app, 'readme.js'), example!);
    const result = spawnSync('node', ['readme.js'], { cwd: app, encoding: 'utf8', env: withoutSchemaSettings() });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^shipshape: 1 environment, 23 objects in 9 files, 1 warning\n/);
    expect(result.stdout).toMatch(/gatewayHTTPRoute: \{ parentRefs: \[\{ kind: 'Gateway', name: 'notes', namespace: 'notes-prod' \}\] \}/);
    expect(result.stdout).not.toMatch(/skipped/);
    for (const dir of ['notes', 'notes/infrastructure', 'notes/apps', 'flux'])
      expect(fs.existsSync(path.join(app, `dist/prod/${dir}/kustomization.yaml`)), dir).toBe(true);
  });

  it('gives a JavaScript caller the field-named messages, not a TypeError', () => {
    const result = spawnSync('node', ['main.js', 'bad-props'], { cwd: path.join(dir, 'app'), encoding: 'utf8' });
    expect(result.stdout).toMatch(/WebApp "web": port: Invalid input: expected number, received string/);
    expect(result.stdout).toMatch(/WebApp "web": \(props\): Unrecognized key: "replica"/);
  });
});

describe('a consumer installing from git, as the README documents', () => {
  // npm clones the repository, installs its dev dependencies and runs `prepare` (the build) before
  // packing it: what a `git+https://…#v1.2.3` install does. It installs the committed HEAD.
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });

  it.skipIf(head.status !== 0)(
    'gets a built package under the scoped name',
    () => {
      const app = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-git-consumer-'));
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'notes-deploy', private: true, version: '1.0.0' }));
      const peers = Object.keys(pkg.peerDependencies).map((name) => `${name}@${pkg.devDependencies[name]}`);
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `git+file://${ROOT}#${head.stdout.trim()}`, ...peers], {
        cwd: app,
        stdio: 'ignore',
      });
      const installed = path.join(app, 'node_modules/@shipshape-k8s/shipshape');
      expect(fs.existsSync(path.join(installed, 'build/lib/index.js')), 'prepare built the library').toBe(true);
      expect(fs.existsSync(path.join(installed, 'LICENSE'))).toBe(true);
      const result = spawnSync('node', ['-e', "console.log(typeof require('@shipshape-k8s/shipshape').runSynth)"], { cwd: app, encoding: 'utf8' });
      expect(result.stdout.trim(), result.stderr).toBe('function');
    },
    240_000,
  );
});
