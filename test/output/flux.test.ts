import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AutoscaledBackend } from '../../lib/autoscaled-backend';
import { Delivery } from '../../lib/environment';
import { SystemDefinition, renderEstate, synthesizeEstate } from '../../lib/estate';
import { defaultScope, environmentOnly } from '../../lib/output/flux';
import { repositoryPathOf } from '../../lib/output/output';
import { tempDirs } from '../temp-dirs';
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

/** A second system without a migration, in its own namespace. */
const blog: SystemDefinition = {
  name: 'blog',
  environments: [environment('prod', { namespace: 'blog-prod', delivery: { flavour: 'flux', repository: REPOSITORY }, images: { web: 'v2.0.0' } })],
  define: (s) => {
    new AutoscaledBackend(s, 'web', { image: 'ghcr.io/example/blog', probes: PROBES });
  },
};

describe('Flux delivery', () => {
  const { files } = renderEstate([system({ flavour: 'flux', repository: REPOSITORY }), blog]);
  const flux = parse(files.get('prod/flux/flux.yaml'));
  const byName = (name: string) => flux.find((o) => o.metadata.name === name)!;
  const kustomizations = flux.filter((o) => o.kind === 'Kustomization');

  it('writes a GitRepository and one Kustomization per system and layer into dist/<env>/flux', () => {
    expect(flux.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'GitRepository/flux-system/estate-prod',
      'Kustomization/flux-system/estate-prod-blog-apps',
      'Kustomization/flux-system/estate-prod-blog-infrastructure',
      'Kustomization/flux-system/estate-prod-shop-apps',
      'Kustomization/flux-system/estate-prod-shop-infrastructure',
      'Kustomization/flux-system/estate-prod-shop-migrations',
    ]);
    expect(byName('estate-prod').spec).toMatchObject({ url: REPOSITORY.url, ref: { branch: 'main' } });
    expect(parse(files.get('prod/flux/kustomization.yaml'))[0].resources).toEqual(['flux.yaml']);
  });

  it('chains each system on its own: infrastructure → migrations → apps, each waiting only for the one before in that system', () => {
    expect(byName('estate-prod-shop-infrastructure').spec.dependsOn).toBeUndefined();
    expect(byName('estate-prod-shop-migrations').spec.dependsOn).toEqual([{ name: 'estate-prod-shop-infrastructure' }]);
    expect(byName('estate-prod-shop-apps').spec.dependsOn).toEqual([{ name: 'estate-prod-shop-migrations' }]);
    for (const k of kustomizations) expect(k.spec, k.metadata.name).toMatchObject({ wait: true, prune: true });
  });

  it('gives a system without migrations a chain without that step', () => {
    expect(byName('estate-prod-blog-infrastructure').spec.dependsOn).toBeUndefined();
    expect(byName('estate-prod-blog-apps').spec.dependsOn).toEqual([{ name: 'estate-prod-blog-infrastructure' }]);
    expect(files.has('prod/blog/migrations/kustomization.yaml')).toBe(false);
  });

  it("makes every apps Kustomization wait only on its own system's Kustomizations, so one failed migration holds only its system", () => {
    for (const k of kustomizations) {
      const system = k.metadata.labels['app.kubernetes.io/part-of'];
      for (const dependency of k.spec.dependsOn ?? []) {
        expect(byName(dependency.name).metadata.labels['app.kubernetes.io/part-of'], `${k.metadata.name} → ${dependency.name}`).toBe(system);
        expect(byName(dependency.name).spec.path.startsWith(`./dist/prod/${system}/`)).toBe(true);
      }
    }
    expect(
      kustomizations.filter((k) => k.spec.dependsOn?.some((d: { name: string }) => d.name === 'estate-prod-shop-migrations')).map((k) => k.metadata.name),
    ).toEqual(['estate-prod-shop-apps']);
  });

  it('replaces the immutable migration Job (force) and waits longer than its deadline', () => {
    expect(byName('estate-prod-shop-migrations').spec.force).toBe(true);
    expect(byName('estate-prod-shop-apps').spec.force).toBeUndefined();
    expect(byName('estate-prod-shop-migrations').spec.timeout).toBe('20m');
  });

  it("points every Kustomization at its system's layer directory, which holds only that system's objects", () => {
    for (const k of kustomizations) {
      const dir = k.spec.path.replace(/^\.\/dist\//, '');
      const [, system, layer] = dir.split('/');
      expect(k.metadata.name).toBe(`estate-prod-${system}-${layer}`);
      expect(parse(files.get(`${dir}/kustomization.yaml`))[0].resources, `${k.spec.path} exists`).toEqual([`${system}.yaml`]);
      for (const object of parse(files.get(`${dir}/${system}.yaml`))) expect(object.metadata.namespace ?? object.metadata.name).toBe(`${system}-prod`);
    }
  });

  it('keeps the Flux objects out of the environment kustomization (Flux applies the systems itself), which builds every system', () => {
    expect(parse(files.get('prod/kustomization.yaml'))[0].resources).toEqual(['blog', 'shop']);
    expect(parse(files.get('prod/shop/kustomization.yaml'))[0].resources).toEqual(['infrastructure', 'migrations', 'apps']);
    expect(parse(files.get('prod/blog/kustomization.yaml'))[0].resources).toEqual(['infrastructure', 'apps']);
  });

  it('leaves the previous release serving when a migration fails: the apps wait on a migration that never completes', () => {
    const job = parse(files.get('prod/shop/migrations/shop.yaml')).find((o) => o.kind === 'Job')!;
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 900 });
    expect(job.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    expect(byName('estate-prod-shop-apps').spec.dependsOn).toEqual([{ name: 'estate-prod-shop-migrations' }]);
    expect(job.metadata.annotations).toBeUndefined();
  });

  it('runs each image migration once: a new image gives a new Job name, the same image the same name', () => {
    const jobName = (pin: string) =>
      parse(renderEstate([system({ flavour: 'flux', repository: REPOSITORY }, pin)]).files.get('prod/shop/migrations/shop.yaml')).find((o) => o.kind === 'Job')!
        .metadata.name;
    expect(jobName('v1.0.0')).toBe('migrate-v1-0-0');
    expect(jobName('v1.0.0')).toBe(jobName('v1.0.0'));
    expect(jobName('v1.1.0')).toBe('migrate-v1-1-0');
  });

  it('refuses a system named like the Flux directory', () => {
    expect(() => renderEstate([{ ...blog, name: 'flux' }])).toThrow(/system "flux": the name is taken by dist\/<env>\/flux\//);
  });

  it('warns and writes no Flux objects without a repository', () => {
    const rendered = renderEstate([system(undefined)]);
    expect(rendered.files.has('prod/flux/flux.yaml')).toBe(false);
    expect(rendered.warnings.join('\n')).toMatch(/prod: no delivery.repository in the environment, so no Flux objects were written/);
  });
});

