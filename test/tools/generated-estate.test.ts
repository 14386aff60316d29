import { describe, expect, it } from 'vitest';
import { renderEstate } from '../../lib';
import type { KubeObject } from '../../lib/output/output';
import { GENERATED_CONSTRUCTS, GENERATED_TIERS, generatedEstate, generatedServices } from '../../tools/generated-estate';
import { schemasAvailable } from '../support/schemas';

/** The object each construct is counted by, told apart by its component label. */
const COUNTED_BY: Record<string, string> = {
  'Deployment/backend': 'AutoscaledBackend',
  'Deployment/worker': 'Worker',
  'Deployment/frontend': 'WebApp',
  'Job/migration': 'MigrationJob',
  // The edge's serving route (its redirect route is named `edge-redirect`).
  'HTTPRoute/edge': 'TlsIngress',
};

/** `environment construct` → how many the rendered objects hold. */
function tally(objects: ReadonlyMap<string, readonly KubeObject[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [environment, list] of objects) {
    for (const object of list) {
      const construct = COUNTED_BY[`${object.kind}/${object.metadata?.labels?.['app.kubernetes.io/component']}`];
      if (!construct || object.metadata?.name?.endsWith('-redirect')) continue;
      const key = `${environment} ${construct}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

describe('generated estates for the benchmark', () => {
  it.runIf(schemasAvailable).each([1, 13, 30])('an estate of %i services renders, passes every check, and holds exactly those services', (n) => {
    const rendered = renderEstate(generatedEstate(n));
    expect(rendered.warnings).toEqual([]);

    const planned = new Map<string, number>();
    for (const s of generatedServices(n)) planned.set(`${s.environment} ${s.construct}`, (planned.get(`${s.environment} ${s.construct}`) ?? 0) + 1);
    expect(tally(rendered.objects)).toEqual(planned);
    expect([...tally(rendered.objects).values()].reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('spreads the services over the five constructs and the three environments', () => {
    const services = generatedServices(30);
    expect(services).toHaveLength(30);
    expect(new Set(services.map((s) => s.construct))).toEqual(new Set(GENERATED_CONSTRUCTS));
    expect(new Set(services.map((s) => s.environment))).toEqual(new Set(GENERATED_TIERS));
    for (const construct of GENERATED_CONSTRUCTS) expect(services.filter((s) => s.construct === construct)).toHaveLength(6);
    for (const tier of GENERATED_TIERS) expect(services.filter((s) => s.environment === tier)).toHaveLength(10);
  });

  it('is the same estate every time, byte for byte', () => {
    expect([...renderEstate(generatedEstate(13)).files]).toEqual([...renderEstate(generatedEstate(13)).files]);
  });

  it('refuses a count that is not a positive whole number', () => {
    expect(() => generatedEstate(0)).toThrow(/at least 1/);
    expect(() => generatedEstate(2.5)).toThrow(/whole number/);
  });
});
