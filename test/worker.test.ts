import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Worker, WorkerProps } from '../lib/worker';
import { WebApp } from '../lib/web-app';
import { environment, errors, find, ofKind, podSpec, synth, testSystem } from './helpers';

const IMAGE = 'ghcr.io/example/worker:v3.2.1';
const QUEUE = {
  minReplicas: 1,
  maxReplicas: 10,
  redisList: { address: 'redis.shop-dev.svc.cluster.local:6379', listName: 'celery', listLength: 20, password: { secret: 'redis', key: 'password' } },
};

function worker(props: Partial<WorkerProps> = {}, env = environment()) {
  const system = testSystem(env);
  const w = new Worker(system, 'worker', { image: IMAGE, ...props });
  return { system, worker: w };
}

describe('Worker', () => {
  it('has no Service and sizes the grace period to the longest job', () => {
    const objects = synth(worker({ longestJobSeconds: 600 }).system);
    expect(ofKind(objects, 'Service')).toHaveLength(0);
    const pod = podSpec(find(objects, 'Deployment', 'worker'));
    expect(pod.terminationGracePeriodSeconds).toBe(615);
    expect(pod.containers[0].lifecycle).toBeUndefined();
    expect(find(objects, 'Deployment', 'worker').metadata.labels['app.kubernetes.io/component']).toBe('worker');
  });

  it('scales on the length of a Redis list through KEDA, with the password from a Secret', () => {
    const objects = synth(worker({ scaling: QUEUE }).system);
    expect(find(objects, 'Deployment', 'worker').spec).not.toHaveProperty('replicas');
    const scaled = find(objects, 'ScaledObject', 'worker');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled.spec).toMatchObject({ scaleTargetRef: { name: 'worker' }, minReplicaCount: 1, maxReplicaCount: 10 });
    expect(scaled.spec.triggers).toEqual([
      {
        type: 'redis',
        metadata: { address: 'redis.shop-dev.svc.cluster.local:6379', listName: 'celery', listLength: '20' },
        authenticationRef: { name: 'worker-redis', kind: 'TriggerAuthentication' },
      },
    ]);
    const auth = find(objects, 'TriggerAuthentication', 'worker-redis');
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'redis', key: 'password' }]);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('may scale an idle queue to zero', () => {
    const scaled = find(synth(worker({ scaling: { ...QUEUE, minReplicas: 0 } }).system), 'ScaledObject', 'worker');
    expect(scaled.spec.minReplicaCount).toBe(0);
  });

  it('scales on CPU through an HPA', () => {
    const objects = synth(worker({ scaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 75 } }).system);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'worker');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } });
    find(objects, 'PodDisruptionBudget', 'worker');
    expect(ofKind(objects, 'ScaledObject')).toHaveLength(0);
  });

  it('runs a singleton as exactly one pod, replaced with Recreate, without autoscaler or PDB', () => {
    const objects = synth(worker({ singleton: true }, environment('dev', { scaling: { replicas: 3 } })).system);
    const deployment = find(objects, 'Deployment', 'worker');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('serves a singleton datastore through a Service and can be connected to', () => {
    const system = testSystem();
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379, probes: { readiness: { tcp: 6379 } } });
    new WebApp(system, 'web', { image: IMAGE, connectsTo: [redis.served] });
    const objects = synth(system);
    expect(find(objects, 'Service', 'redis').spec.ports[0].port).toBe(6379);
    expect(find(objects, 'Deployment', 'redis').metadata.labels['app.kubernetes.io/component']).toBe('datastore');
    expect(redis.url).toBe('http://redis.shop-dev.svc.cluster.local:6379');
    const policy = find(objects, 'NetworkPolicy', 'allow-redis');
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'shop' } } }],
        ports: [{ port: 6379, protocol: 'TCP' }],
      },
    ]);
  });

  it('holds a served worker to the two-replica rule like any served workload, unless it is a singleton', () => {
    const system = testSystem(environment('prod'));
    new Worker(system, 'search', { image: 'getmeili/meilisearch:v1.11.3', port: 7700 });
    new Worker(system, 'redis', { image: 'redis:7.2.4-alpine', port: 6379, singleton: true });
    expect(errors(system)).toEqual([
      expect.stringMatching(
        /Worker "search": replicas: runs 1 replica behind a Service.*Fix: run at least 2 \(in the prod environment: workloads: \{ search: \{ replicas: 2 \} \}\)/,
      ),
    ]);
  });

  it("scales on the system's own Redis, and lets the worker and the KEDA operator (only) reach it", () => {
    const system = testSystem();
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379, probes: { readiness: { tcp: 6379 } } });
    new Worker(system, 'worker', { image: IMAGE, scaling: { maxReplicas: 5, redisList: { server: redis.served, listName: 'celery' } } });
    new Worker(system, 'other', { image: IMAGE, scaling: { maxReplicas: 5, redisList: { server: redis.served, listName: 'other' } } });
    const objects = synth(system);
    expect(find(objects, 'ScaledObject', 'worker').spec.triggers[0].metadata.address, 'the address is the Service of the Redis workload').toBe(
      'redis.shop-dev.svc.cluster.local:6379',
    );
    const sources = find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress.map(
      (rule: any) => rule.from[0].podSelector.matchLabels['app.kubernetes.io/name'],
    );
    expect(sources, 'each consuming worker is wired to Redis').toEqual(['worker', 'other']);
    expect(
      ofKind(objects, 'NetworkPolicy').filter((p) => p.metadata.name.startsWith('allow-keda')),
      'one KEDA policy per Redis',
    ).toHaveLength(1);
    expect(find(objects, 'NetworkPolicy', 'allow-keda-redis').metadata.annotations, 'says whom the policy admits').toEqual({
      'shipshape.io/admits': 'keda-operator',
    });
    expect(find(objects, 'NetworkPolicy', 'allow-keda-redis').spec, "the operator pods of the environment's KEDA namespace, on the Redis port only").toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'shop' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
            },
          ],
          ports: [{ port: 6379, protocol: 'TCP' }],
        },
      ],
    });
  });

  it('takes the KEDA operator namespace from the environment', () => {
    const system = testSystem(environment('dev', { kedaOperator: { namespace: 'autoscaling' } }));
    const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379, probes: { readiness: { tcp: 6379 } } });
    new Worker(system, 'worker', { image: IMAGE, scaling: { maxReplicas: 5, redisList: { server: redis.served, listName: 'celery' } } });
    const peer = find(synth(system), 'NetworkPolicy', 'allow-keda-redis').spec.ingress[0].from[0];
    expect(peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('autoscaling');
  });

  it('matches its snapshot', () => {
    expect(Yaml.stringify(...synth(worker({ scaling: QUEUE, longestJobSeconds: 300 }, environment('prod')).system))).toMatchSnapshot();
  });

  describe('bad input', () => {
    it('refuses a singleton asked to scale, naming the field', () => {
      expect(errors(worker({ singleton: true, scaling: QUEUE }).system).join('\n')).toMatch(/Worker "worker": scaling: a singleton runs exactly one instance/);
      expect(errors(worker({ singleton: true, replicas: 2 }).system).join('\n')).toMatch(/replicas: a singleton runs exactly one instance/);
      expect(errors(worker({ singleton: true }, environment('dev', { workloads: { worker: { replicas: 2 } } })).system).join('\n')).toMatch(
        /dev.workloads.worker.replicas: a singleton runs exactly one instance/,
      );
    });

    it('refuses scaling on both queue and CPU, or neither', () => {
      expect(errors(worker({ scaling: { ...QUEUE, cpuUtilization: 70 } }).system).join('\n')).toMatch(
        /scaling.redisList: give either KEDA triggers .* the two autoscalers would fight/,
      );
      expect(errors(worker({ scaling: { maxReplicas: 3 } }).system).join('\n')).toMatch(
        /scaling.redisList: give what to scale on: KEDA triggers \(redisList, triggers\) or HPA metrics/,
      );
    });

    it('refuses both a Redis address and a Redis server, or neither', () => {
      const system = testSystem();
      const redis = new Worker(system, 'redis', { image: 'redis:7.2.4', singleton: true, port: 6379 });
      new Worker(system, 'worker', { image: IMAGE, scaling: { maxReplicas: 3, redisList: { ...QUEUE.redisList, server: redis.served } } });
      new Worker(system, 'other', { image: IMAGE, scaling: { maxReplicas: 3, redisList: { listName: 'celery' } } });
      const found = errors(system).filter((e) => /scaling.redisList.address: give exactly one of address .* or server/.test(e));
      expect(found, errors(system).join('\n')).toHaveLength(2);
    });

    it('refuses a Redis address without a port and a CPU autoscaler at zero', () => {
      expect(errors(worker({ scaling: { ...QUEUE, redisList: { ...QUEUE.redisList, address: 'redis' } } }).system).join('\n')).toMatch(
        /scaling.redisList.address: must be host:port/,
      );
      expect(errors(worker({ scaling: { minReplicas: 0, maxReplicas: 3, cpuUtilization: 70 } }).system).join('\n')).toMatch(
        /scaling.minReplicas: an HPA cannot scale to zero/,
      );
    });

    it('refuses a worker without a port as a back end', () => {
      const system = testSystem();
      const w = new Worker(system, 'worker', { image: IMAGE });
      new WebApp(system, 'web', { image: IMAGE, backends: { WORKER_URL: w as any } });
      expect(errors(system).join('\n')).toMatch(/backends.WORKER_URL: must be a served shipshape workload/);
      new WebApp(system, 'other', { image: IMAGE, connectsTo: [w.served] });
      expect(errors(system).join('\n')).toMatch(/Worker "worker": port: another workload connects to this worker, but it serves no port/);
    });
  });
});

