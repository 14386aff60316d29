import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoscaledBackend, ShipshapeError, SystemDefinition, TlsIngress, WebApp, Worker, renderEstate } from '../lib';
import type { ServedWorkload } from '../lib';
import { environment } from './helpers';

/**
 * Generated definitions: random valid systems always synthesize and pass every cluster check
 * (renderEstate runs them), identically twice; random corruptions of them always end in a
 * ShipshapeError, never in another exception.
 */

interface WorkloadSpec {
  readonly kind: 'web' | 'backend' | 'worker';
  readonly port: number;
  readonly replicas: number;
  readonly env: Record<string, string>;
  readonly probePath: string;
  readonly memoryMi: number;
  readonly exposed: boolean;
}

const ENV_NAMES = ['LOG_LEVEL', 'REGION', 'FEATURE_FLAGS', 'TIMEOUT_SECONDS', 'LANGUAGE'];

const workloadSpec: fc.Arbitrary<WorkloadSpec> = fc.record({
  kind: fc.constantFrom('web' as const, 'backend' as const, 'worker' as const),
  port: fc.integer({ min: 1024, max: 65535 }),
  replicas: fc.integer({ min: 2, max: 6 }),
  env: fc.dictionary(fc.constantFrom(...ENV_NAMES), fc.stringMatching(/^[a-z0-9.,-]{0,12}$/), { maxKeys: 3 }),
  probePath: fc.stringMatching(/^\/[a-z]{1,8}$/),
  memoryMi: fc.integer({ min: 64, max: 2048 }),
  exposed: fc.boolean(),
});

// Halving replicas is a dev and staging habit; prod keeps at least the declared two.
const systemSpec = fc.oneof(
  fc.record({
    tier: fc.constantFrom('dev' as const, 'staging' as const),
    replicaFactor: fc.constantFrom(0.5, 1, 2),
    workloads: fc.array(workloadSpec, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ tier: fc.constant('prod' as const), replicaFactor: fc.constantFrom(1, 2), workloads: fc.array(workloadSpec, { minLength: 1, maxLength: 4 }) }),
);

type SystemSpec = typeof systemSpec extends fc.Arbitrary<infer T> ? T : never;

function define(spec: SystemSpec, corrupt?: (props: Record<string, unknown>) => Record<string, unknown>): SystemDefinition {
  const names = spec.workloads.map((w, i) => `${w.kind}-${i}`);
  return {
    name: 'generated',
    environments: [
      environment(spec.tier, {
        namespace: `generated-${spec.tier}`,
        scaling: { replicas: spec.replicaFactor },
        images: Object.fromEntries(names.map((n) => [n, 'v1.0.0'])),
      }),
    ],
    define: (system) => {
      const served: ServedWorkload[] = [];
      const routes: { path: string; backend: ServedWorkload }[] = [];
      spec.workloads.forEach((w, i) => {
        const resources = { requests: { cpu: '100m', memory: `${w.memoryMi}Mi` }, limits: { cpu: '1', memory: `${w.memoryMi * 2}Mi` } };
        const base = { image: `ghcr.io/example/${names[i]}`, env: w.env, resources, connectsTo: [...served] };
        const props = (p: Record<string, unknown>) => (corrupt && i === 0 ? corrupt(p) : p);
        if (w.kind === 'web') {
          const web = new WebApp(system, names[i], props({ ...base, port: w.port, replicas: w.replicas }) as any);
          served.push(web);
          if (w.exposed) routes.push({ path: routes.length ? `/p${i}` : '/', backend: web });
        } else if (w.kind === 'backend') {
          const api = new AutoscaledBackend(
            system,
            names[i],
            props({
              ...base,
              port: w.port,
              probes: { liveness: { tcp: 'http' }, readiness: { http: w.probePath } },
              autoscaling: { minReplicas: w.replicas, maxReplicas: w.replicas + 2 },
            }) as any,
          );
          served.push(api);
          if (w.exposed) routes.push({ path: routes.length ? `/p${i}` : '/', backend: api });
        } else {
          new Worker(system, names[i], props({ ...base, replicas: w.replicas, longestJobSeconds: (w.port % 600) + 1 }) as any);
        }
      });
      if (routes.length) new TlsIngress(system, 'edge', { routes });
    },
  };
}

const corruptions: fc.Arbitrary<(props: Record<string, unknown>) => Record<string, unknown>> = fc.oneof(
  fc.integer({ min: 65536, max: 10_000_000 }).map((port) => (p: Record<string, unknown>) => ({ ...p, port })),
  fc.integer({ max: 0 }).map((n) => (p: Record<string, unknown>) => ({ ...p, replicas: n, autoscaling: undefined })),
  fc.string().map((s) => (p: Record<string, unknown>) => ({ ...p, image: s.length ? 42 : s })),
  fc.stringMatching(/^[A-Z_ ]{1,10}$/).map((s) => (p: Record<string, unknown>) => ({ ...p, [`unknown${s}`]: true })),
  fc
    .constantFrom('1 GB', 'lots', '-5Mi', '')
    .map((memory) => (p: Record<string, unknown>) => ({ ...p, resources: { requests: { cpu: '1', memory }, limits: { cpu: '1', memory: '1Gi' } } })),
  fc.constantFrom('API_SECRET', 'DB_PASSWORD', 'AUTH_TOKEN').map((name) => (p: Record<string, unknown>) => ({ ...p, env: { [name]: 'plain-text-value' } })),
  fc.constant((p: Record<string, unknown>) => ({
    ...p,
    volumes: [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteOnce' } }],
    replicas: 4,
  })),
  fc.constant((_p: Record<string, unknown>) => null as unknown as Record<string, unknown>),
);

describe('generated definitions', () => {
  it('a valid definition always synthesizes, passes every check and is deterministic', () => {
    fc.assert(
      fc.property(systemSpec, (spec) => {
        const first = renderEstate([define(spec)]);
        const second = renderEstate([define(spec)]);
        expect([...second.files]).toEqual([...first.files]);
      }),
      { numRuns: 40 },
    );
  });

  it('a corrupted definition always ends in a ShipshapeError naming a field, never a crash', () => {
    fc.assert(
      fc.property(systemSpec, corruptions, (spec, corrupt) => {
        let thrown: unknown;
        try {
          renderEstate([define(spec, corrupt)]);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ShipshapeError);
        for (const problem of (thrown as ShipshapeError).problems) expect(problem).toMatch(/: [^:]+: /);
      }),
      { numRuns: 60 },
    );
  });
});
