import { describe, expect, it } from 'vitest';
import { kdcube } from '../../estate/kdcube';
import type { KubeObject } from '../../lib/core/output';
import { container, find, ofKind, podSpec } from '../helpers';
import { systemObjects, systemYaml } from './helpers';

const ENVS = ['dev', 'staging', 'prod'] as const;
const NGINX = 'nginx.ingress.kubernetes.io/';
const INTERNAL = ['chat-ingress', 'chat-proc', 'kb', 'web-ui'];

/** Every path of every Ingress, with the Ingress that carries it. */
function ingressPaths(objects: readonly KubeObject[]): { path: string; service: string; ingress: KubeObject }[] {
  return ofKind(objects, 'Ingress').flatMap((ingress) =>
    ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => ({ path: p.path, service: p.backend.service.name, ingress }))),
  );
}

function routeAnnotations(objects: readonly KubeObject[], path: string): Record<string, string> {
  const route = ingressPaths(objects).find((p) => p.path === path);
  expect(route, `an Ingress routes ${path}`).toBeDefined();
  return route!.ingress.metadata.annotations;
}

/** Who may reach a workload according to its allow policy: workload names, or `ingress-controller`. */
function sources(objects: readonly KubeObject[], name: string): string[] {
  return find(objects, 'NetworkPolicy', `allow-${name}`).spec.ingress.map(
    (rule: any) => rule.from[0].podSelector?.matchLabels['app.kubernetes.io/name'] ?? `ns:${rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`,
  );
}

