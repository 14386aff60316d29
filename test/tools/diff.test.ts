import { describe, expect, it } from 'vitest';
import { AutoscaledBackend, SystemDefinition, WebApp, renderEstate } from '../../lib';
import type { KubeObject } from '../../lib/output/output';
import { diffObjects, formatChanges } from '../../tools/diff';
import { environment } from '../helpers';

/** A two-tier system whose front end can be left out and whose back end's image tag and env vary. */
function shop(options: { withFrontend: boolean; tag: string; extraEnv?: Record<string, string> }): SystemDefinition {
  return {
    name: 'shop',
    environments: [environment('staging', { images: options.withFrontend ? { api: options.tag, web: 'v1' } : { api: options.tag } })],
    define: (system) => {
      const api = new AutoscaledBackend(system, 'api', {
        image: 'ghcr.io/example/api',
        probes: { liveness: { http: '/live' }, readiness: { http: '/ready' } },
        config: { LOG_LEVEL: 'info', ...options.extraEnv },
      });
      if (options.withFrontend) new WebApp(system, 'web', { image: 'ghcr.io/example/web', backends: { API_URL: api } });
    },
  };
}

function objects(definition: SystemDefinition): KubeObject[] {
  return [...renderEstate([definition]).objects.get('staging')!];
}

describe('npm run diff: the object-level review of a change to dist/', () => {
  const before = objects(shop({ withFrontend: true, tag: 'v1' }));

  it('reports nothing when the definitions render the same objects', () => {
    expect(diffObjects(before, objects(shop({ withFrontend: true, tag: 'v1' })))).toEqual([]);
  });

  it('names a changed field by its path, list items by their name, with both values', () => {
    const changes = diffObjects(before, objects(shop({ withFrontend: true, tag: 'v2' })));
    const deployment = changes.find((c) => c.id === 'Deployment/shop-staging/api');
    expect(deployment?.kind).toBe('changed');
    expect(deployment?.fields).toContainEqual({
      path: 'spec.template.spec.containers[api].image',
      before: 'ghcr.io/example/api:v1',
      after: 'ghcr.io/example/api:v2',
    });
    expect(deployment?.fields, 'the version label changes with the image').toContainEqual(
      expect.objectContaining({ path: 'metadata.labels["app.kubernetes.io/version"]', before: 'v1', after: 'v2' }),
    );
  });

  it('lists added and removed objects, sorted by id', () => {
    const withoutFrontend = objects(shop({ withFrontend: false, tag: 'v1' }));
    const removed = diffObjects(before, withoutFrontend)
      .filter((c) => c.kind === 'removed')
      .map((c) => c.id);
    expect(removed).toContain('Deployment/shop-staging/web');
    expect(removed).toContain('Service/shop-staging/web');
    expect(removed).toEqual([...removed].sort());
    const added = diffObjects(withoutFrontend, before)
      .filter((c) => c.kind === 'added')
      .map((c) => c.id);
    expect(added).toEqual(removed);
  });

  it('shows a new ConfigMap key as a field with no before value', () => {
    const changes = diffObjects(before, objects(shop({ withFrontend: true, tag: 'v1', extraEnv: { FEATURE_X: 'on' } })));
    const config = changes.find((c) => c.id === 'ConfigMap/shop-staging/api-config');
    expect(config?.fields).toEqual([{ path: 'data.FEATURE_X', after: 'on' }]);
  });

  it('compares named list items by name, so an inserted container does not shift the others', () => {
    const pod = (containers: object[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers } });
    const changes = diffObjects(
      [pod([{ name: 'app', image: 'a:1' }])],
      [
        pod([
          { name: 'sidecar', image: 's:1' },
          { name: 'app', image: 'a:1' },
        ]),
      ],
    );
    expect(changes).toEqual([{ kind: 'changed', id: 'Pod/ns/p', fields: [{ path: 'spec.containers[sidecar]', after: { name: 'sidecar', image: 's:1' } }] }]);
  });

  it('prints a section per environment, one line per field and a summary line', () => {
    const report = formatChanges(
      new Map([
        ['staging', diffObjects(before, objects(shop({ withFrontend: true, tag: 'v2' })))],
        ['dev', []],
      ]),
    );
    const lines = report.split('\n');
    expect(lines[0]).toBe('=== dev ===');
    expect(lines).toContain('  ~ Deployment/shop-staging/api');
    expect(lines).toContain('      spec.template.spec.containers[api].image: "ghcr.io/example/api:v1" → "ghcr.io/example/api:v2"');
    expect(lines.at(-1)).toMatch(/^dev: 0 added, 0 removed, 0 changed; staging: 0 added, 0 removed, \d+ changed$/);
  });
});
