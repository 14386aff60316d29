import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AutoscaledBackend } from '../lib/autoscaled-backend';
import { MigrationJob } from '../lib/migration-job';
import { SystemChart } from '../lib/system-chart';
import { peers } from '../lib/core/network-peers';
import { WebApp } from '../lib/web-app';
import { Worker } from '../lib/worker';
import { environment, errors, find, ofKind, synth, testSystem } from './helpers';

const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;
const selector = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'shop' } });

describe('SystemChart', () => {
  it('writes the namespace with Pod Security labels', () => {
    const namespace = find(synth(testSystem()), 'Namespace', 'shop-dev');
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(namespace.metadata).not.toHaveProperty('namespace');
  });

  it('denies all ingress by default', () => {
    const deny = find(synth(testSystem()), 'NetworkPolicy', 'default-deny-ingress');
    expect(deny.metadata.namespace).toBe('shop-dev');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('allows exactly the wired traffic: front end → back end → datastore', () => {
    const system = testSystem();
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379 });
    const backend = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v1', probes: PROBES, connectsTo: [redis.served] });
    new WebApp(system, 'frontend', { image: 'ghcr.io/example/web:v1', backends: { API_URL: backend } });
    new Worker(system, 'worker', { image: 'ghcr.io/example/api:v1', connectsTo: [redis.served] });
    system.allowTraffic({ from: peers.edge, to: { kind: 'workload', name: 'frontend' }, port: 3000 });
    const objects = synth(system);

    expect(find(objects, 'NetworkPolicy', 'allow-backend').spec).toEqual({
      podSelector: selector('backend'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: selector('frontend') }], ports: [{ port: 8000, protocol: 'TCP' }] }],
    });
    expect(
      find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress.map((rule: any) => rule.from[0].podSelector.matchLabels['app.kubernetes.io/name']),
    ).toEqual(['backend', 'worker']);
    expect(find(objects, 'NetworkPolicy', 'allow-frontend').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
            podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'shop', 'gateway.envoyproxy.io/owning-gateway-namespace': 'shop-dev' } },
          },
        ],
        ports: [{ port: 3000, protocol: 'TCP' }],
      },
    ]);
  });

  it('leaves a datastore that nothing declares reachable by nothing', () => {
    const system = testSystem();
    new Worker(system, 'search', { image: 'getmeili/meilisearch:v1.7', singleton: true, port: 7700 });
    const policies = ofKind(synth(system), 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['default-deny-ingress']);
  });

  it("takes the edge's data-plane namespace and pods from the environment", () => {
    const system = testSystem(environment('dev', { gateway: { dataPlane: { namespace: 'edge', podSelector: { app: 'proxy' } } } }));
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1' });
    system.allowTraffic({ from: peers.edge, to: { kind: 'workload', name: 'web' }, port: 3000 });
    expect(find(synth(system), 'NetworkPolicy', 'allow-web').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } }, podSelector: { matchLabels: { app: 'proxy' } } },
    ]);
  });

  it('refuses wiring to a workload of another system', () => {
    const app = new App();
    const other = new SystemChart(app, 'other', { environment: environment('dev', { namespace: 'other-dev' }) });
    const api = new WebApp(other, 'api', { image: 'ghcr.io/example/api:v1' });
    const system = new SystemChart(app, 'shop', { environment: environment() });
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1', backends: { API_URL: api } });
    expect(errors(system).join('\n')).toMatch(/wiring: "web" → "api": "api" is not a workload of system "shop" in dev/);
  });

  it('refuses two workloads with one name', () => {
    const system = testSystem();
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1' });
    const group = new Construct(system, 'group');
    new WebApp(group, 'web', { image: 'ghcr.io/example/web:v1' });
    expect(errors(system).join('\n')).toMatch(/another workload of system "shop" is already named "web"/);
  });

  it('refuses a system name that is not a DNS label, and constructs outside a system chart', () => {
    const chart = new SystemChart(new App(), 'Shop_1', { environment: environment() });
    new WebApp(chart, 'web', { image: 'x:v1', port: 0 });
    // Reported with the other findings, not thrown: the workload's own errors still show.
    expect(errors(chart)).toContainEqual(
      'Shop_1: SystemChart "Shop_1": (id): "Shop_1": the system name must be a DNS label Fix: use lower-case letters, digits and "-"',
    );
    expect(errors(chart).join('\n')).toMatch(/WebApp "web": port/);
    expect(() => new WebApp(new App(), 'web', { image: 'x:v1' })).toThrow(/shipshape constructs must be defined inside a SystemChart/);
  });
});

