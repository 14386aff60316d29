import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AutoscaledBackend, AutoscaledBackendProps, scaleDownDeadlock } from '../lib/autoscaled-backend';
import { container, environment, errors, find, ofKind, podSpec, synth, testSystem } from './helpers';

const PROBES = { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } } as const;

function backend(props: Partial<AutoscaledBackendProps> = {}, env = environment()) {
  const system = testSystem(env);
  const api = new AutoscaledBackend(system, 'backend', { image: 'ghcr.io/example/api:v1.0.0', probes: PROBES, ...props });
  return { system, api };
}

describe('AutoscaledBackend', () => {
  it('lets the HPA own the replicas: no spec.replicas on the Deployment', () => {
    const objects = synth(backend().system);
    const deployment = find(objects, 'Deployment', 'backend');
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it('scales on CPU and memory with a slow scale-down', () => {
    const hpa = find(synth(backend().system), 'HorizontalPodAutoscaler', 'backend');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(5);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(hpa.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      selectPolicy: 'Min',
    });
  });

  it('scales on CPU only when memory is turned off', () => {
    const hpa = find(synth(backend({ autoscaling: { memoryUtilization: false } }).system), 'HorizontalPodAutoscaler', 'backend');
    expect(hpa.spec.metrics.map((m: any) => m.resource.name)).toEqual(['cpu']);
  });

  it('has a Service, a PDB and separate liveness and readiness probes', () => {
    const objects = synth(backend().system);
    expect(find(objects, 'Service', 'backend').spec.ports[0]).toMatchObject({ port: 8000, targetPort: 'http' });
    expect(find(objects, 'PodDisruptionBudget', 'backend').spec.maxUnavailable).toBe(1);
    const main = container(podSpec(find(objects, 'Deployment', 'backend')), 'backend');
    expect(main.livenessProbe.httpGet.path).toBe('/healthz/live');
    expect(main.readinessProbe.httpGet.path).toBe('/healthz/ready');
  });

  it('runs one server process per pod by default', () => {
    const main = container(podSpec(find(synth(backend().system), 'Deployment', 'backend')), 'backend');
    expect(main.env).toContainEqual({ name: 'WEB_CONCURRENCY', value: '1' });
    const two = container(podSpec(find(synth(backend({ processes: 2 }).system), 'Deployment', 'backend')), 'backend');
    expect(two.env).toContainEqual({ name: 'WEB_CONCURRENCY', value: '2' });
  });

  it('takes autoscaler bounds from the environment', () => {
    const { system } = backend({}, environment('prod', { workloads: { backend: { minReplicas: 3, maxReplicas: 10 } } }));
    expect(find(synth(system), 'HorizontalPodAutoscaler', 'backend').spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
  });

  it('has no PDB when the minimum is one, and prod refuses that', () => {
    const dev = backend({ autoscaling: { minReplicas: 1 } });
    expect(ofKind(synth(dev.system), 'PodDisruptionBudget')).toHaveLength(0);
    const prod = backend({ autoscaling: { minReplicas: 1 } }, environment('prod'));
    expect(errors(prod.system).join('\n')).toMatch(/autoscaling.minReplicas: the autoscaler may run 1 replica behind a Service/);
  });

  it('matches its snapshot', () => {
    expect(Yaml.stringify(...synth(backend({}, environment('prod')).system))).toMatchSnapshot();
  });

  describe('the scale-down deadlock check', () => {
    it('refuses the seed deadlock: 72 % of the request at an 80 % target never gets below 5 pods', () => {
      // Doc Router: 5 pods at 72 % memory, target 80 %: ceil(5 × 72/80) = 5.
      const issues = scaleDownDeadlock('368Mi', '512Mi', 80, 4);
      expect(issues).toHaveLength(1);
      expect(issues[0].field).toBe('resources.requests.memory');
      expect(issues[0].message).toMatch(/could never scale down to its minimum/);
      expect(issues[0].fix).toMatch(/request at least 575Mi of memory/);
    });

    it('accepts a request at which stepping down into the minimum is possible', () => {
      // Doc Router after the fix: ~190 MB per pod on a 768Mi request (25 %).
      expect(scaleDownDeadlock('190Mi', '768Mi', 80, 2)).toEqual([]);
      // The boundary: 2 → 1 needs utilization ≤ 40 % at an 80 % target.
      expect(scaleDownDeadlock('400Mi', '1000Mi', 80, 1)).toEqual([]);
      expect(scaleDownDeadlock('401Mi', '1000Mi', 80, 1)).toHaveLength(1);
    });

    it('is applied to the construct with the environment-scaled request, naming the field and the working request', () => {
      const { system } = backend({
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        autoscaling: { minReplicas: 2, baselineMemory: '300Mi' },
      });
      expect(errors(system).join('\n')).toMatch(
        /AutoscaledBackend "backend": resources.requests.memory: a baseline of 300Mi per pod is 59 % of the 512Mi request.*Fix: request at least 563Mi/,
      );
    });
  });

  describe('bad input', () => {
    it('refuses a backend without both probes', () => {
      expect(errors(backend({ probes: { readiness: { http: '/ready' } } }).system).join('\n')).toMatch(
        /probes: an API needs both a liveness and a readiness probe/,
      );
    });

    it('refuses identical liveness and readiness', () => {
      expect(errors(backend({ probes: { liveness: { http: '/docs' }, readiness: { http: '/docs' } } }).system).join('\n')).toMatch(
        /probes.liveness: liveness and readiness are the same check/,
      );
    });

    it('refuses a minimum above the maximum and an out-of-range target', () => {
      const text = errors(backend({ autoscaling: { minReplicas: 6, maxReplicas: 3, cpuUtilization: 150 } }).system).join('\n');
      expect(text).toMatch(/autoscaling.minReplicas: minReplicas must not exceed maxReplicas/);
      expect(text).toMatch(/autoscaling.cpuUtilization: Too big/);
    });
  });
});

describe('AutoscaledBackend with every prop', () => {
  it('takes all the props', () => {
    const system = testSystem();
    const cache = new AutoscaledBackend(system, 'cache-api', { image: 'ghcr.io/example/cache:v1', probes: PROBES });
    const api = new AutoscaledBackend(system, 'api', {
      image: 'ghcr.io/example/api:v2.0.0',
      port: 8080,
      processes: 2,
      autoscaling: {
        minReplicas: 3,
        maxReplicas: 9,
        cpuUtilization: 70,
        memoryUtilization: 85,
        baselineMemory: '100Mi',
        scaleDownStabilizationSeconds: 120,
        customMetrics: [{ pods: { metric: 'http_requests_per_second', averageValue: '20' } }],
      },
      service: { portName: 'api', appProtocol: 'http' },
      command: ['gunicorn'],
      args: ['app:main'],
      workingDir: '/srv',
      env: { DATABASE_URL: { secret: 'api-db', key: 'url' } },
      config: { LOG_LEVEL: 'info' },
      secrets: ['api-secrets'],
      probes: PROBES,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      shutdown: { gracePeriodSeconds: 60, preStopSeconds: 10 },
      scheduling: { priorityClassName: 'api' },
      backends: { CACHE_URL: cache },
      component: 'api-server',
      metrics: { port: 9090, path: '/metrics' },
      metadata: { labels: { team: 'api' } },
      imagePullSecrets: ['registry-credentials'],
    });
    expect(errors(system)).toEqual([]);
    const objects = synth(system);
    const deployment = find(objects, 'Deployment', 'api');
    expect(deployment.spec.replicas, 'the HPA owns the count').toBeUndefined();
    const pod = podSpec(deployment);
    expect(pod).toMatchObject({ terminationGracePeriodSeconds: 60, priorityClassName: 'api', imagePullSecrets: [{ name: 'registry-credentials' }] });
    const main = container(pod, 'api');
    expect(main).toMatchObject({ command: ['gunicorn'], args: ['app:main'], workingDir: '/srv' });
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'WEB_CONCURRENCY', value: '2' },
        { name: 'CACHE_URL', value: cache.url },
      ]),
    );
    expect(main.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'api', containerPort: 8080 }),
        expect.objectContaining({ name: 'metrics', containerPort: 9090 }),
      ]),
    );
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 9, behavior: { scaleDown: { stabilizationWindowSeconds: 120 } } });
    expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(['Resource', 'Resource', 'Pods']);
    expect(find(objects, 'PodDisruptionBudget', 'api')).toBeDefined();
    expect(find(objects, 'Service', 'api').spec.ports[0]).toMatchObject({ name: 'api', port: 8080, appProtocol: 'http' });
    expect(deployment.metadata.labels).toMatchObject({ team: 'api', 'app.kubernetes.io/component': 'api-server' });
    expect(api.url).toBe('http://api.shop-dev.svc.cluster.local:8080');
  });
});
