import { describe, expect, it } from 'vitest';
import { DeliveryFlavour, PRUNE_PROTECTION, isPruneProtected, protectionText } from '../../lib/core/prune-protection';

const claim = (metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', ...metadata } });

describe('prune protection', () => {
  it.each(['flux', 'helm', 'argocd'] as const)('reads back what it writes for %s', (flavour: DeliveryFlavour) => {
    expect(isPruneProtected(claim({ annotations: PRUNE_PROTECTION[flavour] }), flavour)).toBe(true);
    expect(isPruneProtected(claim(), flavour)).toBe(false);
  });

  it('reads each protection as its tool does', () => {
    // Flux honours the label as well as the annotation.
    expect(isPruneProtected(claim({ labels: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } }), 'flux')).toBe(true);
    expect(isPruneProtected(claim({ annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'Disabled' } }), 'flux')).toBe(true);
    expect(isPruneProtected(claim({ annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'enabled' } }), 'flux')).toBe(false);
    expect(isPruneProtected(claim({ annotations: { 'helm.sh/resource-policy': 'delete' } }), 'helm')).toBe(false);
    // Argo CD reads one option among several.
    expect(isPruneProtected(claim({ annotations: { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true, Prune=false' } }), 'argocd')).toBe(true);
    expect(isPruneProtected(claim({ annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false' } }), 'argocd')).toBe(false);
    expect(isPruneProtected(claim({ annotations: { 'argocd.argoproj.io/sync-options': 'Prune=confirm' } }), 'argocd')).toBe(false);
  });

  it('writes the protection as YAML would show it', () => {
    expect(protectionText('flux')).toBe('kustomize.toolkit.fluxcd.io/prune: disabled');
    expect(protectionText('argocd')).toBe('argocd.argoproj.io/sync-options: Prune=false,Delete=false');
  });
});
