import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AutoscaledBackend, EnvironmentInput, SystemChart, TlsIngress, WebApp } from '../lib';
import { environment } from './helpers';
import { schemasAvailable } from './support/schemas';
import { tempDirs } from './temp-dirs';

/**
 * Issue 17, item 1: the constructs in a plain cdk8s App. A SystemChart given an environment is
 * a Chart of the user's own app; `app.synth()` writes cdk8s's usual files, and every check the
 * estate runner makes is a cdk8s validation, reported all at once.
 */

const tempDir = tempDirs('shipshape-plain-app');

afterEach(() => {
  vi.restoreAllMocks();
});

/** The notes system of the README, in a chart of `app`. */
// The issuer of these tests has its HTTP-01 solver on the system's Gateway.
const SOLVER_ACKNOWLEDGED = [{ warning: 'gateway-http01-solver' as const, reason: "the issuer's solver attaches to the Gateway" }];

function notes(
  app: App,
  env: EnvironmentInput = environment('prod', { images: { api: 'v1.0.0', web: 'v1.0.0' }, acknowledge: SOLVER_ACKNOWLEDGED }),
): SystemChart {
  const chart = new SystemChart(app, 'notes', { environment: env });
  const api = new AutoscaledBackend(chart, 'api', {
    image: 'ghcr.io/example/notes-api',
    probes: { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } },
    secrets: ['notes-secrets'],
  });
  const web = new WebApp(chart, 'web', { image: 'ghcr.io/example/notes-web', backends: { API_URL: api } });
  new TlsIngress(chart, 'edge', {
    routes: [
      { path: '/api', backend: api },
      { path: '/', backend: web },
    ],
  });
  return chart;
}

/** The objects of every file `app.synth()` wrote, by file. */
function written(outdir: string): Map<string, any[]> {
  const files = fs.readdirSync(outdir).sort();
  return new Map(files.map((file) => [file, parseAllDocuments(fs.readFileSync(path.join(outdir, file), 'utf8')).map((d) => d.toJSON())]));
}

/** The message `app.synth()` throws with, or fails the test when it does not throw. */
function synthError(app: App): string {
  try {
    app.synth();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('app.synth() did not throw');
}

describe('a SystemChart in a plain cdk8s App', () => {
  it.runIf(schemasAvailable)("synthesizes into cdk8s own output directory, one file per chart and delivery layer, beside the app's other charts", () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    notes(app);
    // A chart of the team's own, which shipshape leaves alone.
    const own = new Chart(app, 'legacy');
    new ApiObject(own, 'flags', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'legacy' }, data: { beta: 'true' } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    app.synth();

    const files = written(outdir);
    // cdk8s names nested charts by path (with its hash) and orders them: the namespace before the apps.
    expect([...files.keys()]).toEqual([
      '0000-notes-infrastructure-c807d7d2.k8s.yaml',
      '0001-notes-migrations-c8a042a5.k8s.yaml',
      '0002-notes.k8s.yaml',
      '0003-legacy.k8s.yaml',
    ]);
    const infrastructure = files.get('0000-notes-infrastructure-c807d7d2.k8s.yaml')!;
    expect(infrastructure.find((o) => o.kind === 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const apps = files.get('0002-notes.k8s.yaml')!;
    const deployment = apps.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web');
    expect(deployment.metadata.namespace).toBe('shop-prod');
    expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/example/notes-web:v1.0.0');
    expect(apps.map((o) => o.kind)).toEqual(expect.arrayContaining(['Gateway', 'HTTPRoute', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']));
    expect(files.get('0003-legacy.k8s.yaml')).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags', namespace: 'legacy' }, data: { beta: 'true' } },
    ]);
    expect(warn, 'a valid prod system raises no warning').not.toHaveBeenCalled();
  });

  it('reports every error at once when app.synth() runs: props, construct rules and the cluster checks, each with its construct, field and fix', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const chart = notes(app);
    new WebApp(chart, 'admin', { image: 'ghcr.io/example/notes-admin:v1', port: 70000 });
    new WebApp(chart, 'docs', { image: 'ghcr.io/example/notes-docs:v1', replicas: 1 });
    // An object of the user's own in the system's chart: the cluster checks see it too.
    new ApiObject(chart, 'flags', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags' }, data: { DB_PASSWORD: 'hunter2hunter2' } });
    const message = synthError(app);

    const lines = message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    expect(message).toMatch(/^Validation failed with the following errors:/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[notes\/admin\] WebApp "admin": port: .*65535/),
        expect.stringMatching(
          /^\[notes\/docs\] WebApp "docs": replicas: runs 1 replica behind a Service.* Fix: run at least 2 \(in the prod environment: workloads: \{ docs: \{ replicas: 2 \} \}\)$/,
        ),
        expect.stringMatching(/^\[notes\] notes: \[secrets\] ConfigMap\/shop-prod\/flags: data\.DB_PASSWORD: holds a credential.*Fix: /),
      ]),
    );
    expect(
      lines.filter((line) => line.includes('docs')),
      'the single replica is reported once, by the construct',
    ).toHaveLength(1);
    expect(fs.readdirSync(outdir), 'nothing is written').toEqual([]);
  });

  it('reports the cluster checks of every system chart of one environment together, each finding once', () => {
    const app = new App({ outdir: tempDir() });
    notes(app);
    const other = new SystemChart(app, 'blog', { environment: environment('prod') });
    new WebApp(other, 'blog', { image: 'ghcr.io/example/blog:v1', replicas: 2, env: { API_TOKEN: 'tok_live_abcdef123456' } });
    const lines = synthError(app).split('\n').slice(1);
    expect(lines.filter((line) => line.includes('is already the namespace of system "notes"'))).toEqual([
      expect.stringMatching(/^ *\[blog\] prod\.namespace: "shop-prod"/),
    ]);
    // The clear-text token is one mistake: the construct reports it, the credentials check does not again.
    expect(lines.filter((line) => line.includes('API_TOKEN'))).toEqual([
      expect.stringMatching(/\[blog\/blog\] WebApp "blog": env\.API_TOKEN: looks like a secret value written in clear/),
    ]);
  });

  it('prints the warnings the environment does not acknowledge, once per synth', () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const chart = new SystemChart(app, 'shop', {
      environment: environment('staging', { acknowledge: [{ warning: 'probes-same-check', workload: 'api', reason: 'one /health endpoint upstream' }] }),
    });
    const probes = { liveness: { http: '/health' }, readiness: { http: '/health' } };
    new WebApp(chart, 'api', { image: 'ghcr.io/example/api:v1', replicas: 2, probes });
    new WebApp(chart, 'web', { image: 'ghcr.io/example/web:v1', replicas: 2, probes });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    app.synth();
    const printed = warn.mock.calls.map((call) => String(call[0]));
    expect(printed.filter((line) => !line.includes('schema validation skipped'))).toEqual([
      expect.stringMatching(/^shipshape: ! shop\/web: WebApp "web": probes\.liveness: .*\[probes-same-check\]$/),
    ]);
  });
});
