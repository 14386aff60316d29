import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Acknowledgement, Environment, EnvironmentInput, defineEnvironment } from '../../lib/environment';
import { removedClaims } from '../../lib/checks/removed-claims';
import { PreviousOutput } from '../../lib/checks/immutable-fields';
import { SystemDefinition, formatSummary, synthesizeEstate } from '../../lib/estate';
import { PersistentClaim } from '../../lib/persistent-claim';
import { WebApp } from '../../lib/web-app';
import type { KubeObject } from '../../lib/output/output';
import { ShipshapeError } from '../../lib/core/issues';
import { environment } from '../helpers';
import { tempDirs } from '../temp-dirs';

const FLUX = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

const claim = (name: string, annotations?: Record<string, string>, namespace = 'shop-prod'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace, annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});

/** The previous output of prod: `objects`, each written by the system `shop` unless `systems` says otherwise. */
function previousOf(objects: KubeObject[], systems: string[] = []): PreviousOutput {
  return { objects: new Map([['prod', objects]]), systemOf: new Map(objects.map((o, i) => [o, systems[i] ?? 'shop'])) };
}

/** The prod environment of each system named. */
function environments(acknowledge: Record<string, Acknowledgement[]> = {}, overrides: Partial<EnvironmentInput> = {}, systems = ['shop']) {
  const bySystem = new Map<string, Environment>(
    systems.map((system) => [
      system,
      defineEnvironment(environment('prod', { namespace: `${system}-prod`, acknowledge: acknowledge[system] ?? [], ...overrides })),
    ]),
  );
  return new Map([['prod', bySystem]]);
}

const check = (before: KubeObject[], after: KubeObject[], envs = environments()) => removedClaims(previousOf(before), new Map([['prod', after]]), envs, 'dist');

const REASON = 'the data moved to data-redis-0 on 2025-01-10';

