import { AutoscaledBackend } from '../../lib/autoscaled-backend';
import { SystemDefinition, renderEstate } from '../../lib/estate';
import { TlsIngress } from '../../lib/tls-ingress';
import { WebApp } from '../../lib/web-app';
import { Worker } from '../../lib/worker';
import type { KubeJson } from '../../lib/checks/objects';
import { environment } from '../helpers';

/** A small valid system touching every kind the checks look at. */
export const fixtureSystem: SystemDefinition = {
  name: 'shop',
  environments: [environment('prod', { images: { api: 'v1.0.0', web: 'v1.0.0', queue: 'v1.0.0' } })],
  define: (system) => {
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379 });
    const api = new AutoscaledBackend(system, 'api', {
      image: 'ghcr.io/example/api',
      probes: { liveness: { http: '/live' }, readiness: { http: '/ready' } },
      secrets: ['api-secrets'],
      connectsTo: [redis.served],
    });
    const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web', backends: { API_URL: api }, config: { A: 'b' } });
    new Worker(system, 'queue', {
      image: 'ghcr.io/example/api',
      scaling: { maxReplicas: 4, redisList: { address: 'redis:6379', listName: 'q', password: { secret: 'redis', key: 'password' } } },
    });
    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/api', backend: api },
        { path: '/', backend: web },
      ],
    });
    // The retired controller's flavour, still supported: its Ingresses are checked too.
    new TlsIngress(system, 'legacy', {
      flavour: 'ingress-nginx',
      host: 'legacy',
      routes: [
        { path: '/api', backend: api },
        { path: '/', backend: web },
      ],
    });
  },
};

/** A fresh deep copy of the fixture's prod objects, to break one thing at a time. */
export function fixtureObjects(): KubeJson[] {
  return structuredClone(renderEstate([fixtureSystem]).objects.get('prod')!) as KubeJson[];
}

/** The one object of a kind and name. */
export function get(objects: KubeJson[], kind: string, name: string): KubeJson {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not in the fixture`);
  return found;
}
