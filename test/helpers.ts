import { App } from 'cdk8s';
import { expect } from 'vitest';
import { EnvironmentInput } from '../lib/environment';
import { SystemChart } from '../lib/system-chart';
import { collectErrors, collectWarnings } from '../lib/core/issues';
import type { KubeObject } from '../lib/output/output';

/** A valid environment of the given tier; `overrides` replace fields. */
export function environment(tier: 'dev' | 'staging' | 'prod' = 'dev', overrides: Partial<EnvironmentInput> = {}): EnvironmentInput {
  return {
    name: tier,
    tier,
    namespace: `shop-${tier}`,
    domain: tier === 'prod' ? 'shop.example.com' : `${tier}.shop.example.com`,
    tls: { issuer: tier === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging' },
    ...overrides,
  };
}

/** A fresh app with one system chart for `env`. */
export function testSystem(env: EnvironmentInput = environment()): SystemChart {
  return new SystemChart(new App({ outdir: '/tmp/shipshape-test-unused' }), 'shop', { environment: env });
}

/** Every object the system synthesizes, all layers. */
export function synth(system: SystemChart): KubeObject[] {
  const errors = collectErrors(system);
  if (errors.length) throw new Error(`unexpected validation errors:\n${errors.join('\n')}`);
  return [...system.infrastructure.toJson(), ...system.migrations.toJson(), ...system.toJson()];
}

/** The validation errors of a system (all of them, as printed). */
export function errors(system: SystemChart): string[] {
  return collectErrors(system);
}

/** The warnings of a system. */
export function warnings(system: SystemChart): string[] {
  return collectWarnings(system);
}

/** The one object of `kind` named `name`; fails the test with the kinds present otherwise. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  expect(found, `${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`).toHaveLength(1);
  return found[0];
}

/** Objects of a kind. */
export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The pod spec of a Deployment or Job. */
export function podSpec(workload: KubeObject): KubeObject {
  return workload.spec.template.spec;
}

/** A container of a pod spec by name. */
export function container(pod: KubeObject, name: string): KubeObject {
  const found = [...(pod.initContainers ?? []), ...pod.containers].find((c: KubeObject) => c.name === name);
  expect(found, `container ${name}`).toBeDefined();
  return found;
}