describe('Flux object names', () => {
  const namesOf = (...systems: SystemDefinition[]) => parse(renderEstate(systems).files.get('prod/flux/flux.yaml')).map((o) => `${o.kind}/${o.metadata.name}`);
  const withDelivery = (delivery: Delivery): SystemDefinition => system(delivery);

  it("are scoped by the repository's name by default: <scope>-<env> and <scope>-<env>-<system>-<layer>", () => {
    expect(namesOf(withDelivery({ flavour: 'flux', repository: { url: 'https://github.com/example/Shop_Deploy.git' } }))).toEqual([
      'GitRepository/shop-deploy-prod',
      'Kustomization/shop-deploy-prod-shop-apps',
      'Kustomization/shop-deploy-prod-shop-infrastructure',
      'Kustomization/shop-deploy-prod-shop-migrations',
    ]);
    expect(defaultScope('git@github.com:example/estate.git')).toBe('estate');
    expect(defaultScope('ssh://git@git.example.com/team/deploy/')).toBe('deploy');
    expect(defaultScope('https://git.example.com/')).toBe('git-example-com');
  });

  it('never collide between two estates reconciled into one cluster, though their environments and systems are named alike', () => {
    const teamA = namesOf(withDelivery({ flavour: 'flux', repository: { url: 'https://github.com/team-a/deploy-a' } }));
    const teamB = namesOf(withDelivery({ flavour: 'flux', repository: { url: 'https://github.com/team-b/deploy-b' } }));
    expect(teamA.filter((name) => teamB.includes(name))).toEqual([]);
  });

  it('take a configured scope, in the chain and the source reference too', () => {
    const flux = parse(renderEstate([withDelivery({ flavour: 'flux', repository: REPOSITORY, scope: 'team-a' })]).files.get('prod/flux/flux.yaml'));
    expect(flux.map((o) => o.metadata.name)).toEqual([
      'team-a-prod',
      'team-a-prod-shop-apps',
      'team-a-prod-shop-infrastructure',
      'team-a-prod-shop-migrations',
    ]);
    const apps = flux.find((o) => o.metadata.name === 'team-a-prod-shop-apps')!;
    expect(apps.spec.dependsOn).toEqual([{ name: 'team-a-prod-shop-migrations' }]);
    expect(apps.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'team-a-prod' });
  });

  it('refuses a scope that is not a DNS label, naming the field', () => {
    expect(() => renderEstate([withDelivery({ flavour: 'flux', repository: REPOSITORY, scope: 'Team_A' })])).toThrow(
      /shop: prod\.delivery\.scope: must be a DNS label/,
    );
  });

  it('refuses a scope that makes a Kustomization name longer than a label value holds, saying how long it may be', () => {
    const scope = 'a-very-long-scope-for-an-estate-of-many-teams';
    expect(() => renderEstate([withDelivery({ flavour: 'flux', repository: REPOSITORY, scope })])).toThrow(
      `prod.delivery.scope: the Flux Kustomization name "${scope}-prod-shop-infrastructure" would be 70 characters long; Flux writes the name into a label of every object it applies, which holds at most 63; set delivery.scope to a scope of at most 38 characters (it is "${scope}")`,
    );
  });
});