describe.each(ENVS)('KDCube in %s', (env) => {
  const { objects } = systemObjects(kdcube, env);
  const deployment = (name: string) => find(objects, 'Deployment', name);
  const main = (name: string) => podSpec(deployment(name)).containers[0];

  it('matches its snapshot', () => {
    expect(systemYaml(kdcube, env)).toMatchSnapshot();
  });

  it('lives in its own namespace and serves the environment domain with the environment issuer', () => {
    const namespace = `kdcube-${env}`;
    expect(ofKind(objects, 'Namespace').map((n) => n.metadata.name)).toEqual([namespace]);
    const certificate = find(objects, 'Certificate', 'edge-tls');
    expect(certificate.spec.dnsNames, 'certificate hosts').toEqual([env === 'prod' ? 'kdcube.example.com' : `${env}.kdcube.example.com`]);
    expect(certificate.spec.issuerRef.name, 'issuer').toBe(env === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging');
  });

  it('enters only through web-proxy: it is the one back end of every Ingress', () => {
    const services = new Set(ingressPaths(objects).map((p) => p.service));
    expect([...services], 'Services behind the Ingresses').toEqual(['web-proxy']);
  });

  it('streams SSE unbuffered with 600 s timeouts and upgrades the Socket.IO route', () => {
    const sse = routeAnnotations(objects, '/sse/');
    expect(sse[`${NGINX}proxy-buffering`], 'proxy buffering on /sse/').toBe('off');
    expect(sse[`${NGINX}proxy-read-timeout`], 'read timeout on /sse/').toBe('600');
    expect(sse[`${NGINX}proxy-send-timeout`], 'send timeout on /sse/').toBe('600');
    const socket = routeAnnotations(objects, '/api/cb/socket.io/');
    expect(Number(socket[`${NGINX}proxy-read-timeout`]), 'the WebSocket route keeps connections open past the 60 s default').toBeGreaterThanOrEqual(600);
  });

  it('rate-limits each route as the proxy zones do: 10 r/s chat, KB and monitoring, 2 r/s uploads', () => {
    const limits = Object.fromEntries(ingressPaths(objects).map((p) => [p.path, p.ingress.metadata.annotations[`${NGINX}limit-rps`]]));
    expect(limits, 'limit-rps per path').toEqual({
      '/': undefined,
      '/api/chat/': '10',
      '/sse/': '10',
      '/api/kb/': '10',
      '/monitoring': '10',
      '/api/kb/upload': '2',
      '/api/cb/socket.io/': undefined,
    });
  });

  it('mounts config.json and nginx.conf into web-ui with subPath, with a checksum that rolls the pods', () => {
    const ui = main('web-ui');
    for (const [file, mountPath] of [['nginx.conf', '/etc/nginx/nginx.conf'], ['config.json', '/usr/share/nginx/html/config.json']]) {
      expect(ui.volumeMounts, `${file} mounted at ${mountPath} with subPath`).toContainEqual({ name: 'files', mountPath, subPath: file, readOnly: true });
    }
    expect(Object.keys(find(objects, 'ConfigMap', 'web-ui-files').data).sort()).toEqual(['config.json', 'nginx.conf']);
    expect(deployment('web-ui').spec.template.metadata.annotations?.['shipshape.io/config-checksum'], 'config checksum on the web-ui pods').toMatch(/^[0-9a-f]{64}$/);
    const emptyDirs = podSpec(deployment('web-ui')).volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name);
    expect(emptyDirs, 'writable nginx cache and run dirs').toEqual(expect.arrayContaining(['cache', 'run']));
  });

  it('takes a draining chat-ingress out of rotation (/health) without restarting it, and lets its streams finish', () => {
    const ingress = main('chat-ingress');
    expect(ingress.readinessProbe.httpGet.path, 'readiness').toBe('/health');
    expect(ingress.livenessProbe, 'liveness must not be the readiness check').not.toEqual(ingress.readinessProbe);
    expect(ingress.lifecycle.preStop.exec.command, 'preStop pause').toEqual(['sleep', '10']);
    expect(podSpec(deployment('chat-ingress')).terminationGracePeriodSeconds, 'grace period').toBeGreaterThanOrEqual(120);
  });

  it('starts chat-proc after preparing its volumes, drains turns for up to 120 s and scales on the Redis queue', () => {
    const pod = podSpec(deployment('chat-proc'));
    expect(pod.initContainers?.map((c: any) => c.name), 'init containers of chat-proc').toEqual(['prepare-volumes']);
    expect(pod.terminationGracePeriodSeconds, 'grace period covers the ~110 s drain').toBeGreaterThanOrEqual(120);
    const proc = pod.containers[0];
    expect(proc.startupProbe?.httpGet.path, 'startup probe').toBe('/health/live');
    expect(proc.livenessProbe.httpGet.path, 'liveness').toBe('/health/live');
    expect(proc.readinessProbe.httpGet.path, 'readiness').toBe('/health');
    const scaled = find(objects, 'ScaledObject', 'chat-proc');
    expect(scaled.spec.scaleTargetRef.name).toBe('chat-proc');
    expect(scaled.spec.triggers[0], 'KEDA trigger on the prompt queue').toMatchObject({
      type: 'redis',
      metadata: { address: `redis.kdcube-${env}.svc.cluster.local:6379`, listName: `kdcube:${env}:kdcube:chat:prompt:queue` },
      authenticationRef: { name: 'chat-proc-redis' },
    });
    expect(find(objects, 'TriggerAuthentication', 'chat-proc-redis').spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'redis-auth', key: 'redis-password' }]);
    expect(deployment('chat-proc').spec, 'KEDA owns the replica count').not.toHaveProperty('replicas');
  });

  it('mounts the Docker socket on chat-proc only as a declared exception, which lowers enforce but not warn or audit', () => {
    const pod = deployment('chat-proc').spec.template;
    expect(pod.spec.volumes, 'Docker socket volume').toContainEqual({ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
    expect(pod.metadata.annotations['shipshape.io/security-exceptions'], 'exception annotated on the chat-proc pods').toMatch(/^hostPath: Docker exec mode/);
    const labels = find(objects, 'Namespace', `kdcube-${env}`).metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce'], 'enforced level, lowered for the hostPath').toBe('privileged');
    expect(labels['pod-security.kubernetes.io/warn'], 'warn level').toBe('restricted');
    expect(labels['pod-security.kubernetes.io/audit'], 'audit level').toBe('restricted');
    const others = ofKind(objects, 'Deployment').filter((d) => d.metadata.name !== 'chat-proc');
    for (const d of others) {
      expect(d.spec.template.metadata.annotations?.['shipshape.io/security-exceptions'], `${d.metadata.name} has no exception`).toBeUndefined();
      expect(podSpec(d).volumes.some((v: any) => v.hostPath), `${d.metadata.name} mounts no hostPath`).toBe(false);
    }
  });

  it('builds REDIS_URL from $(REDIS_PASSWORD), defined before it from the Redis Secret', () => {
    for (const name of ['chat-ingress', 'chat-proc', 'metrics', 'kb']) {
      const env_: any[] = main(name).env;
      const password = env_.findIndex((e) => e.name === 'REDIS_PASSWORD');
      const url = env_.findIndex((e) => e.name === 'REDIS_URL');
      expect(password, `${name}: REDIS_PASSWORD is defined before REDIS_URL`).toBeGreaterThanOrEqual(0);
      expect(password, `${name}: REDIS_PASSWORD is defined before REDIS_URL`).toBeLessThan(url);
      expect(env_[password].valueFrom, `${name}: REDIS_PASSWORD from the Secret`).toEqual({ secretKeyRef: { name: 'redis-auth', key: 'redis-password' } });
      expect(env_[url].value, `${name}: REDIS_URL`).toBe('redis://:$(REDIS_PASSWORD)@redis:6379/0');
      expect(env_.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom, `${name}: POSTGRES_PASSWORD from the Secret`).toEqual({ secretKeyRef: { name: 'postgres-db-credentials', key: 'POSTGRES_PASSWORD' } });
      expect(main(name).envFrom, `${name}: env from the shared ConfigMap and the platform Secret`).toEqual([{ configMapRef: { name: 'kdcube-config' } }, { secretRef: { name: 'kdcube-platform-secrets' } }]);
    }
    expect(ofKind(objects, 'Secret'), 'Secrets are referenced, never written').toEqual([]);
  });

  it('lets only the ingress controller reach web-proxy, and only web-proxy reach the internal services', () => {
    expect(sources(objects, 'web-proxy'), 'sources of web-proxy').toEqual(['ns:ingress-nginx']);
    for (const name of INTERNAL) expect(sources(objects, name), `sources of ${name}`).toEqual(['web-proxy']);
    const policies = ofKind(objects, 'NetworkPolicy').map((p) => p.metadata.name).sort();
    const controllers = ['allow-acme-http01-solver', 'allow-monitoring-metrics', 'allow-redis', 'allow-postgres-db', 'allow-keda-redis'];
    expect(policies, 'beyond the wiring, only what the controllers and the datastores need').toEqual(
      ['default-deny-ingress', 'allow-web-proxy', ...INTERNAL.map((n) => `allow-${n}`), ...controllers].sort(),
    );
    expect(main('web-proxy').env.map((e: any) => e.name), 'web-proxy reaches its upstreams by in-cluster URL').toEqual(['WEB_UI_URL', 'CHAT_INGRESS_URL', 'CHAT_PROC_URL', 'KB_URL']);
  });

  it('lets monitoring scrape the metrics service, which nothing else reaches', () => {
    expect(deployment('metrics').spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8090', 'prometheus.io/path': '/metrics' });
    const policy = find(objects, 'NetworkPolicy', 'allow-monitoring-metrics');
    expect(policy.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 8090, protocol: 'TCP' }] }]);
  });

  it('declares the Redis and Postgres other charts install, and admits their clients, the setup Job and KEDA to them', () => {
    expect(find(objects, 'Namespace', `kdcube-${env}`).metadata.annotations['shipshape.io/external-services']).toBe('postgres-db,redis');
    const backends = ['chat-ingress', 'chat-proc', 'metrics', 'kb'];
    expect(sources(objects, 'redis'), 'Redis clients').toEqual(backends);
    expect(sources(objects, 'postgres-db'), 'Postgres clients and the setup Job').toEqual([...backends, 'postgres-setup']);
    expect(find(objects, 'NetworkPolicy', 'allow-redis').spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'redis' });
    const keda = find(objects, 'NetworkPolicy', 'allow-keda-redis').spec;
    expect(keda.podSelector, 'the KEDA operator reads the prompt queue in the Redis pods').toEqual(find(objects, 'NetworkPolicy', 'allow-redis').spec.podSelector);
    expect(keda.ingress[0].from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'keda-operator' });
  });

  it("admits cert-manager's HTTP-01 solver from the ingress controller", () => {
    expect(find(objects, 'NetworkPolicy', 'allow-acme-http01-solver').spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ port: 8089, protocol: 'TCP' }],
    });
  });

  it('keeps runtime secrets in RAM and shares the RWX claims between chat-ingress and chat-proc', () => {
    for (const name of ['chat-ingress', 'chat-proc']) {
      expect(podSpec(deployment(name)).volumes, `${name}: kdcube-secrets in memory`).toContainEqual({ name: 'kdcube-secrets', emptyDir: { medium: 'Memory' } });
    }
    const claims = ofKind(objects, 'PersistentVolumeClaim');
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(['bundles', 'exec-workspace', 'kdcube-logs', 'kdcube-storage']);
    for (const c of claims) expect(c.spec.accessModes, `${c.metadata.name} access mode`).toEqual(['ReadWriteMany']);
  });

  it('runs the Postgres setup as a migration that waits for the database first', () => {
    const [job] = ofKind(objects, 'Job');
    expect(job.metadata.name, 'one setup job per release').toMatch(/^postgres-setup/);
    const wait = container(podSpec(job), 'wait-for-postgres');
    expect(wait.command.join(' '), 'init container waits with pg_isready').toContain('pg_isready -h postgres-db -p 5432');
    expect(podSpec(job).containers[0].envFrom, 'only the Postgres credentials, not the platform Secret').toBeUndefined();
  });
});