describe('settings', () => {
  it('reads per-environment settings and reports a missing one with the environment and key', () => {
    const system = testSystem(environment('prod', { settings: { HCP_DOMAIN: 'hcp.example.com' } }));
    expect(system.setting('HCP_DOMAIN')).toBe('hcp.example.com');
    expect(system.setting('BUCKET')).toBe('');
    expect(errors(system).join('\n')).toMatch(/prod.settings.BUCKET: the system reads setting "BUCKET", which the prod environment does not define/);
  });
});

describe('services other charts run in the namespace (environment.externalServices)', () => {
  const REDIS = { port: 6379, podSelector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'redis' } };
  const withRedis = (extra: Partial<Parameters<typeof environment>[1]> = {}) => environment('dev', { externalServices: { redis: REDIS }, ...extra });

  it('admits the workloads that use one to its pods, and lists it on the Namespace like an external Secret', () => {
    const system = testSystem(withRedis());
    const redis = system.externalService('redis');
    expect(redis).toMatchObject({ name: 'redis', port: 6379, host: 'redis.shop-dev.svc.cluster.local' });
    new AutoscaledBackend(system, 'api', { image: 'ghcr.io/example/api:v1', probes: PROBES, connectsTo: [redis] });
    new Worker(system, 'worker', { image: 'ghcr.io/example/api:v1', connectsTo: [redis] });
    const objects = synth(system);

    expect(find(objects, 'Namespace', 'shop-dev').metadata.annotations).toEqual({ 'shipshape.io/external-services': 'redis' });
    const policy = find(objects, 'NetworkPolicy', 'allow-redis');
    expect(policy.metadata.annotations, 'tells the checks and the picture whose pods these are').toEqual({ 'shipshape.io/external-service': 'redis' });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: REDIS.podSelector },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: selector('api') }], ports: [{ port: 6379, protocol: 'TCP' }] },
        { from: [{ podSelector: selector('worker') }], ports: [{ port: 6379, protocol: 'TCP' }] },
      ],
    });
    expect(errors(system)).toEqual([]);
  });

  it('lets the KEDA operator read a queue in it, and setup Jobs reach it', () => {
    const system = testSystem(withRedis());
    const redis = system.externalService('redis');
    const worker = new Worker(system, 'worker', {
      image: 'ghcr.io/example/api:v1',
      scaling: { maxReplicas: 4, redisList: { server: redis, listName: 'celery' } },
    });
    new MigrationJob(system, 'setup', { app: worker, command: ['python', 'setup.py'], connectsTo: [redis] });
    const objects = synth(system);
    expect(find(objects, 'ScaledObject', 'worker').spec.triggers[0].metadata.address).toBe('redis.shop-dev.svc.cluster.local:6379');
    expect(find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual([
      'worker',
      'setup',
    ]);
    const keda = find(objects, 'NetworkPolicy', 'allow-keda-redis');
    expect(keda.metadata.annotations).toEqual({ 'shipshape.io/admits': 'keda-operator', 'shipshape.io/external-service': 'redis' });
    expect(keda.spec.podSelector).toEqual({ matchLabels: REDIS.podSelector });
  });

  it('points an ExternalName Service at a host outside the cluster, and needs no policy for it', () => {
    const system = testSystem(environment('dev', { externalServices: { 'postgres-db': { port: 5432, externalName: 'db.abc.eu-west-1.rds.amazonaws.com' } } }));
    new Worker(system, 'worker', { image: 'ghcr.io/example/api:v1', connectsTo: [system.externalService('postgres-db')] });
    const objects = synth(system);
    expect(find(objects, 'Service', 'postgres-db').spec).toEqual({
      type: 'ExternalName',
      externalName: 'db.abc.eu-west-1.rds.amazonaws.com',
      ports: [{ name: 'tcp', port: 5432, protocol: 'TCP' }],
    });
    expect(find(objects, 'Namespace', 'shop-dev').metadata.annotations ?? {}, 'it is in the output, not a bootstrap item').not.toHaveProperty(
      'shipshape.io/external-services',
    );
    expect(ofKind(objects, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['default-deny-ingress']);
    expect(errors(system)).toEqual([]);
  });

  it('refuses a workload named like a declared external service', () => {
    const system = testSystem(withRedis());
    new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379 });
    expect(errors(system).join('\n')).toMatch(
      /shop\/redis: SystemChart "redis": \(id\): the dev environment declares an external service "redis"; a workload of that name would take over its Service/,
    );
  });
});