describe('Flux paths follow the output directory in the repository', () => {
  const tempDir = tempDirs('shipshape-flux-paths');
  const fluxOf = (dir: string) => parse(fs.readFileSync(path.join(dir, 'prod/flux/flux.yaml'), 'utf8'));
  const synthesize = (outdir: string, delivery: Delivery = { flavour: 'flux', repository: REPOSITORY }) =>
    synthesizeEstate([system(delivery)], { outdir, stagingDir: path.join(path.dirname(outdir), 'staging') });

  it('points Kustomizations and ignore rules at deploy/dist when the synth writes there', () => {
    const repo = tempDir();
    fs.mkdirSync(path.join(repo, '.git'));
    const outdir = path.join(repo, 'deploy', 'dist');
    synthesize(outdir);
    const flux = fluxOf(outdir);
    const kustomizations = flux.filter((o) => o.kind === 'Kustomization');
    expect(kustomizations.map((k) => k.spec.path).sort()).toEqual([
      './deploy/dist/prod/shop/apps',
      './deploy/dist/prod/shop/infrastructure',
      './deploy/dist/prod/shop/migrations',
    ]);
    for (const k of kustomizations) expect(fs.existsSync(path.join(repo, k.spec.path, 'kustomization.yaml')), k.spec.path).toBe(true);
    expect(flux.find((o) => o.kind === 'GitRepository')!.spec.ignore).toBe('/*\n!/deploy/\n/deploy/*\n!/deploy/dist/\n/deploy/dist/*\n!/deploy/dist/prod/\n');
  });

  it('takes delivery.repository.path over where the output is written', () => {
    const repo = tempDir();
    fs.mkdirSync(path.join(repo, '.git'));
    const outdir = path.join(repo, 'out');
    synthesize(outdir, { flavour: 'flux', repository: { ...REPOSITORY, path: 'ops/manifests' } });
    const flux = fluxOf(outdir);
    expect(flux.filter((o) => o.kind === 'Kustomization').every((k) => k.spec.path.startsWith('./ops/manifests/prod/shop/'))).toBe(true);
    expect(flux.find((o) => o.kind === 'GitRepository')!.spec.ignore).toContain('!/ops/manifests/prod/\n');
  });

  it("fetches exactly the environment's output: git itself reads the ignore rules so", () => {
    const repo = tempDir();
    execFileSync('git', ['init', '-q', repo]);
    const files = [
      'README.md',
      'main.ts',
      'deploy/README.md',
      'deploy/dist/dev/kustomization.yaml',
      'deploy/dist/prod/kustomization.yaml',
      'deploy/dist/prod/shop/apps/shop.yaml',
      'deploy/distant/x.yaml',
    ];
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      fs.writeFileSync(path.join(repo, file), '');
    }
    fs.writeFileSync(path.join(repo, '.gitignore'), environmentOnly('deploy/dist', 'prod'));
    const ignored = spawnSync('git', ['check-ignore', ...files], { cwd: repo, encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    expect(files.filter((f) => !ignored.includes(f))).toEqual(['deploy/dist/prod/kustomization.yaml', 'deploy/dist/prod/shop/apps/shop.yaml']);
    expect(environmentOnly('.', 'prod')).toBe('/*\n!/prod/\n');
  });

  it('derives the path from the git work tree holding the output, else from the current directory, else dist', () => {
    const repo = tempDir();
    fs.writeFileSync(path.join(repo, '.git'), 'gitdir: /elsewhere\n'); // a linked worktree's .git is a file
    fs.mkdirSync(path.join(repo, 'deploy'));
    expect(repositoryPathOf('dist', path.join(repo, 'deploy'))).toBe('deploy/dist');
    expect(repositoryPathOf(path.join(repo, 'dist'))).toBe('dist');
    const plain = tempDir();
    expect(repositoryPathOf('out/dist', plain)).toBe('out/dist');
    expect(repositoryPathOf(path.join(tempDir(), 'dist'), plain)).toBe('dist');
  });

  it('refuses a repository path that leaves the repository or is absolute, naming the field', () => {
    for (const bad of ['/srv/dist', '../dist', './dist', 'deploy/dist/', 'deploy//dist']) {
      expect(() => renderEstate([system({ flavour: 'flux', repository: { ...REPOSITORY, path: bad } })]), bad).toThrow(
        /shop: prod\.delivery\.repository\.path: must be a directory inside the repository, relative to its root, such as "dist" or "deploy\/dist"/,
      );
    }
    const repo = tempDir();
    fs.mkdirSync(path.join(repo, '.git'));
    expect(() => synthesize(path.join(repo, 'my deploy', 'dist'))).toThrow(
      /prod\.delivery\.repository\.path: "my deploy\/dist", where .* sits in its repository, must be a directory .*; set delivery\.repository\.path/,
    );
  });
});

describe('other delivery flavours', () => {
  const objectsOf = (flavour: 'helm' | 'argocd') => parse(renderEstate([system({ flavour })]).files.get('prod/shop/migrations/shop.yaml'));

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
    const other = {
      ...system({ flavour: 'helm' }),
      name: 'other',
      environments: [environment('prod', { namespace: 'other-prod', delivery: { flavour: 'argocd' }, images: { api: 'v1' } })],
    };
    expect(() => renderEstate([system({ flavour: 'helm' }), other])).toThrow(
      /prod: the systems of one environment share its output directory, so they must share its delivery/,
    );
  });
});