describe('Worker: KEDA triggers beyond Redis lists, and HPA custom metrics', () => {
  const secret = (key: string) => ({ secret: 'queue-credentials', key });

  it('puts every trigger on one ScaledObject, each with a TriggerAuthentication of the Secret keys KEDA reads', () => {
    const { system, worker: w } = worker({
      scaling: {
        minReplicas: 0,
        maxReplicas: 20,
        redisList: QUEUE.redisList,
        triggers: [
          { prometheus: { serverAddress: 'http://prometheus-operated.monitoring:9090', query: 'sum(rate(jobs_enqueued_total[2m]))', threshold: 50 } },
          { rabbitmq: { queueName: 'documents', value: 20, host: secret('amqp-url') } },
          {
            kafka: {
              bootstrapServers: 'kafka-0:9092,kafka-1:9092',
              consumerGroup: 'workers',
              topic: 'events',
              lagThreshold: 100,
              sasl: { mechanism: 'scram_sha512', username: secret('kafka-user'), password: secret('kafka-password') },
            },
          },
          { postgresql: { query: "SELECT count(*) FROM jobs WHERE state = 'pending'", targetQueryValue: 10, connection: secret('postgres-url') } },
          { cron: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 4 } },
          { rabbitmq: { queueName: 'thumbnails', value: 50, host: secret('amqp-url') } },
        ],
      },
    });
    const objects = synth(system);
    const triggers = find(objects, 'ScaledObject', 'worker').spec.triggers;
    expect(triggers.map((t: any) => [t.type, t.authenticationRef?.name])).toEqual([
      ['redis', 'worker-redis'],
      ['prometheus', undefined],
      ['rabbitmq', 'worker-rabbitmq'],
      ['kafka', 'worker-kafka'],
      ['postgresql', 'worker-postgresql'],
      ['cron', undefined],
      ['rabbitmq', 'worker-rabbitmq-2'],
    ]);
    expect(triggers[3].metadata).toEqual({
      bootstrapServers: 'kafka-0:9092,kafka-1:9092',
      consumerGroup: 'workers',
      topic: 'events',
      lagThreshold: '100',
      sasl: 'scram_sha512',
    });
    expect(triggers[5].metadata).toEqual({ timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '4' });
    expect(find(objects, 'TriggerAuthentication', 'worker-kafka').spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'queue-credentials', key: 'kafka-user' },
      { parameter: 'password', name: 'queue-credentials', key: 'kafka-password' },
    ]);
    expect(find(objects, 'TriggerAuthentication', 'worker-postgresql').spec.secretTargetRef).toEqual([
      { parameter: 'connection', name: 'queue-credentials', key: 'postgres-url' },
    ]);
    expect(w.triggerAuthentications.map((a) => a.name)).toEqual(['worker-redis', 'worker-rabbitmq', 'worker-kafka', 'worker-postgresql', 'worker-rabbitmq-2']);
    expect(find(objects, 'Namespace', 'shop-dev').metadata.annotations['shipshape.io/external-secrets']).toContain('queue-credentials');
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('scales an HPA on per-pod and external metrics', () => {
    const objects = synth(
      worker({
        scaling: {
          maxReplicas: 6,
          customMetrics: [
            { pods: { metric: 'jobs_in_flight', averageValue: '4' } },
            { external: { metric: 'sqs_messages_visible', selector: { queue: 'documents' }, averageValue: '30' } },
          ],
        },
      }).system,
    );
    expect(find(objects, 'HorizontalPodAutoscaler', 'worker').spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'jobs_in_flight' }, target: { type: 'AverageValue', averageValue: '4' } } },
      {
        type: 'External',
        external: {
          metric: { name: 'sqs_messages_visible', selector: { matchLabels: { queue: 'documents' } } },
          target: { type: 'AverageValue', averageValue: '30' },
        },
      },
    ]);
  });

  it('refuses HPA metrics beside KEDA triggers, and scaling an HPA to zero', () => {
    const cron = { cron: { timezone: 'UTC', start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: 1 } };
    expect(
      errors(worker({ scaling: { maxReplicas: 3, triggers: [cron], customMetrics: [{ pods: { metric: 'm', averageValue: '1' } }] } }).system).join('\n'),
    ).toMatch(/scaling\.redisList: give either KEDA triggers .* the two autoscalers would fight/);
    expect(
      errors(worker({ scaling: { minReplicas: 0, maxReplicas: 3, customMetrics: [{ pods: { metric: 'm', averageValue: '1' } }] } }).system).join('\n'),
    ).toMatch(/scaling\.minReplicas: an HPA cannot scale to zero/);
  });
});

