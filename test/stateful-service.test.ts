import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { immutableFieldChanges } from '../lib/checks/immutable-fields';
import { PersistentClaim } from '../lib/persistent-claim';
import { StatefulService, StatefulServiceProps } from '../lib/stateful-service';
import { WebApp } from '../lib/web-app';
import { Worker } from '../lib/worker';
import { environment, errors, find, ofKind, podSpec, synth, testSystem } from './helpers';

const IMAGE = 'redis:7.2.4-alpine';
const DATA = { name: 'data', mountPath: '/data', claim: { size: '4Gi', accessMode: 'ReadWriteOnce' as const } };

function store(props: Partial<StatefulServiceProps> = {}, env = environment()) {
  const system = testSystem(env);
  const s = new StatefulService(system, 'redis', { image: IMAGE, port: 6379, ...props });
  return { system, store: s };
}

describe('StatefulService', () => {
  it('is a StatefulSet governed by a headless Service, with a client Service, one claim per replica and a PDB from two', () => {
    const objects = synth(store({ replicas: 3, volumes: [DATA] }).system);
    const set = find(objects, 'StatefulSet', 'redis');
    expect(set.spec).toMatchObject({
      replicas: 3,
      serviceName: 'redis-headless',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(set.metadata.annotations?.['shipshape.io/singleton'], 'three replicas are no singleton').toBeUndefined();
    const headless = find(objects, 'Service', 'redis-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: set.spec.selector.matchLabels });
    const client = find(objects, 'Service', 'redis');
    expect(client.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 6379, targetPort: 'http' }] });
    expect(client.spec.clusterIP, 'the client Service balances over ready pods').toBeUndefined();
    expect(set.spec.volumeClaimTemplates).toEqual([
      {
        metadata: {
          name: 'data',
          labels: {
            'app.kubernetes.io/name': 'redis',
            'app.kubernetes.io/instance': 'shop',
            'app.kubernetes.io/part-of': 'shop',
            'app.kubernetes.io/managed-by': 'shipshape',
          },
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '4Gi' } } },
      },
    ]);
    const pod = podSpec(set);
    expect(
      pod.volumes.map((v: any) => v.name),
      'the StatefulSet adds the claim volume itself',
    ).toEqual(['tmp']);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(ofKind(objects, 'PersistentVolumeClaim'), 'no shared claim').toEqual([]);
    expect(pod.restartPolicy, 'the API default, Always').toBeUndefined();
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.topologySpreadConstraints[0].matchLabelKeys, 'StatefulSet pods carry no pod-template-hash').toBeUndefined();
    expect(pod.containers[0].readinessProbe, 'ready once the port answers').toEqual({ tcpSocket: { port: 'http' } });
    expect(find(objects, 'PodDisruptionBudget', 'redis').spec.maxUnavailable).toBe(1);
    const peers = find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name']);
    expect(peers, 'replicas reach each other').toEqual(['redis']);
    expect(ofKind(objects, 'Deployment')).toEqual([]);
    expect(Yaml.stringify(set)).toMatchSnapshot();
  });

  it('runs one replica as an intended singleton without a PDB or spread, and keeps its count from the environment factor', () => {
    const objects = synth(store({ volumes: [DATA] }, environment('prod', { scaling: { replicas: 3 } })).system);
    const set = find(objects, 'StatefulSet', 'redis');
    expect(set.spec.replicas).toBe(1);
    expect(set.metadata.annotations['shipshape.io/singleton']).toBe('true');
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(podSpec(set).topologySpreadConstraints).toBeUndefined();
  });

  it("takes the environment's replica override", () => {
    const set = find(synth(store({}, environment('dev', { workloads: { redis: { replicas: 2 } } })).system), 'StatefulSet', 'redis');
    expect(set.spec.replicas).toBe(2);
  });

  it('makes the claim refused on a scaled Deployment a claim of each replica', () => {
    const refused = testSystem();
    new Worker(refused, 'redis', { image: IMAGE, port: 6379, replicas: 3, volumes: [DATA] });
    expect(errors(refused).join('\n')).toMatch(/ReadWriteOnce but this workload runs up to 3 replicas.*make it a StatefulService/);
    expect(errors(store({ replicas: 3, volumes: [DATA] }).system)).toEqual([]);
  });

  it('protects its per-replica claims from pruning only where the delivery tool would adopt them (Argo CD)', () => {
    const templates = (flavour: 'flux' | 'helm' | 'argocd') =>
      find(synth(store({ volumes: [DATA] }, environment('dev', { delivery: { flavour } })).system), 'StatefulSet', 'redis').spec.volumeClaimTemplates;
    // Flux and Helm delete only what they applied; the StatefulSet controller makes these claims.
    expect(templates('flux')[0].metadata.annotations).toBeUndefined();
    expect(templates('helm')[0].metadata.annotations).toBeUndefined();
    expect(templates('argocd')[0].metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
  });

  it('keeps its claim templates when the image changes, so a release stays appliable', () => {
    const templates = (tag: string) => find(synth(store({ image: `redis:${tag}`, volumes: [DATA] }).system), 'StatefulSet', 'redis').spec.volumeClaimTemplates;
    expect(templates('7.2.4')).toEqual(templates('7.2.5'));
  });

  it('refuses a change of its claim templates over the previous output, with the way to grow them', () => {
    const set = (size: string) => find(synth(store({ volumes: [{ ...DATA, claim: { ...DATA.claim, size } }] }).system), 'StatefulSet', 'redis');
    const problems = immutableFieldChanges(new Map([['dev', [set('4Gi')]]]), new Map([['dev', [set('8Gi')]]]), 'dist');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /StatefulSet redis: spec.volumeClaimTemplates differs from the one in dist\/dev.* Fix: .*resize each PersistentVolumeClaim <volume>-redis-<ordinal>.*kubectl delete statefulset redis --cascade=orphan/,
    );
  });

  it('takes all the props', () => {
    const system = testSystem();
    const api = new WebApp(system, 'api', { image: 'ghcr.io/example/api:v1', port: 8080 });
    const shared = new PersistentClaim(system, 'models', { size: '1Gi', accessMode: 'ReadWriteMany', storageClassName: 'nfs-client' });
    const search = new StatefulService(system, 'search', {
      image: 'getmeili/meilisearch:v1.11.3',
      port: 7700,
      replicas: 2,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', partition: 1 },
      publishNotReadyAddresses: false,
      command: ['meilisearch'],
      args: ['--db-path', '/data'],
      workingDir: '/data',
      env: { MEILI_ENV: 'production', MEILI_MASTER_KEY: { secret: 'search', key: 'key' } },
      config: { MEILI_NO_ANALYTICS: 'true' },
      configMaps: ['search-extra'],
      secrets: ['search-secrets'],
      files: { '/etc/search/settings.json': '{}' },
      volumes: [
        { name: 'data', mountPath: '/data', claim: { size: '10Gi', accessMode: 'ReadWriteOnce', storageClassName: 'fast' } },
        { name: 'models', mountPath: '/models', readOnly: true, claim: shared },
      ],
      probes: { readiness: { http: '/health' }, liveness: { tcp: 'http' } },
      resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
      shutdown: { gracePeriodSeconds: 90, preStopSeconds: 10 },
      initContainers: [{ name: 'init', command: ['true'] }],
      sidecars: [{ name: 'exporter', image: 'ghcr.io/example/exporter:v1' }],
      scheduling: { priorityClassName: 'datastores' },
      security: { runAsUser: 2000, runAsGroup: 2000 },
      backends: { API_URL: api },
      connectsTo: [],
      component: 'search',
      metrics: { port: 9100, path: '/metrics' },
    });
    const objects = synth(system);
    const set = find(objects, 'StatefulSet', 'search');
    expect(set.spec).toMatchObject({
      replicas: 2,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
    });
    expect(set.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName])).toEqual([['data', 'fast']]);
    const pod = podSpec(set);
    expect(pod.volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
    expect(pod).toMatchObject({ terminationGracePeriodSeconds: 90, priorityClassName: 'datastores', securityContext: { runAsUser: 2000 } });
    expect(pod.containers.map((c: any) => c.name)).toEqual(['search', 'exporter']);
    expect(pod.containers[0].ports).toContainEqual({ name: 'metrics', containerPort: 9100, protocol: 'TCP' });
    expect(pod.containers[0].env).toContainEqual({ name: 'API_URL', value: api.url });
    expect(find(objects, 'Service', 'search-headless').spec.publishNotReadyAddresses).toBe(false);
    expect(set.metadata.labels['app.kubernetes.io/component']).toBe('search');
    expect(search.podHost(1)).toBe('search-1.search-headless.shop-dev.svc.cluster.local');
    expect(search.url).toBe('http://search.shop-dev.svc.cluster.local:7700');
  });

  it('is a served workload other workloads connect to', () => {
    const system = testSystem();
    const redis = new StatefulService(system, 'redis', { image: IMAGE, port: 6379 });
    new Worker(system, 'worker', { image: 'ghcr.io/example/worker:v1', connectsTo: [redis] });
    const admitted = find(synth(system), 'NetworkPolicy', 'allow-redis').spec.ingress.map(
      (r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'],
    );
    expect(admitted).toEqual(['worker']);
  });
});

