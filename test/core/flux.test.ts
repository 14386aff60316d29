import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AutoscaledBackend } from '../../lib/autoscaled-backend';
import { Delivery } from '../../lib/environment';
import { SystemDefinition, renderEstate } from '../../lib/estate';
import { MigrationJob } from '../../lib/migration-job';
import { environment } from '../helpers';

const REPOSITORY = { url: 'https://github.com/example/estate', branch: 'main' };
const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

function system(delivery: Delivery | undefined, pin = 'v1.0.0'): SystemDefinition {
  return {
    name: 'shop',
    environments: [environment('prod', { delivery, images: { api: pin } })],
    define: (s) => {
      const api = new AutoscaledBackend(s, 'api', { image: 'ghcr.io/example/api', probes: PROBES, secrets: ['api-secrets'] });
      new MigrationJob(s, 'migrate', { app: api, command: ['alembic', 'upgrade', 'head'] });
    },
  };
}

function parse(text: string | undefined): Record<string, any>[] {
  expect(text).toBeDefined();
  return parseAllDocuments(text!).map((d) => d.toJSON());
}

describe('Flux delivery', () => {
  const { files } = renderEstate([system({ flavour: 'flux', repository: REPOSITORY })]);
  const flux = parse(files.get('prod/flux/flux.yaml'));
  const byName = (name: string) => flux.find((o) => o.metadata.name === name)!;

  it('writes a GitRepository and one Kustomization per layer into dist/<env>/flux', () => {
    expect(flux.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'GitRepository/flux-system/prod-estate',
      'Kustomization/flux-system/prod-apps',
      'Kustomization/flux-system/prod-infrastructure',
      'Kustomization/flux-system/prod-migrations',
    ]);
    expect(byName('prod-estate').spec).toMatchObject({ url: REPOSITORY.url, ref: { branch: 'main' } });
    expect(parse(files.get('prod/flux/kustomization.yaml'))[0].resources).toEqual(['flux.yaml']);
  });

  it('orders infrastructure → migrations → apps, each waiting for the one before', () => {
    expect(byName('prod-infrastructure').spec.dependsOn).toBeUndefined();
    expect(byName('prod-migrations').spec.dependsOn).toEqual([{ name: 'prod-infrastructure' }]);
    expect(byName('prod-apps').spec.dependsOn).toEqual([{ name: 'prod-migrations' }]);
    for (const k of flux.filter((o) => o.kind === 'Kustomization')) expect(k.spec, k.metadata.name).toMatchObject({ wait: true, prune: true });
  });

  it('replaces the immutable migration Job (force) and waits longer than its deadline', () => {
    expect(byName('prod-migrations').spec.force).toBe(true);
    expect(byName('prod-apps').spec.force).toBeUndefined();
    expect(byName('prod-migrations').spec.timeout).toBe('20m');
  });

  it('points every Kustomization at a directory that exists in the output', () => {
    for (const k of flux.filter((o) => o.kind === 'Kustomization')) {
      const dir = k.spec.path.replace(/^\.\/dist\//, '');
      expect(files.has(`${dir}/kustomization.yaml`), `${k.spec.path} exists`).toBe(true);
    }
  });

  it('keeps the Flux objects out of the environment kustomization (Flux applies the layers itself)', () => {
    expect(parse(files.get('prod/kustomization.yaml'))[0].resources).toEqual(['infrastructure', 'migrations', 'apps']);
  });

  it('leaves the previous release serving when a migration fails: the apps wait on a migration that never completes', () => {
    const job = parse(files.get('prod/migrations/shop.yaml')).find((o) => o.kind === 'Job')!;
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 900 });
    expect(job.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(byName('prod-apps').spec.dependsOn).toEqual([{ name: 'prod-migrations' }]);
    expect(job.metadata.annotations).toBeUndefined();
  });

  it('runs each image migration once: a new image gives a new Job name, the same image the same name', () => {
    const jobName = (pin: string) => parse(renderEstate([system({ flavour: 'flux', repository: REPOSITORY }, pin)]).files.get('prod/migrations/shop.yaml')).find((o) => o.kind === 'Job')!.metadata.name;
    expect(jobName('v1.0.0')).toBe('migrate-v1-0-0');
    expect(jobName('v1.0.0')).toBe(jobName('v1.0.0'));
    expect(jobName('v1.1.0')).toBe('migrate-v1-1-0');
  });

  it('warns and writes no Flux objects without a repository', () => {
    const rendered = renderEstate([system(undefined)]);
    expect(rendered.files.has('prod/flux/flux.yaml')).toBe(false);
    expect(rendered.warnings.join('\n')).toMatch(/prod: no delivery.repository in the environment, so no Flux objects were written/);
  });
});

describe('other delivery flavours', () => {
  const objectsOf = (flavour: 'helm' | 'argocd') => parse(renderEstate([system({ flavour })]).files.get('prod/migrations/shop.yaml'));

  it('annotates the migration as a Helm pre-install/upgrade/rollback hook, its ServiceAccount first', () => {
    const [sa, job] = objectsOf('helm');
    expect(job.metadata.annotations).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade,pre-rollback',
      'helm.sh/hook-weight': '-5',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    expect(sa.kind).toBe('ServiceAccount');
    expect(sa.metadata.annotations['helm.sh/hook-weight']).toBe('-10');
  });

  it('annotates the migration as an Argo CD PreSync hook, its ServiceAccount in an earlier wave', () => {
    const [sa, job] = objectsOf('argocd');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '0',
    });
    expect(sa.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
  });

  it('writes no Flux objects for them', () => {
    expect(renderEstate([system({ flavour: 'helm' })]).files.has('prod/flux/flux.yaml')).toBe(false);
  });

  it('refuses systems of one environment that deliver differently', () => {
    const other = { ...system({ flavour: 'helm' }), name: 'other', environments: [environment('prod', { namespace: 'other-prod', delivery: { flavour: 'argocd' }, images: { api: 'v1' } })] };
    expect(() => renderEstate([system({ flavour: 'helm' }), other])).toThrow(/prod: the systems of one environment share its output directory, so they must share its delivery/);
  });
});
