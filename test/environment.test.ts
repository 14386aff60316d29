import { describe, expect, it } from 'vitest';
import { EnvironmentInput, defineEnvironment, resolveReplicaRange, resolveReplicas } from '../lib/environment';
import { ShipshapeError } from '../lib/core/issues';
import { environment } from './helpers';

function problems(input: unknown): readonly string[] {
  try {
    defineEnvironment(input as EnvironmentInput);
  } catch (error) {
    expect(error).toBeInstanceOf(ShipshapeError);
    return (error as ShipshapeError).problems;
  }
  throw new Error('expected the environment to be refused');
}

describe('environment model', () => {
  it('fills defaults', () => {
    const env = defineEnvironment(environment('prod'));
    expect(env).toMatchObject({
      name: 'prod',
      tier: 'prod',
      tls: { issuer: 'letsencrypt-prod', kind: 'ClusterIssuer' },
      scaling: { replicas: 1, resources: 1 },
      workloads: {},
      images: {},
      exceptions: [],
    });
  });

  it('is idempotent: a parsed environment parses to itself', () => {
    const env = defineEnvironment(environment('staging'));
    expect(defineEnvironment(env)).toEqual(env);
  });

  it('names the environment and the field of every problem at once', () => {
    const found = problems({ ...environment('prod'), domain: 'Not A Domain', namespace: 'Bad_NS', tier: 'production' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^prod\.domain: must be a lower-case DNS name/),
        expect.stringMatching(/^prod\.namespace: must be a DNS label/),
        expect.stringMatching(/^prod\.tier: Invalid option/),
      ]),
    );
    expect(found).toHaveLength(3);
  });

  it('refuses missing fields and unknown ones', () => {
    const { tls: _tls, ...withoutTls } = environment('dev');
    expect(problems(withoutTls)).toEqual([expect.stringMatching(/^dev\.tls: Invalid input: expected object/)]);
    expect(problems({ ...environment('dev'), replicas: 2 })).toEqual([expect.stringMatching(/^dev: Unrecognized key: "replicas"/)]);
  });

  it('refuses a bad image pin, a bad scaling factor and an exception without a reason', () => {
    const found = problems({
      ...environment('prod'),
      images: { backend: 'v1 beta' },
      scaling: { replicas: 0 },
      exceptions: [{ workload: 'chat-proc', allow: ['hostPath'], reason: '' }],
    });
    expect(found.join('\n')).toMatch(/prod\.images\.backend: must be an image tag/);
    expect(found.join('\n')).toMatch(/prod\.scaling\.replicas: Too small/);
    expect(found.join('\n')).toMatch(/prod\.exceptions\[0\]\.reason: say why/);
  });

  it('refuses a storage class that is not a Kubernetes name, naming the field', () => {
    expect(problems({ ...environment('dev'), storage: { readWriteManyClass: 'NFS Client' } })).toEqual([
      expect.stringMatching(/^dev\.storage\.readWriteManyClass: must be a lower-case DNS name/),
    ]);
    expect(problems({ ...environment('dev'), storage: { rwxClass: 'nfs' } })).toEqual([expect.stringMatching(/^dev\.storage: Unrecognized key: "rwxClass"/)]);
    expect(defineEnvironment(environment('dev')).storage, 'no class by default').toEqual({});
  });

  it('refuses a build that is not one tag: a digest (one image only) or latest', () => {
    expect(problems({ ...environment('dev'), build: `sha256:${'a'.repeat(64)}` })).toEqual([
      expect.stringMatching(/^dev\.build: must be an image tag such as "sha-3f2c1a9".*pin digests per workload in images/),
    ]);
    expect(problems({ ...environment('dev'), build: 'latest' })).toEqual([expect.stringMatching(/^dev\.build: must name one build/)]);
    expect(defineEnvironment(environment('dev', { build: 'sha-3f2c1a9' })).build).toBe('sha-3f2c1a9');
  });

  it('refuses an unknown exception name', () => {
    expect(problems({ ...environment('dev'), exceptions: [{ workload: 'x', allow: ['root'], reason: 'because it is needed' }] }).join('\n')).toMatch(
      /dev\.exceptions\[0\]\.allow\[0\]: Invalid option/,
    );
  });

  it('scales replicas and autoscaler bounds, and lets per-workload overrides win', () => {
    const env = defineEnvironment(environment('dev', { scaling: { replicas: 0.5 }, workloads: { backend: { replicas: 5, minReplicas: 3 } } }));
    expect(resolveReplicas(env, 'frontend', 2)).toBe(1);
    expect(resolveReplicas(env, 'frontend', 1)).toBe(1);
    expect(resolveReplicas(env, 'frontend', 3)).toBe(2);
    expect(resolveReplicas(env, 'backend', 2)).toBe(5);
    expect(resolveReplicaRange(env, 'frontend', 2, 8)).toEqual({ min: 1, max: 4 });
    expect(resolveReplicaRange(env, 'backend', 2, 8)).toEqual({ min: 3, max: 4 });
  });
});
