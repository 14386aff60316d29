import { describe, expect, it } from 'vitest';
import { Yaml } from 'cdk8s';
import { WebApp } from '../lib/web-app';
import { SharedConfig } from '../lib/shared-config';
import { CONFIG_CHECKSUM_ANNOTATION } from '../lib/core/workload';
import { container, environment, errors, find, ofKind, podSpec, synth, testSystem, warnings } from './helpers';

const IMAGE = 'ghcr.io/example/web:v1.2.3';

function webApp(props: Partial<ConstructorParameters<typeof WebApp>[2]> = {}, env = environment()) {
  const system = testSystem(env);
  const app = new WebApp(system, 'web', { image: IMAGE, ...props });
  return { system, app };
}

describe('WebApp', () => {
  it('writes a Deployment, a Service, a ServiceAccount and a PDB with stable names and selectors', () => {
    const { system } = webApp();
    const objects = synth(system);
    const deployment = find(objects, 'Deployment', 'web');
    const service = find(objects, 'Service', 'web');
    find(objects, 'ServiceAccount', 'web');
    const pdb = find(objects, 'PodDisruptionBudget', 'web');

    const selector = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'shop' };
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(service.spec.selector).toEqual(selector);
    expect(pdb.spec.selector.matchLabels).toEqual(selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      ...selector,
      'app.kubernetes.io/component': 'frontend',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': 'v1.2.3',
      'app.kubernetes.io/managed-by': 'shipshape',
    });
    for (const o of objects) expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
    expect(JSON.stringify(objects)).not.toContain('cdk8s.io/metadata.addr');
  });

  it('serves on a named port and exposes its in-cluster URL', () => {
    const { system, app } = webApp({ port: 8080 });
    const objects = synth(system);
    const service = find(objects, 'Service', 'web');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(container(podSpec(find(objects, 'Deployment', 'web')), 'web').ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(app.url).toBe('http://web.shop-dev.svc.cluster.local:8080');
  });

  it('rolls out without going below the desired count and spreads replicas across zones and nodes', () => {
    const { system } = webApp({ replicas: 3 });
    const deployment = find(synth(system), 'Deployment', 'web');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const spread = podSpec(deployment).topologySpreadConstraints;
    expect(spread.map((c: { topologyKey: string }) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(spread[0].labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('has no PDB and no spread with a single replica', () => {
    const { system } = webApp({ replicas: 1 });
    const objects = synth(system);
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
    expect(podSpec(find(objects, 'Deployment', 'web')).topologySpreadConstraints).toBeUndefined();
  });

  it('lets the HPA own the replica count when autoscaling', () => {
    const { system } = webApp({ autoscaling: { minReplicas: 2, maxReplicas: 6, memoryUtilization: 75 } });
    const objects = synth(system);
    const deployment = find(objects, 'Deployment', 'web');
    expect(deployment.spec).not.toHaveProperty('replicas');
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'web');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 80],
      ['memory', 75],
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    find(objects, 'PodDisruptionBudget', 'web');
  });

  it('points server-side env at its back ends by in-cluster URL and records the wiring', () => {
    const system = testSystem();
    const api = new WebApp(system, 'api', { image: IMAGE, port: 8000 });
    new WebApp(system, 'web', { image: IMAGE, backends: { API_URL: api }, env: { API_DOCS: '$(API_URL)/docs' } });
    const web = container(podSpec(find(synth(system), 'Deployment', 'web')), 'web');
    expect(web.env).toEqual([
      { name: 'API_URL', value: 'http://api.shop-dev.svc.cluster.local:8000' },
      { name: 'API_DOCS', value: '$(API_URL)/docs' },
    ]);
    expect(system.edges).toEqual([{ from: 'web', to: 'api', port: 8000 }]);
  });

  it('defaults to readiness on GET / and a TCP liveness check', () => {
    const { system } = webApp();
    const web = container(podSpec(find(synth(system), 'Deployment', 'web')), 'web');
    expect(web.readinessProbe).toEqual({ httpGet: { path: '/', port: 'http' } });
    expect(web.livenessProbe).toEqual({ tcpSocket: { port: 'http' } });
  });

  it('rolls its pods when shared config changes', () => {
    const checksumWith = (level: string) => {
      const system = testSystem();
      const settings = new SharedConfig(system, 'settings', { data: { LOG_LEVEL: level } });
      new WebApp(system, 'web', { image: IMAGE, configMaps: [settings] });
      return find(synth(system), 'Deployment', 'web').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    };
    expect(checksumWith('info')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumWith('info')).toBe(checksumWith('info'));
    expect(checksumWith('debug')).not.toBe(checksumWith('info'));
  });

  it('matches its snapshot', () => {
    const system = testSystem(environment('prod'));
    const api = new WebApp(system, 'api', { image: IMAGE, port: 8000, probes: { readiness: { http: '/ready' }, liveness: { http: '/live' } } });
    new WebApp(system, 'web', {
      image: IMAGE,
      backends: { API_URL: api },
      config: { LOG_LEVEL: 'info' },
      secrets: ['web-secrets'],
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    });
    expect(Yaml.stringify(...synth(system))).toMatchSnapshot();
  });

  describe('prod-tier rules', () => {
    it('refuses a single replica behind a Service in prod, naming the field and the fix', () => {
      const { system } = webApp({ replicas: 1 }, environment('prod'));
      expect(errors(system)).toEqual([expect.stringMatching(/WebApp "web": replicas: runs 1 replica behind a Service.*Fix: run at least 2/)]);
    });

    it('only warns about it in staging', () => {
      const { system } = webApp({ replicas: 1 }, environment('staging'));
      expect(errors(system)).toEqual([]);
      expect(warnings(system)).toEqual([expect.stringContaining('replicas: runs 1 replica')]);
    });

    it('refuses latest and untagged images in prod', () => {
      const latest = webApp({ image: 'ghcr.io/example/web:latest' }, environment('prod'));
      expect(errors(latest.system).join('\n')).toMatch(/image: "ghcr.io\/example\/web:latest" is the mutable tag "latest".*Fix: pin a release tag/);
      const untagged = webApp({ image: 'ghcr.io/example/web' }, environment('prod'));
      expect(errors(untagged.system).join('\n')).toMatch(/image: "ghcr.io\/example\/web" is untagged/);
    });
  });

  describe('bad input', () => {
    it('names every bad field at once', () => {
      const { system } = webApp({
        port: 70000,
        replicas: 0,
        resources: { requests: { cpu: 'lots', memory: '1Gi' }, limits: { cpu: '1', memory: '512Mi' } },
      } as any);
      const text = errors(system).join('\n');
      expect(text).toMatch(/port: Too big/);
      expect(text).toMatch(/replicas: Too small/);
      expect(text).toMatch(/resources.requests.cpu: must be a positive CPU quantity/);
    });

    it('refuses replicas together with autoscaling', () => {
      const { system } = webApp({ replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 3 } });
      expect(errors(system).join('\n')).toMatch(/replicas: give either replicas or autoscaling/);
    });

    it('refuses a back end that is not a served workload', () => {
      const { system } = webApp({ backends: { API_URL: 'http://api:8000' as any } });
      expect(errors(system).join('\n')).toMatch(/backends.API_URL: must be a served shipshape workload/);
    });

    it('refuses unknown props (a typo from JavaScript)', () => {
      const { system } = webApp({ replica: 2 } as any);
      expect(errors(system).join('\n')).toMatch(/WebApp "web": \(props\): Unrecognized key: "replica"/);
    });

    it('refuses a missing props object with a message instead of a TypeError', () => {
      const system = testSystem();
      new WebApp(system, 'web', undefined as any);
      expect(errors(system).join('\n')).toMatch(/WebApp "web": \(props\): Invalid input: expected object, received undefined/);
    });
  });
});

describe('WebApp autoscaling on custom metrics', () => {
  it('adds per-pod metrics to the HPA beside CPU', () => {
    const system = testSystem();
    new WebApp(system, 'web', {
      image: 'ghcr.io/example/web:v1',
      autoscaling: { minReplicas: 2, maxReplicas: 8, customMetrics: [{ pods: { metric: 'http_requests_per_second', averageValue: '50' } }] },
    });
    const metrics = find(synth(system), 'HorizontalPodAutoscaler', 'web').spec.metrics;
    expect(metrics.map((m: any) => m.type)).toEqual(['Resource', 'Pods']);
    expect(metrics[1].pods).toEqual({ metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: '50' } });
  });
});