describe('KDCube across environments', () => {
  const envs = Object.fromEntries(ENVS.map((env) => [env, systemObjects(kdcube, env).objects]));

  it('pins every image of staging and prod to a release tag (never latest), pulled once', () => {
    for (const env of ['staging', 'prod'] as const) {
      for (const workload of [...ofKind(envs[env], 'Deployment'), ...ofKind(envs[env], 'Job')]) {
        const pod = podSpec(workload);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          expect(c.image, `${env} ${workload.metadata.name}/${c.name}`).toMatch(/:(v\d+\.\d+\.\d+|pg16)$|@sha256:[0-9a-f]{64}$/);
          expect(c.imagePullPolicy, `${env} ${workload.metadata.name}/${c.name}`).toBe('IfNotPresent');
        }
      }
      expect(podSpec(find(envs[env], 'Deployment', 'chat-proc')).containers[0].image).toBe('kdcube/kdcube-chat-proc:v0.9.2');
    }
  });

  it('differs only in sizing and image pins: the same objects, volumes and probes everywhere', () => {
    const shape = (objects: KubeObject[]) =>
      ofKind(objects, 'Deployment').map((d) => ({
        name: d.metadata.name,
        volumes: podSpec(d).volumes,
        probes: podSpec(d).containers.map((c: any) => [c.readinessProbe, c.livenessProbe, c.startupProbe]),
      }));
    const names = (objects: KubeObject[]) => objects.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind}/${o.metadata.name.replace(/-v\d.*$/, '')}`).sort();
    expect(shape(envs.dev), 'dev and prod run the same pods').toEqual(shape(envs.prod));
    expect(names(envs.staging), 'staging and prod have the same objects').toEqual(names(envs.prod));
  });

  it('runs one pod of each in dev and at least two of everything behind a Service in prod, up to 12 processors', () => {
    expect(find(envs.dev, 'Deployment', 'web-proxy').spec.replicas, 'dev web-proxy').toBe(1);
    expect(find(envs.dev, 'ScaledObject', 'chat-proc').spec.minReplicaCount, 'dev chat-proc minimum').toBe(1);
    expect(find(envs.prod, 'Deployment', 'web-proxy').spec.replicas, 'prod web-proxy').toBe(2);
    expect(find(envs.prod, 'ScaledObject', 'chat-proc').spec, 'prod chat-proc bounds').toMatchObject({ minReplicaCount: 2, maxReplicaCount: 12 });
    for (const name of ['web-proxy', 'web-ui', 'chat-ingress', 'chat-proc', 'kb', 'metrics']) find(envs.prod, 'PodDisruptionBudget', name);
  });
});