describe('claims removed from the previous output', () => {
  it('refuses a removed claim without prune protection, naming environment, namespace and claim, what would happen and the fix', () => {
    expect(check([claim('redis-data')], [])).toEqual({
      errors: [
        "prod/shop: PersistentVolumeClaim shop-prod/redis-data is in the previous output (dist/prod) but not in this one, and is not protected from pruning: Flux's prune (the Kustomizations have prune: true) would delete the claim, and with a Delete reclaim policy (the default of dynamically provisioned volumes) its data. Fix: keep the claim (a PersistentClaim \"redis-data\" in system shop), deliver it once so that it carries kustomize.toolkit.fluxcd.io/prune: disabled and remove it after that (it then stays in the cluster, orphaned); or move its data first, then acknowledge: [{ warning: 'claim-removed', workload: 'redis-data', reason: '…' }] in the prod environment of system shop [claim-removed]",
      ],
      warnings: [],
      acknowledged: [],
    });
  });

  it('warns that a removed claim which carried the prune protection is orphaned and must be deleted by hand', () => {
    const found = check([claim('redis-data', FLUX)], []);
    expect(found.errors).toEqual([]);
    expect(found.warnings).toEqual([
      "prod/shop: PersistentVolumeClaim shop-prod/redis-data is no longer in the output; it carries kustomize.toolkit.fluxcd.io/prune: disabled, so Flux leaves it in the cluster with its data, orphaned. Fix: delete it by hand once its data is no longer needed (kubectl delete pvc redis-data -n shop-prod), and acknowledge: [{ warning: 'claim-removed', workload: 'redis-data', reason: '…' }] in the prod environment of system shop [claim-removed]",
    ]);
  });

  it('reports every removed claim at once, and a renamed claim under its old name only', () => {
    const found = check([claim('redis-data'), claim('search-data'), claim('uploads')], [claim('uploads'), claim('redis-data-v2')]);
    expect(found.errors).toHaveLength(2);
    expect(found.errors[0]).toMatch(/^prod\/shop: PersistentVolumeClaim shop-prod\/redis-data is in the previous output/);
    expect(found.errors[1]).toMatch(/^prod\/shop: PersistentVolumeClaim shop-prod\/search-data is in the previous output/);
    expect(found.errors.join('\n')).not.toMatch(/redis-data-v2|uploads/);
  });

  it('refuses a claim moved to another namespace: the one in the old namespace would be pruned', () => {
    expect(check([claim('data')], [claim('data', undefined, 'shop-next')]).errors).toEqual([
      expect.stringMatching(/^prod\/shop: PersistentVolumeClaim shop-prod\/data is in the previous output/),
    ]);
  });

  it('accepts an unchanged output, and a claim that only gains the protection', () => {
    expect(check([claim('data')], [claim('data')])).toEqual({ errors: [], warnings: [], acknowledged: [] });
    expect(check([claim('data')], [claim('data', FLUX)])).toEqual({ errors: [], warnings: [], acknowledged: [] });
    expect(check([], [claim('data', FLUX)])).toEqual({ errors: [], warnings: [], acknowledged: [] });
  });

  it('accepts an acknowledged removal, protected or not, and lists it with its reason', () => {
    const envs = environments({
      shop: [
        { warning: 'claim-removed', workload: 'redis-data', reason: REASON },
        { warning: 'claim-removed', workload: 'old-cache', reason: 'a cache, nothing to keep' },
      ],
    });
    const found = check([claim('redis-data'), claim('old-cache', FLUX)], [], envs);
    expect(found.errors).toEqual([]);
    expect(found.warnings).toEqual([]);
    expect(found.acknowledged).toEqual([
      {
        warning: expect.stringMatching(/^prod\/shop: PersistentVolumeClaim shop-prod\/redis-data is in the previous output .*\[claim-removed\]$/),
        reason: REASON,
      },
      {
        warning: expect.stringMatching(/^prod\/shop: PersistentVolumeClaim shop-prod\/old-cache is no longer in the output/),
        reason: 'a cache, nothing to keep',
      },
    ]);
  });

  it('acknowledges only the claim it names, and only in its own environment', () => {
    const found = check(
      [claim('redis-data'), claim('search-data')],
      [],
      environments({ shop: [{ warning: 'claim-removed', workload: 'redis-data', reason: REASON }] }),
    );
    expect(found.errors).toEqual([expect.stringMatching(/PersistentVolumeClaim shop-prod\/search-data/)]);
    const staging = removedClaims(
      { objects: new Map([['staging', [claim('redis-data')]]]), systemOf: new Map() },
      new Map([['staging', []]]),
      new Map([['staging', new Map([['shop', defineEnvironment(environment('staging'))]])]]),
      'dist',
    );
    expect(staging.errors).toEqual([expect.stringMatching(/^staging\/shop: PersistentVolumeClaim shop-prod\/redis-data/)]);
  });

  it('reports an acknowledgement of a removal that did not happen, so it does not outlive the removal', () => {
    const found = check(
      [claim('redis-data')],
      [claim('redis-data')],
      environments({ shop: [{ warning: 'claim-removed', workload: 'redis-data', reason: REASON }] }),
    );
    expect(found).toEqual({
      errors: [],
      warnings: [
        'prod/shop: prod.acknowledge[0]: acknowledges warning "claim-removed" from "redis-data", but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]',
      ],
      acknowledged: [],
    });
  });

  it('takes the acknowledgement of a removed system from the first system left in the environment, and says so', () => {
    const envs = environments({}, {}, ['billing', 'shop']);
    const found = removedClaims(previousOf([claim('ledger', undefined, 'ledger-prod')], ['ledger']), new Map([['prod', []]]), envs, 'dist');
    expect(found.errors).toEqual([
      expect.stringMatching(
        /^prod\/ledger: PersistentVolumeClaim ledger-prod\/ledger .* Fix: keep the claim \(a PersistentClaim "ledger" in system ledger\).* in the prod environment of system billing \(system ledger is no longer in prod\) \[claim-removed\]$/,
      ),
    ]);
    const acknowledged = environments({ billing: [{ warning: 'claim-removed', workload: 'ledger', reason: 'the ledger moved to the billing database' }] }, {}, [
      'billing',
      'shop',
    ]);
    expect(removedClaims(previousOf([claim('ledger', undefined, 'ledger-prod')], ['ledger']), new Map([['prod', []]]), acknowledged, 'dist').errors).toEqual(
      [],
    );
  });

  it('leaves an environment no longer in the output alone: its Kustomizations find no path and prune nothing', () => {
    expect(removedClaims(previousOf([claim('data')]), new Map(), new Map(), 'dist')).toEqual({ errors: [], warnings: [], acknowledged: [] });
  });

  it.each([
    [
      'helm',
      { 'helm.sh/resource-policy': 'keep' },
      /the next helm upgrade would delete the claim/,
      /carries helm\.sh\/resource-policy: keep, so Helm leaves it/,
    ],
    [
      'argocd',
      { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' },
      /Argo CD's prune would delete the claim/,
      /carries argocd\.argoproj\.io\/sync-options: Prune=false,Delete=false, so Argo CD leaves it/,
    ],
  ] as const)("names the %s flavour's pruning and protection", (flavour, protection, error, warning) => {
    const envs = environments({}, { delivery: { flavour } });
    expect(check([claim('data')], [], envs).errors).toEqual([expect.stringMatching(error)]);
    expect(check([claim('data', protection)], [], envs).warnings).toEqual([expect.stringMatching(warning)]);
    // Another tool's protection does not protect it from this one.
    expect(check([claim('data', FLUX)], [], envs).errors).toHaveLength(1);
  });
});

describe('a claim removed between two synths', () => {
  const tempDir = tempDirs('shipshape-removed-claims');
  const shop = (claims: string[], acknowledge: Acknowledgement[] = []): SystemDefinition => ({
    name: 'shop',
    environments: [environment('prod', { images: { web: 'v1.0.0' }, acknowledge, storage: { readWriteManyClass: 'nfs-client' } })],
    define: (system) => {
      const volumes = claims.map((name) => ({
        name,
        mountPath: `/${name}`,
        claim: new PersistentClaim(system, name, { size: '1Gi', accessMode: 'ReadWriteMany' }),
      }));
      new WebApp(system, 'web', { image: 'ghcr.io/example/web', probes: { readiness: { http: '/ready' }, liveness: { http: '/live' } }, volumes });
    },
  });
  const failure = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof ShipshapeError) return error.problems.join('\n');
      throw error;
    }
    return '';
  };

  it('refuses a removal over output written before the protection, then acknowledged removes it, then reports the acknowledgement as stale', () => {
    const dir = tempDir();
    const outdir = path.join(dir, 'dist');
    synthesizeEstate([shop(['uploads', 'cache'])], { outdir });
    const file = path.join(outdir, 'prod', 'shop', 'apps', 'shop.yaml');
    // Output of a shipshape from before the protection: the same claims, unannotated.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll(/\n {2}annotations:\n {4}kustomize\.toolkit\.fluxcd\.io\/prune: disabled/g, ''));
    const before = fs.readFileSync(file, 'utf8');
    expect(before).not.toContain('prune: disabled');

    expect(failure(() => synthesizeEstate([shop(['uploads'])], { outdir }))).toMatch(
      /^prod\/shop: PersistentVolumeClaim shop-prod\/cache is in the previous output \(.*dist\/prod\) but not in this one, .*\[claim-removed\]$/,
    );
    expect(fs.readFileSync(file, 'utf8'), 'dist/ unchanged').toBe(before);

    const reason = 'a cache, rebuilt on start; nothing to keep';
    const removed = synthesizeEstate([shop(['uploads'], [{ warning: 'claim-removed', workload: 'cache', reason }])], { outdir });
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/name: cache$/m);
    expect(formatSummary(removed, 'dist')).toMatch(
      /✓ prod\/shop: PersistentVolumeClaim shop-prod\/cache is in the previous output .* \(acknowledged: a cache, rebuilt on start; nothing to keep\)/,
    );

    const again = synthesizeEstate([shop(['uploads'], [{ warning: 'claim-removed', workload: 'cache', reason }])], { outdir });
    expect(again.warnings).toContain(
      'prod/shop: prod.acknowledge[0]: acknowledges warning "claim-removed" from "cache", but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]',
    );
  });

  it('warns, and writes the output, when a protected claim is removed', () => {
    const outdir = path.join(tempDir(), 'dist');
    synthesizeEstate([shop(['uploads', 'cache'])], { outdir });
    const rendered = synthesizeEstate([shop(['uploads'])], { outdir });
    expect(rendered.warnings).toContainEqual(
      expect.stringMatching(/^prod\/shop: PersistentVolumeClaim shop-prod\/cache is no longer in the output; .* orphaned/),
    );
    expect(fs.readFileSync(path.join(outdir, 'prod', 'shop', 'apps', 'shop.yaml'), 'utf8')).not.toMatch(/name: cache$/m);
  });
});