describe('WebApp with every prop', () => {
  it('takes all the props', () => {
    const system = testSystem(environment('dev', { egress: { enforce: true } }));
    const api = new WebApp(system, 'api', { image: 'ghcr.io/example/api:v1', port: 8080 });
    const web = new WebApp(system, 'web', {
      image: IMAGE,
      port: 3001,
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 6,
        cpuUtilization: 70,
        memoryUtilization: 80,
        customMetrics: [{ pods: { metric: 'http_requests_per_second', averageValue: '50' } }],
      },
      service: { portName: 'web', appProtocol: 'http', extraPorts: [{ name: 'admin', port: 3002 }], annotations: { 'example.com/team': 'web' } },
      command: ['node'],
      args: ['server.js'],
      workingDir: '/app',
      env: { NODE_ENV: 'production', SESSION_KEY: { secret: 'web-session', key: 'key' } },
      config: { LOG_LEVEL: 'info' },
      configMaps: ['web-extra'],
      secrets: ['web-secrets'],
      files: { '/etc/web/robots.txt': 'User-agent: *' },
      volumes: [{ name: 'cache', mountPath: '/app/.next/cache', emptyDir: { sizeLimit: '1Gi' } }],
      probes: { readiness: { http: '/ready' }, liveness: { http: '/live' }, startup: { http: '/live', failureThreshold: 30 } },
      resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      shutdown: { gracePeriodSeconds: 45, preStopSeconds: 10 },
      initContainers: [{ name: 'warm', command: ['true'] }],
      sidecars: [{ name: 'exporter', image: 'ghcr.io/example/exporter:v1' }],
      scheduling: { priorityClassName: 'web', nodeSelector: { pool: 'web' } },
      security: { runAsUser: 2000, runAsGroup: 2000 },
      backends: { API_URL: api },
      component: 'storefront',
      metrics: { port: 9100, path: '/metrics' },
      metadata: { labels: { team: 'web' }, annotations: { 'example.com/owner': 'web-team' } },
      podMetadata: { labels: { tier: 'front' } },
      serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'web@example.iam.gserviceaccount.com' } },
      imagePullSecrets: ['registry-credentials'],
      egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
    });
    expect(errors(system)).toEqual([]);
    const objects = synth(system);
    const deployment = find(objects, 'Deployment', 'web');
    expect(deployment.spec.replicas, 'the HPA owns the count').toBeUndefined();
    expect(deployment.metadata.labels).toMatchObject({ team: 'web', 'app.kubernetes.io/component': 'storefront' });
    const pod = podSpec(deployment);
    expect(pod).toMatchObject({
      terminationGracePeriodSeconds: 45,
      priorityClassName: 'web',
      nodeSelector: { pool: 'web' },
      imagePullSecrets: [{ name: 'registry-credentials' }],
    });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['warm']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['web', 'exporter']);
    const main = container(pod, 'web');
    expect(main).toMatchObject({ command: ['node'], args: ['server.js'], workingDir: '/app', readinessProbe: { httpGet: { path: '/ready' } } });
    expect(main.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'web', containerPort: 3001 }),
        expect.objectContaining({ name: 'metrics', containerPort: 9100 }),
      ]),
    );
    expect(main.env).toContainEqual({ name: 'API_URL', value: api.url });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ tier: 'front' });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'web');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(['Resource', 'Resource', 'Pods']);
    expect(find(objects, 'Service', 'web').spec.ports.map((p: any) => p.name)).toEqual(expect.arrayContaining(['web', 'admin']));
    // metadata.annotations reach every object of the workload; the ServiceAccount's own add to them.
    expect(find(objects, 'ServiceAccount', 'web').metadata.annotations).toEqual({
      'example.com/owner': 'web-team',
      'iam.gke.io/gcp-service-account': 'web@example.iam.gserviceaccount.com',
    });
    expect(find(objects, 'ServiceMonitor', 'web')).toBeDefined();
    expect(find(objects, 'NetworkPolicy', 'egress-web').spec.egress).toContainEqual(expect.objectContaining({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }] }));
    expect(web.url).toBe('http://web.shop-dev.svc.cluster.local:3001');
  });
});