describe('Worker with every prop', () => {
  it('takes all the props', () => {
    const system = testSystem();
    const redis = new Worker(system, 'redis', {
      image: 'redis:7.2.4-alpine',
      port: 6379,
      singleton: true,
      service: { portName: 'redis', appProtocol: 'redis' },
    });
    new Worker(system, 'jobs', {
      image: IMAGE,
      scaling: {
        minReplicas: 1,
        maxReplicas: 8,
        redisList: { server: redis.served, listName: 'celery', listLength: 10, databaseIndex: 1, password: { secret: 'redis-auth', key: 'password' } },
        triggers: [{ cron: { timezone: 'Europe/Berlin', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: 2 } }],
      },
      longestJobSeconds: 300,
      command: ['celery'],
      args: ['-A', 'app', 'worker'],
      env: { BROKER_URL: 'redis://redis:6379/1' },
      secrets: ['jobs-secrets'],
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      connectsTo: [redis.served],
      component: 'queue-worker',
      metadata: { labels: { team: 'jobs' } },
    });
    expect(errors(system)).toEqual([]);
    const objects = synth(system);
    const deployment = find(objects, 'Deployment', 'jobs');
    expect(deployment.spec.replicas, 'KEDA owns the count').toBeUndefined();
    const pod = podSpec(deployment);
    expect(pod.terminationGracePeriodSeconds, 'the longest job and 15 s').toBe(315);
    expect(pod.containers[0]).toMatchObject({ command: ['celery'], args: ['-A', 'app', 'worker'] });
    const scaler = find(objects, 'ScaledObject', 'jobs');
    expect(scaler.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 8 });
    expect(scaler.spec.triggers.map((t: any) => t.type)).toEqual(['redis', 'cron']);
    expect(scaler.spec.triggers[0].metadata).toMatchObject({ listName: 'celery', listLength: '10', databaseIndex: '1' });
    expect(ofKind(objects, 'TriggerAuthentication').map((t) => t.metadata.name)).toContain('jobs-redis');
    expect(find(objects, 'NetworkPolicy', 'allow-redis').spec.ingress.length).toBeGreaterThan(0);
    expect(deployment.metadata.labels).toMatchObject({ team: 'jobs', 'app.kubernetes.io/component': 'queue-worker' });
  });
});
