import { describe, expect, it } from 'vitest';
import { EnvironmentInput, MigrationJob, SystemChart, SystemDefinition, WebApp, Worker, renderEstate } from '../lib';
import { environment } from './helpers';

/** Issue 17, item 6: one release pin for the workloads that share an image. */

const MASTODON = 'ghcr.io/mastodon/mastodon';
const PROBES = { liveness: { http: '/health' }, readiness: { http: '/health/ready' } } as const;

function mastodon(system: SystemChart): void {
  const web = new WebApp(system, 'web', { image: MASTODON, probes: PROBES });
  new WebApp(system, 'streaming', { image: MASTODON, command: ['node', './streaming'], probes: PROBES });
  new Worker(system, 'sidekiq', { image: MASTODON, command: ['bundle', 'exec', 'sidekiq'] });
  new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379, security: { runAsUser: 999, runAsGroup: 999 } });
  new MigrationJob(system, 'migrate', { app: web, command: ['bundle', 'exec', 'rails', 'db:migrate'] });
}

function render(overrides: Partial<EnvironmentInput>) {
  const system: SystemDefinition = { name: 'social', environments: [environment('dev', { namespace: 'social-dev', ...overrides })], define: mastodon };
  const rendered = renderEstate([system]);
  const images = new Map<string, string>();
  for (const object of rendered.objects.get('dev')!) {
    const template = object.kind === 'Deployment' || object.kind === 'Job' ? object.spec.template : undefined;
    if (template) images.set(`${object.kind}/${object.metadata.name}`, template.spec.containers[0].image);
  }
  return { images, warnings: rendered.warnings };
}

describe('a pin per image repository', () => {
  it('pins every workload of the image, the migration with them; a workload key wins; other images keep theirs', () => {
    const { images } = render({ images: { [MASTODON]: 'v4.3.2', streaming: 'v4.3.3' } });
    expect(Object.fromEntries(images)).toEqual({
      'Deployment/web': `${MASTODON}:v4.3.2`,
      'Deployment/streaming': `${MASTODON}:v4.3.3`,
      'Deployment/sidekiq': `${MASTODON}:v4.3.2`,
      'Deployment/redis': 'redis:7.2.4',
      'Job/migrate-v4-3-2': `${MASTODON}:v4.3.2`,
    });
  });

  it('takes a digest too', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(render({ images: { [MASTODON]: digest } }).images.get('Deployment/sidekiq')).toBe(`${MASTODON}@${digest}`);
  });

  it('refuses a repository no workload runs, with a did-you-mean', () => {
    expect(() => render({ images: { 'ghcr.io/mastodon/mastodn': 'v4.3.2' } })).toThrow(
      /dev\.images\.ghcr\.io\/mastodon\/mastodn: names no workload of system "social" and no image repository its workloads run; did you mean "ghcr\.io\/mastodon\/mastodon"\?/,
    );
  });

  it('refuses a key with a tag, saying what a key is', () => {
    expect(() => render({ images: { [`${MASTODON}:v4`]: 'v4.3.2' } })).toThrow(
      /must be a workload name such as "web" or an image repository such as "ghcr\.io\/mastodon\/mastodon" \(lower case, no tag\)/,
    );
  });

  it("points the untagged migration's hint at its app's pin", () => {
    const { warnings } = render({});
    const hint = warnings.find((w) => w.includes('[migration-image-untagged]'));
    expect(hint).toMatch(
      /Fix: pin its app, whose image the Job runs: images: \{ web: '<tag or digest>' \} in the dev environment \(or images: \{ 'ghcr\.io\/mastodon\/mastodon': … \} for every workload of that image\)/,
    );
  });
});