describe('StatefulService bad input', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no port', { port: undefined }, /port: Invalid input: expected number/],
    ['zero replicas', { replicas: 0 }, /replicas: Too small/],
    ['an unknown pod management policy', { podManagementPolicy: 'Ordered' }, /podManagementPolicy: Invalid option/],
    ['a partition with OnDelete', { updateStrategy: { type: 'OnDelete', partition: 1 } }, /updateStrategy\.partition: applies only to type 'RollingUpdate'/],
    [
      'a per-replica claim that is ReadWriteMany',
      { volumes: [{ ...DATA, claim: { size: '1Gi', accessMode: 'ReadWriteMany' } }] },
      /volumes\[0\]\.claim\.accessMode: a claim given as props is each replica's own, mounted by one pod\. Fix: use accessMode 'ReadWriteOnce', or pass a shared PersistentClaim/,
    ],
    ['a claim size that is no quantity', { volumes: [{ ...DATA, claim: { size: 'lots', accessMode: 'ReadWriteOnce' } }] }, /volumes\[0\]\.claim/],
  ])('%s', (_name, props, expected) => {
    const found = errors(store(props as Partial<StatefulServiceProps>).system);
    expect(found.join('\n')).toMatch(expected);
    expect(found.every((e) => e.includes('StatefulService "redis": '))).toBe(true);
  });

  it('refuses a name its pods could not carry', () => {
    const system = testSystem();
    new StatefulService(system, 'r'.repeat(53), { image: IMAGE, port: 6379 });
    expect(errors(system).join('\n')).toMatch(/\(id\): "r{53}" is 53 characters; its pods' revision label adds 11, and a label has at most 63/);
  });

  it('still shares a ReadWriteOnce PersistentClaim only with one pod', () => {
    const system = testSystem();
    const claim = new PersistentClaim(system, 'shared', { size: '1Gi', accessMode: 'ReadWriteOnce' });
    new StatefulService(system, 'redis', { image: IMAGE, port: 6379, replicas: 2, volumes: [{ name: 'data', mountPath: '/data', claim }] });
    expect(errors(system).join('\n')).toMatch(/claim "shared" is ReadWriteOnce but this workload runs up to 2 replicas/);
  });
});
