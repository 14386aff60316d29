import { describe, expect, it } from 'vitest';
import { Acknowledgement, EnvironmentInput } from '../../lib/environment';
import { SystemDefinition, formatSummary, renderEstate } from '../../lib/estate';
import { ShipshapeError } from '../../lib/core/issues';
import { WebApp } from '../../lib/web-app';
import { environment, testSystem, warnings } from '../helpers';

const HEALTH = { liveness: { http: '/health' }, readiness: { http: '/health' } } as const;
const REPOSITORY = { flavour: 'flux', repository: { url: 'https://github.com/example/social' } } as const;

/** A Mastodon-like system: one /health endpoint for both probes, so a warning in every environment. */
function mastodon(acknowledge?: readonly Acknowledgement[], env: Partial<EnvironmentInput> = {}): SystemDefinition {
  return {
    name: 'mastodon',
    environments: [
      environment('dev', { namespace: 'mastodon-dev', delivery: REPOSITORY, images: { web: 'v4.3.2', streaming: 'v4.3.2' }, acknowledge, ...env }),
    ],
    define: (s) => {
      new WebApp(s, 'web', { image: 'ghcr.io/mastodon/mastodon', probes: HEALTH });
      new WebApp(s, 'streaming', { image: 'ghcr.io/mastodon/streaming', probes: HEALTH });
    },
  };
}

/** The warnings of the system, without the machine's own (a schema check switched off). */
const own = (lines: readonly string[]) => lines.filter((w) => w.includes('mastodon'));

describe('acknowledging warnings', () => {
  it('ends every warning with its stable code', () => {
    const system = testSystem();
    new WebApp(system, 'web', { image: 'ghcr.io/mastodon/mastodon:v4.3.2', probes: HEALTH });
    expect(warnings(system)).toEqual([
      expect.stringMatching(/^shop\/web: WebApp "web": probes\.liveness: liveness and readiness are the same check.* \[probes-same-check\]$/),
    ]);
  });

  it('moves an acknowledged warning out of the warnings and into the summary, with its reason', () => {
    expect(own(renderEstate([mastodon()]).warnings)).toHaveLength(2);
    const reason = 'Mastodon serves a single /health endpoint; reviewed by the platform team';
    const rendered = renderEstate([mastodon([{ warning: 'probes-same-check', workload: 'web', reason }])]);
    expect(own(rendered.warnings)).toEqual([
      expect.stringMatching(/^dev\/mastodon\/streaming: WebApp "streaming": probes\.liveness: .*\[probes-same-check\]$/),
    ]);
    expect(rendered.acknowledged).toEqual([
      { warning: expect.stringMatching(/^dev\/mastodon\/web: WebApp "web": probes\.liveness: liveness and readiness/), reason },
    ]);
    const summary = formatSummary(rendered, 'dist');
    expect(summary.split('\n')[0]).toMatch(new RegExp(`, ${rendered.warnings.length} warnings?, 1 acknowledged$`));
    expect(summary).toMatch(
      /acknowledged:\n {2}✓ dev\/mastodon\/web: WebApp "web": .*\[probes-same-check\] \(acknowledged: Mastodon serves a single \/health endpoint; reviewed by the platform team\)/,
    );
    expect(summary).not.toMatch(/! dev\/mastodon\/web:/);
  });

  it('acknowledges a warning for every workload of the system when no workload is named', () => {
    const rendered = renderEstate([mastodon([{ warning: 'probes-same-check', reason: 'every Mastodon process serves one /health endpoint' }])]);
    expect(own(rendered.warnings)).toEqual([]);
    expect(rendered.acknowledged.map((a) => a.warning.split(':')[0])).toEqual(['dev/mastodon/web', 'dev/mastodon/streaming']);
  });

  it('reports an acknowledgement that matches no warning, so stale ones do not pile up', () => {
    const rendered = renderEstate([
      mastodon([
        { warning: 'probes-same-check', reason: 'every Mastodon process serves one /health endpoint' },
        { warning: 'single-replica', workload: 'web', reason: 'dev runs one replica on purpose' },
        { warning: 'probes-same-check', workload: 'sidekiq', reason: 'a workload that does not exist' },
      ]),
    ]);
    expect(own(rendered.warnings)).toEqual([
      'dev/mastodon: dev.acknowledge[1]: acknowledges warning "single-replica" from "web", but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]',
      'dev/mastodon: dev.acknowledge[2]: acknowledges warning "probes-same-check" from "sidekiq", but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]',
    ]);
  });

  it('acknowledges per environment: a staging tier rule is acknowledged in staging only', () => {
    const staging = renderEstate([
      mastodon([{ warning: 'single-replica', workload: 'web', reason: 'staging runs one replica to save cost' }], {
        name: 'staging',
        tier: 'staging',
        namespace: 'mastodon-staging',
        domain: 'staging.social.example.com',
        workloads: { web: { replicas: 1 }, streaming: { replicas: 1 } },
      }),
    ]);
    expect(staging.acknowledged.map((a) => a.warning)).toEqual([
      expect.stringMatching(/^staging\/mastodon\/web: WebApp "web": replicas: runs 1 replica .*\[single-replica\]$/),
    ]);
    expect(own(staging.warnings).join('\n')).toMatch(/streaming: WebApp "streaming": replicas: runs 1 replica .*\[single-replica\]/);
  });

  it('leaves the acknowledgement of a claim removal to the check against the previous output, which renderEstate does not read', () => {
    const rendered = renderEstate([mastodon([{ warning: 'claim-removed', workload: 'media.v1', reason: 'media moved to object storage' }])]);
    expect(own(rendered.warnings).join('\n')).not.toMatch(/acknowledgement-unused/);
  });

  it('refuses an acknowledgement without a reason or with an unknown code, naming the field', () => {
    const problems = (acknowledge: unknown[]) => {
      try {
        renderEstate([mastodon(acknowledge as Acknowledgement[])]);
      } catch (error) {
        if (error instanceof ShipshapeError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };
    expect(problems([{ warning: 'probes-same-check' }])).toMatch(/mastodon: dev\.acknowledge\[0\]\.reason: is required: say why the warning is accepted/);
    expect(problems([{ warning: 'probes-same-check', reason: 'ok' }])).toMatch(
      /dev\.acknowledge\[0\]\.reason: say why the warning is accepted, in at least a short sentence/,
    );
    expect(problems([{ warning: 'same-probes', reason: 'a reason long enough' }])).toMatch(
      /dev\.acknowledge\[0\]\.warning: must be the code of a warning, printed in brackets at its end: one of probes-same-check, single-replica,/,
    );
    expect(problems([{ warning: 'probes-same-check', reason: 'a reason long enough', until: '2027' }])).toMatch(
      /dev\.acknowledge\[0\]: Unrecognized key: "until"/,
    );
    // A removal deletes or orphans data: it is acknowledged one named claim at a time.
    expect(problems([{ warning: 'claim-removed', reason: 'every claim moved to the new cluster' }])).toMatch(
      /mastodon: dev\.acknowledge\[0\]: acknowledges "claim-removed" without workload: name the claim whose removal is acknowledged \(workload: '<claim name>'\), one entry per claim/,
    );
    expect(problems([{ warning: 'claim-removed', workload: '-media', reason: 'media moved to object storage' }])).toMatch(
      /dev\.acknowledge\[0\]\.workload: must be the name the warning quotes/,
    );
  });
});