describe('cluster peers admitted by policies of their own', () => {
  it('admits the monitoring namespace (and only its scraper pods, when given) to a declared metrics port', () => {
    const system = testSystem(environment('dev', { monitoring: { namespace: 'observability', podSelector: { 'app.kubernetes.io/name': 'prometheus' } } }));
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1', metrics: { port: 9100 } });
    const policy = find(synth(system), 'NetworkPolicy', 'allow-monitoring-web');
    expect(policy.metadata.annotations).toEqual({ 'shipshape.io/admits': 'monitoring' });
    expect(policy.spec).toEqual({
      podSelector: selector('web'),
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
          ports: [{ port: 9100, protocol: 'TCP' }],
        },
      ],
    });
  });

  it('writes every NetworkPolicy from typed traffic rules: workloads and the edge share allow-<to>, KEDA and monitoring get their own', () => {
    const system = testSystem(environment('dev', { kedaOperator: { namespace: 'keda' }, monitoring: { namespace: 'observability' } }));
    new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1' });
    new Worker(system, 'jobs', { image: 'ghcr.io/example/api:v1' });
    const web = { kind: 'workload', name: 'web' } as const;
    system.allowTraffic({ from: peers.edge, to: web, port: 3000 });
    system.allowTraffic({ from: peers.workload('jobs'), to: web, port: 3000 });
    system.allowTraffic({ from: peers.workload('jobs'), to: web, port: 3000 });
    system.allowTraffic({ from: peers.keda, to: web, port: 3000 });
    system.allowTraffic({ from: peers.monitoring, to: web, port: 9090 });
    const objects = synth(system);
    // A system without an edge of its own admits the default edge: the Gateway's data plane.
    expect(find(objects, 'NetworkPolicy', 'allow-web').spec.ingress.map((rule: any) => rule.from)).toEqual([
      [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
          podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'shop', 'gateway.envoyproxy.io/owning-gateway-namespace': 'shop-dev' } },
        },
      ],
      [{ podSelector: selector('jobs') }],
    ]);
    expect(find(objects, 'NetworkPolicy', 'allow-keda-web').metadata.annotations).toEqual({ 'shipshape.io/admits': 'keda-operator' });
    expect(find(objects, 'NetworkPolicy', 'allow-monitoring-web').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    expect(system.edges.map((e) => `${e.from} → ${e.to}`)).toEqual(['gateway → web', 'jobs → web', 'keda-operator → web', 'monitoring → web']);
  });

  it('refuses admitting a cluster peer to a workload the system does not have', () => {
    const system = testSystem();
    system.allowTraffic({ from: peers.keda, to: { kind: 'workload', name: 'ghost' }, port: 6379 });
    expect(errors(system).join('\n')).toMatch(/keda-operator → "ghost": "ghost" is not a workload of system "shop" in dev/);
  });
});
