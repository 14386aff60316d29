import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SystemDefinition, formatSummary, renderEstate, synthesizeEstate } from '../lib/estate';
import { ShipshapeError } from '../lib/core/issues';
import { MigrationJob } from '../lib/migration-job';
import { WebApp } from '../lib/web-app';
import { environment } from './helpers';

const shop: SystemDefinition = {
  name: 'shop',
  environments: [environment('dev'), environment('staging', { images: { web: 'v1.0.0' } }), environment('prod', { images: { web: 'v1.0.0' } })],
  define: (system) => {
    new WebApp(system, 'web', { image: 'ghcr.io/example/web', probes: { readiness: { http: '/ready' }, liveness: { http: '/live' } } });
  },
};

const broken: SystemDefinition = {
  name: 'broken',
  environments: [environment('dev', { namespace: 'broken-dev' }), environment('prod', { namespace: 'broken-prod' })],
  define: (system) => {
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:latest', port: 0 });
    new WebApp(system, 'api', { image: 'ghcr.io/example/api:v1', replicas: -1 });
  },
};

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-estate-'));
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('estate output', () => {
  it('writes one directory per environment and system, split into layers, each with a kustomization, and its picture', () => {
    const rendered = renderEstate([shop]);
    expect([...rendered.files.keys()].sort()).toEqual(
      ['dev', 'prod', 'staging'].flatMap((env) => [
        `${env}/README.md`,
        `${env}/kustomization.yaml`,
        `${env}/shop/apps/kustomization.yaml`,
        `${env}/shop/apps/shop.yaml`,
        `${env}/shop/infrastructure/kustomization.yaml`,
        `${env}/shop/infrastructure/shop.yaml`,
        `${env}/shop/kustomization.yaml`,
      ]),
    );
    expect(rendered.files.get('dev/kustomization.yaml')).toContain('resources:\n  - shop\n');
    expect(rendered.files.get('dev/shop/kustomization.yaml')).toContain('resources:\n  - infrastructure\n  - apps\n');
    expect(rendered.files.get('dev/shop/apps/kustomization.yaml')).toContain('resources:\n  - shop.yaml\n');
    expect(rendered.environments.map((e) => [e.name, e.systems])).toEqual([
      ['dev', ['shop']],
      ['staging', ['shop']],
      ['prod', ['shop']],
    ]);
  });

  it('is byte-identical on every run', () => {
    const first = renderEstate([shop]).files;
    const second = renderEstate([shop]).files;
    expect([...second.entries()]).toEqual([...first.entries()]);
  });

  it('orders objects by kind so dependencies come first', () => {
    const apps = renderEstate([shop]).files.get('prod/shop/apps/shop.yaml')!;
    const kinds = [...apps.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds).toEqual(['ServiceAccount', 'Service', 'Deployment', 'PodDisruptionBudget']);
  });

  it('builds every environment with kubectl kustomize', () => {
    const dir = tempDir();
    synthesizeEstate([shop], { outdir: path.join(dir, 'dist'), stagingDir: path.join(dir, 'staging') });
    for (const env of ['dev', 'staging', 'prod']) {
      const built = execFileSync('kubectl', ['kustomize', path.join(dir, 'dist', env)], { encoding: 'utf8' });
      expect(built).toContain('kind: Deployment');
      expect(built).toContain(`namespace: shop-${env}`);
    }
  });

  it("gives cdk8s's staging directory the same files as the outdir, and empties it first", () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    const staging = path.join(dir, 'staging');
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, 'stale.yaml'), 'kind: Leftover\n');
    synthesizeEstate([shop], { outdir, stagingDir: staging });
    const files = listFiles(outdir);
    expect(files).toContain('prod/shop/apps/shop.yaml');
    expect(listFiles(staging)).toEqual(files);
    for (const file of files) expect(fs.readFileSync(path.join(staging, file), 'utf8')).toBe(fs.readFileSync(path.join(outdir, file), 'utf8'));
  });

  it('writes the files while rendering, and leaves nothing of that beside the outdir, whether the synth succeeds or fails', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    const rendered = synthesizeEstate([shop], { outdir, stagingDir: path.join(dir, 'staging') });
    for (const [file, content] of rendered.files) expect(fs.readFileSync(path.join(outdir, file), 'utf8')).toBe(content);
    expect(() => synthesizeEstate([shop, broken], { outdir, stagingDir: path.join(dir, 'staging') })).toThrow(ShipshapeError);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'staging']);
  });

  it('reports every problem of every environment at once and leaves the output directory as it was', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([shop], { outdir, stagingDir: path.join(dir, 'staging') });
    const before = listFiles(outdir).map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]);

    let thrown: unknown;
    try {
      synthesizeEstate([shop, broken], { outdir, stagingDir: path.join(dir, 'staging') });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ShipshapeError);
    const problems = (thrown as ShipshapeError).problems.join('\n');
    // The same mistake in both environments is one line, naming both.
    expect(problems).toMatch(/^\{dev,prod\}\/broken\/web: WebApp "web": port: Too small/m);
    expect(problems).toMatch(/^\{dev,prod\}\/broken\/api: WebApp "api": replicas: Too small/m);
    expect(problems).not.toMatch(/^(dev|prod)\/broken\/web: WebApp "web": port/m);
    expect(listFiles(outdir).map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')])).toEqual(before);
  });

  it('refuses output the API server would refuse over the previous output (a changed Job template), and leaves that output in place', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    const withMigration = (command: string[], revision?: number): SystemDefinition => ({
      ...shop,
      environments: [environment('prod', { images: { web: 'v1.0.0' } })],
      define: (system) => {
        const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web', probes: { readiness: { http: '/ready' }, liveness: { http: '/live' } } });
        new MigrationJob(system, 'migrate', { app: web, command, revision });
      },
    });
    synthesizeEstate([withMigration(['migrate', 'up'])], { outdir, stagingDir: path.join(dir, 'staging') });
    const before = fs.readFileSync(path.join(outdir, 'prod', 'shop', 'migrations', 'shop.yaml'), 'utf8');
    expect(() => synthesizeEstate([withMigration(['migrate', 'up', '--all'])], { outdir, stagingDir: path.join(dir, 'staging') })).toThrow(
      /prod\/shop: Job migrate-v1-0-0: spec.template differs .* Fix: set revision: 2 on the MigrationJob/,
    );
    expect(fs.readFileSync(path.join(outdir, 'prod', 'shop', 'migrations', 'shop.yaml'), 'utf8')).toBe(before);
    synthesizeEstate([withMigration(['migrate', 'up', '--all'], 2)], { outdir, stagingDir: path.join(dir, 'staging') });
    expect(fs.readFileSync(path.join(outdir, 'prod', 'shop', 'migrations', 'shop.yaml'), 'utf8')).toMatch(/name: migrate-v1-0-0-r2/);
  });

  it('reports a bad environment with its system and field', () => {
    const bad: SystemDefinition = { ...shop, environments: [environment('prod', { domain: 'UPPER.example.com' })] };
    expect(() => renderEstate([bad])).toThrow(/shop: prod\.domain: must be a lower-case DNS name/);
  });

  it('reports an exception thrown by a definition as a message with its location, not a bare stack', () => {
    const throwing: SystemDefinition = {
      ...shop,
      define: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    expect(() => renderEstate([throwing])).toThrow(/\{dev,staging,prod\}\/shop: cannot read properties of undefined \(at .*estate\.test\.ts/);
  });

  it('refuses two systems sharing a namespace in one environment', () => {
    const twin: SystemDefinition = { ...shop, name: 'shop-twin' };
    expect(() => renderEstate([shop, twin])).toThrow(/shop-twin: dev\.namespace: "shop-dev" is already the namespace of shop/);
  });

  it('summarizes environments, objects, files and warnings on one screen', () => {
    const summary = formatSummary(renderEstate([shop]), 'dist');
    expect(summary.split('\n')[0]).toMatch(/^shipshape: 3 environments, \d+ objects in 21 files, \d+ warnings$/);
    expect(summary).toMatch(/dist\/prod\s+\d+ objects\s+7 files {2}shop/);
  });
});

describe('checks inside synth', () => {
  it('fail the synth on an object a check refuses, naming the construct, the field and the fix', () => {
    const patched: SystemDefinition = {
      ...shop,
      environments: [environment('dev')],
      define: (system) => {
        const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1' });
        web.deployment!.metadata.addLabel('team name', 'shop');
      },
    };
    expect(() => renderEstate([patched])).toThrow(/dev\/shop\/web: \[api-rules\] Deployment\/shop-dev\/web: metadata.labels\[team name\]: invalid label key/);
  });
});
