import { describe, expect, it } from 'vitest';
import { PersistentClaim } from '../lib/persistent-claim';
import { PRUNE_PROTECTION, isPruneProtected } from '../lib/core/prune-protection';
import { WebApp } from '../lib/web-app';
import { environment, find, synth, testSystem } from './helpers';

describe('PersistentClaim', () => {
  it('writes a claim that Flux never prunes: removing it from git leaves it, and its data, in the cluster', () => {
    const system = testSystem();
    new PersistentClaim(system, 'uploads', { size: '20Gi', accessMode: 'ReadWriteOnce' });
    const claim = find(synth(system), 'PersistentVolumeClaim', 'uploads');
    expect(claim.metadata).toEqual({
      name: 'uploads',
      namespace: 'shop-dev',
      labels: { 'app.kubernetes.io/managed-by': 'shipshape' },
      annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
    });
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
  });

  it.each([
    ['helm', { 'helm.sh/resource-policy': 'keep' }],
    ['argocd', { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' }],
  ] as const)('carries the protection of the %s flavour instead', (flavour, annotations) => {
    const system = testSystem(environment('dev', { delivery: { flavour } }));
    new PersistentClaim(system, 'uploads', { size: '1Gi', accessMode: 'ReadWriteOnce' });
    const claim = find(synth(system), 'PersistentVolumeClaim', 'uploads');
    expect(claim.metadata.annotations).toEqual(annotations);
    expect(isPruneProtected(claim, flavour)).toBe(true);
    expect(isPruneProtected(claim, 'flux'), 'no other tool protection is written').toBe(false);
  });

  it("protects a workload's own claim (claim props on a volume) the same way", () => {
    const system = testSystem();
    new WebApp(system, 'web', {
      image: 'ghcr.io/example/web:v1',
      replicas: 1,
      volumes: [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteOnce' } }],
    });
    expect(find(synth(system), 'PersistentVolumeClaim', 'web-data').metadata.annotations).toEqual(PRUNE_PROTECTION.flux);
  });
});
