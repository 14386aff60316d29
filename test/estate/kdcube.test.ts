import { describe, expect, it } from 'vitest';
import { kdcube } from '../../estate/kdcube';
import type { KubeObject } from '../../lib/output/output';
import { container, find, ofKind, podSpec } from '../helpers';
import { systemObjects, systemYaml } from './helpers';

const ENVS = ['dev', 'staging', 'prod'] as const;
const INTERNAL = ['chat-ingress', 'chat-proc', 'kb', 'proxylogin', 'web-ui'];

/** Every rule of every HTTPRoute that routes to a Service, with the BackendTrafficPolicy that targets it. */
function edgePaths(objects: readonly KubeObject[]): { path: string; service: string; rule: KubeObject; policy?: KubeObject }[] {
  const policies = ofKind(objects, 'BackendTrafficPolicy');
  return ofKind(objects, 'HTTPRoute').flatMap((route) =>
    route.spec.rules
      .filter((rule: any) => rule.backendRefs)
      .map((rule: any) => ({
        path: rule.matches[0].path.value,
        service: rule.backendRefs[0].name,
        rule,
        policy: policies.find((p) => p.spec.targetRefs.some((t: any) => t.name === route.metadata.name && t.sectionName === rule.name)),
      })),
  );
}

/** What the edge does on a path: its request timeout, stream idle timeout, body limit and requests per second. */
function routeSettings(objects: readonly KubeObject[], path: string): { timeout?: string; idle?: string; body?: string; rps?: number } {
  const route = edgePaths(objects).find((p) => p.path === path);
  expect(route, `an HTTPRoute routes ${path}`).toBeDefined();
  const policy = route!.policy?.spec;
  return {
    timeout: route!.rule.timeouts?.request,
    idle: policy?.timeout?.http?.streamIdleTimeout,
    body: policy?.requestBuffer?.limit,
    rps: policy?.rateLimit?.local?.rules[0].limit.requests,
  };
}

/** web-proxy's OpenResty configuration, as mounted, and its locations by path (`= /x` for exact ones). */
function openresty(objects: readonly KubeObject[]): { conf: string; locations: Map<string, string[]>; upstreams: Map<string, string> } {
  const conf: string = find(objects, 'ConfigMap', 'web-proxy-files').data['nginx.conf'];
  const locations = new Map<string, string[]>();
  const lines = conf.split('\n').map((l) => l.trim());
  lines.forEach((line, i) => {
    const open = /^location (=|\^~) (\S+) \{$/.exec(line);
    if (!open) return;
    const body = lines.slice(i + 1, lines.indexOf('}', i + 1));
    locations.set(open[1] === '=' ? `= ${open[2]}` : open[2], body);
  });
  const upstreams = new Map([...conf.matchAll(/upstream (\w+) \{ server (\S+); \}/g)].map((m) => [m[1], m[2]]));
  return { conf, locations, upstreams };
}

/** A directive's value in a location body (`client_max_body_size` → `500m`). */
function directive(body: readonly string[] | undefined, name: string): string | undefined {
  return body
    ?.find((l) => l.startsWith(`${name} `))
    ?.slice(name.length + 1)
    .replace(/;$/, '');
}

/** Who may reach a workload according to its allow policy: workload names, or `ns:<namespace>` for a peer located by namespace. */
function sources(objects: readonly KubeObject[], name: string): string[] {
  return find(objects, 'NetworkPolicy', `allow-${name}`).spec.ingress.map(
    (rule: any) =>
      rule.from[0].podSelector?.matchLabels['app.kubernetes.io/name'] ?? `ns:${rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`,
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

  it('enters only through web-proxy: it is the one back end of every HTTPRoute, with no Ingress', () => {
    const services = new Set(edgePaths(objects).map((p) => p.service));
    expect([...services], 'Services behind the HTTPRoutes').toEqual(['web-proxy']);
    expect(ofKind(objects, 'Ingress')).toEqual([]);
    expect(find(objects, 'HTTPRoute', 'edge-redirect').spec.rules[0].filters[0].requestRedirect).toEqual({ scheme: 'https', statusCode: 308 });
  });

  it('streams SSE and /api/chat/ unbuffered with 600 s timeouts, at the edge and in OpenResty', () => {
    const { locations } = openresty(objects);
    for (const path of ['/sse/', '/api/chat/']) {
      // Envoy never buffers responses: only the timeouts need saying.
      const edge = routeSettings(objects, path);
      expect(edge.timeout, `edge request timeout on ${path}`).toBe('600s');
      expect(edge.idle, `edge stream idle timeout on ${path}`).toBe('600s');
      const proxy = locations.get(path);
      expect(proxy, `web-proxy location ${path}`).toBeDefined();
      expect(directive(proxy, 'proxy_buffering'), `web-proxy buffering on ${path}`).toBe('off');
      expect(directive(proxy, 'proxy_read_timeout'), `web-proxy read timeout on ${path}`).toBe('600s');
    }
  });

  it('upgrades Socket.IO on /cb/socket.io/ (not /api/cb/socket.io/) and passes it to chat-ingress /socket.io/', () => {
    const paths = edgePaths(objects).map((p) => p.path);
    expect(paths, 'the edge routes the Socket.IO path').toContain('/cb/socket.io/');
    expect(paths).not.toContain('/api/cb/socket.io/');
    const socketEdge = routeSettings(objects, '/cb/socket.io/');
    expect(socketEdge, 'kept open past the 60 s default, with no request buffering to stall the upgrade').toEqual({
      timeout: '600s',
      idle: '600s',
      body: undefined,
      rps: undefined,
    });
    const socket = openresty(objects).locations.get('/cb/socket.io/');
    expect(directive(socket, 'proxy_pass')).toBe('http://chat_api/socket.io/');
    expect(socket, 'the upgrade headers').toEqual(
      expect.arrayContaining(['proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;']),
    );
  });

  it('limits request bodies as upstream does, the edge and OpenResty alike: 500m on /api/cb/, 50m on /admin/integrations/', () => {
    const { conf, locations } = openresty(objects);
    const expected: Record<string, string> = {
      '/api/cb/': '500m',
      '/admin/integrations/': '50m',
      '/api/integrations/': '50m',
      '/sse/': '20m',
      '/api/chat/': '20m',
    };
    for (const [path, size] of Object.entries(expected)) {
      expect(routeSettings(objects, path).body, `edge body limit on ${path}`).toBe(size.replace('m', 'Mi'));
      expect(directive(locations.get(path), 'client_max_body_size'), `web-proxy body limit on ${path}`).toBe(size);
    }
    expect(routeSettings(objects, '/').body, 'edge default').toBe('10Mi');
    expect(conf, 'web-proxy default').toContain('\n  client_max_body_size 10m;\n');
    // Every location the edge does not list must fit in the edge default.
    for (const [path, body] of locations) {
      const size = directive(body, 'client_max_body_size');
      if (size && !(path in expected))
        expect(
          edgePaths(objects).map((p) => p.path),
          `${path} raises the body limit, so the edge routes it too`,
        ).toContain(path);
    }
  });

  it("ships web-proxy's OpenResty configuration, listening on the Service's unprivileged target port", () => {
    const proxy = main('web-proxy');
    expect(proxy.volumeMounts, 'nginx.conf mounted with subPath').toContainEqual({
      name: 'files',
      mountPath: '/usr/local/openresty/nginx/conf/nginx.conf',
      subPath: 'nginx.conf',
      readOnly: true,
    });
    const listen = Number(/\n\s*listen (\d+);/.exec(openresty(objects).conf)?.[1]);
    expect(listen, 'OpenResty listens on the container port').toBe(proxy.ports[0].containerPort);
    expect(listen, 'uid 1000 cannot bind below 1024').toBeGreaterThanOrEqual(1024);
    expect(proxy.securityContext.capabilities.add, 'no NET_BIND_SERVICE needed').toBeUndefined();
    expect(find(objects, 'Service', 'web-proxy').spec.ports[0]).toMatchObject({ port: listen, targetPort: 'http' });
    expect(deployment('web-proxy').spec.template.metadata.annotations['shipshape.io/config-checksum'], 'a config change rolls the proxies').toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it("points each OpenResty upstream at a Service's own port (web-ui:8080, not :80)", () => {
    const { upstreams } = openresty(objects);
    expect([...upstreams.keys()].sort()).toEqual(['chat_api', 'chat_proc', 'kb_api', 'proxy_login', 'web_ui']);
    for (const [upstream, server] of upstreams) {
      const [host, port] = server.split(':');
      const [service, namespace] = host.split('.');
      expect(namespace, `${upstream} in the system's namespace`).toBe(`kdcube-${env}`);
      expect(
        find(objects, 'Service', service).spec.ports.map((p: any) => p.port),
        `${upstream} → Service ${service}`,
      ).toContain(Number(port));
    }
    expect(upstreams.get('web_ui')).toBe(`web-ui.kdcube-${env}.svc.cluster.local:8080`);
    expect(sources(objects, 'web-ui'), 'and the policy admits the proxy there').toEqual(['web-proxy']);
  });

  it('signs in through proxylogin: /auth/ goes to it, and protected routes unmask their cookies through it first', () => {
    const { locations } = openresty(objects);
    expect(directive(locations.get('/auth/'), 'proxy_pass')).toBe('http://proxy_login/v1/');
    expect(directive(locations.get('= /auth/unmask'), 'proxy_pass')).toBe('http://proxy_login/v1/unmask');
    expect(locations.get('= /auth/unmask'), 'unmask is internal only').toContain('internal;');
    for (const path of ['/sse/', '/api/chat/', '/api/cb/', '/admin/integrations/']) {
      expect(locations.get(path), `${path} unmasks first`).toContain('access_by_lua_block { unmask_token() }');
    }
    const login = main('proxylogin');
    expect(login.ports).toEqual([{ name: 'http', containerPort: 8383, protocol: 'TCP' }]);
    expect(find(objects, 'ConfigMap', 'proxylogin-config').data).toMatchObject({ HTTP_PORT: '8383', STORAGE_TYPE: 'redis' });
    expect(login.envFrom, 'its identity-provider settings from a Secret made with the namespace').toContainEqual({ secretRef: { name: 'proxylogin-secrets' } });
  });

  it('runs kdcube-secrets as its own single pod and Service on :7777, in RAM, reached at SECRETS_URL', () => {
    expect(deployment('kdcube-secrets').spec.replicas, 'one store').toBe(1);
    expect(deployment('kdcube-secrets').spec.strategy).toEqual({ type: 'Recreate' });
    expect(find(objects, 'Service', 'kdcube-secrets').spec.ports).toEqual([{ name: 'http', port: 7777, targetPort: 'http', protocol: 'TCP' }]);
    const store = podSpec(deployment('kdcube-secrets'));
    const volume = store.volumes.find((v: any) => v.emptyDir?.medium === 'Memory');
    expect(volume, 'a memory-backed emptyDir').toBeDefined();
    expect(store.containers[0].volumeMounts, 'holding the store file').toContainEqual({ name: volume.name, mountPath: '/run/kdcube-secrets' });
    for (const [name, token] of [
      ['chat-ingress', 'SECRETS_TOKEN_INGRESS'],
      ['chat-proc', 'SECRETS_TOKEN_PROC'],
    ]) {
      const env_: any[] = main(name).env;
      expect(env_.find((e) => e.name === 'SECRETS_URL')?.value, `${name} SECRETS_URL`).toBe(`http://kdcube-secrets.kdcube-${env}.svc.cluster.local:7777`);
      expect(env_.find((e) => e.name === 'SECRETS_TOKEN')?.valueFrom, `${name} reads with its own token`).toEqual({
        secretKeyRef: { name: 'kdcube-platform-secrets', key: token },
      });
    }
    expect(sources(objects, 'kdcube-secrets'), 'only the services that read it').toEqual(['chat-ingress', 'chat-proc']);
  });

  it("lets chat-proc open the Docker socket: it joins the socket's group", () => {
    expect(podSpec(deployment('chat-proc')).securityContext.supplementalGroups).toEqual([999]);
  });

  it('rate-limits routes as the proxy zones do: 10 r/s chat, KB and monitoring, 2 r/s uploads', () => {
    const limits = Object.fromEntries(
      edgePaths(objects).flatMap((p) => {
        const rps = p.policy?.spec.rateLimit?.local?.rules[0].limit.requests;
        return rps ? [[p.path, rps]] : [];
      }),
    );
    expect(limits, 'requests per second and client per path').toEqual({
      '/api/chat/': 10,
      '/sse/': 10,
      '/api/kb/': 10,
      '/monitoring': 10,
      '/api/kb/upload': 2,
    });
  });

  it('mounts config.json and nginx.conf into web-ui with subPath, with a checksum that rolls the pods', () => {
    const ui = main('web-ui');
    for (const [file, mountPath] of [
      ['nginx.conf', '/etc/nginx/nginx.conf'],
      ['config.json', '/usr/share/nginx/html/config.json'],
    ]) {
      expect(ui.volumeMounts, `${file} mounted at ${mountPath} with subPath`).toContainEqual({ name: 'files', mountPath, subPath: file, readOnly: true });
    }
    expect(Object.keys(find(objects, 'ConfigMap', 'web-ui-files').data).sort()).toEqual(['config.json', 'nginx.conf']);
    expect(deployment('web-ui').spec.template.metadata.annotations?.['shipshape.io/config-checksum'], 'config checksum on the web-ui pods').toMatch(
      /^[0-9a-f]{64}$/,
    );
    const emptyDirs = podSpec(deployment('web-ui'))
      .volumes.filter((v: any) => v.emptyDir)
      .map((v: any) => v.name);
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
    expect(
      pod.initContainers?.map((c: any) => c.name),
      'init containers of chat-proc',
    ).toEqual(['prepare-volumes']);
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
    expect(find(objects, 'TriggerAuthentication', 'chat-proc-redis').spec.secretTargetRef).toEqual([
      { parameter: 'password', name: 'redis-auth', key: 'redis-password' },
    ]);
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
      expect(
        podSpec(d).volumes.some((v: any) => v.hostPath),
        `${d.metadata.name} mounts no hostPath`,
      ).toBe(false);
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
      expect(env_.find((e) => e.name === 'POSTGRES_PASSWORD')?.valueFrom, `${name}: POSTGRES_PASSWORD from the Secret`).toEqual({
        secretKeyRef: { name: 'postgres-db-credentials', key: 'POSTGRES_PASSWORD' },
      });
      expect(main(name).envFrom, `${name}: env from the shared ConfigMap and the platform Secret`).toEqual([
        { configMapRef: { name: 'kdcube-config' } },
        { secretRef: { name: 'kdcube-platform-secrets' } },
      ]);
    }
    expect(ofKind(objects, 'Secret'), 'Secrets are referenced, never written').toEqual([]);
  });

  it("lets only the Gateway's data plane reach web-proxy, and only web-proxy reach the internal services", () => {
    expect(sources(objects, 'web-proxy'), 'sources of web-proxy').toEqual(['ns:envoy-gateway-system']);
    expect(find(objects, 'NetworkPolicy', 'allow-web-proxy').spec.ingress[0].from[0].podSelector.matchLabels['gateway.envoyproxy.io/owning-gateway-name']).toBe(
      'kdcube',
    );
    for (const name of INTERNAL) expect(sources(objects, name), `sources of ${name}`).toEqual(['web-proxy']);
    const policies = ofKind(objects, 'NetworkPolicy')
      .map((p) => p.metadata.name)
      .sort();
    const controllers = ['allow-acme-http01-solver', 'allow-monitoring-metrics', 'allow-redis', 'allow-postgres-db', 'allow-keda-redis'];
    expect(policies, 'beyond the wiring, only what the controllers and the datastores need').toEqual(
      ['default-deny-ingress', 'allow-web-proxy', 'allow-kdcube-secrets', ...INTERNAL.map((n) => `allow-${n}`), ...controllers].sort(),
    );
  });

  it('lets monitoring scrape the metrics service, which nothing else reaches', () => {
    const monitor = find(objects, 'ServiceMonitor', 'metrics');
    expect(monitor.spec.endpoints, 'scraped on the served port, at /metrics').toEqual([{ port: 'http', path: '/metrics' }]);
    expect(find(objects, 'Service', 'metrics').metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    const policy = find(objects, 'NetworkPolicy', 'allow-monitoring-metrics');
    expect(policy.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 8090, protocol: 'TCP' }] },
    ]);
  });

  it('declares the Redis and Postgres other charts install, and admits their clients, the setup Job and KEDA to them', () => {
    expect(find(objects, 'Namespace', `kdcube-${env}`).metadata.annotations['shipshape.io/external-services']).toBe('postgres-db,redis');
    const backends = ['chat-ingress', 'chat-proc', 'metrics', 'kb'];
    expect(sources(objects, 'redis'), 'Redis clients, and proxylogin for its sessions').toEqual([...backends, 'proxylogin']);
    expect(sources(objects, 'postgres-db'), 'Postgres clients and the setup Job').toEqual([...backends, 'postgres-setup']);
    expect(find(objects, 'NetworkPolicy', 'allow-redis').spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'redis',
      'app.kubernetes.io/instance': 'redis',
    });
    const keda = find(objects, 'NetworkPolicy', 'allow-keda-redis').spec;
    expect(keda.podSelector, 'the KEDA operator reads the prompt queue in the Redis pods').toEqual(
      find(objects, 'NetworkPolicy', 'allow-redis').spec.podSelector,
    );
    expect(keda.ingress[0].from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'keda-operator' });
  });

  it("admits cert-manager's HTTP-01 solver from the Gateway's data plane", () => {
    expect(find(objects, 'NetworkPolicy', 'allow-acme-http01-solver').spec.ingress[0]).toEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
          podSelector: {
            matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'kdcube', 'gateway.envoyproxy.io/owning-gateway-namespace': `kdcube-${env}` },
          },
        },
      ],
      ports: [{ port: 8089, protocol: 'TCP' }],
    });
  });

  it('shares the RWX claims between chat-ingress and chat-proc, on the environment RWX storage class', () => {
    const claims = ofKind(objects, 'PersistentVolumeClaim');
    expect(claims.map((c) => c.metadata.name).sort()).toEqual(['bundles', 'exec-workspace', 'kdcube-logs', 'kdcube-storage']);
    for (const c of claims) {
      expect(c.spec.accessModes, `${c.metadata.name} access mode`).toEqual(['ReadWriteMany']);
      expect(c.spec.storageClassName, `${c.metadata.name} storage class (the default one is RWO only)`).toBe('nfs-client');
    }
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
    const names = (objects: KubeObject[]) =>
      objects
        .filter((o) => o.kind !== 'Namespace')
        .map((o) => `${o.kind}/${o.metadata.name.replace(/-v\d.*$/, '')}`)
        .sort();
    expect(shape(envs.dev), 'dev and prod run the same pods').toEqual(shape(envs.prod));
    expect(names(envs.staging), 'staging and prod have the same objects').toEqual(names(envs.prod));
  });

  it('runs one pod of each in dev and at least two of everything behind a Service in prod, up to 12 processors', () => {
    expect(find(envs.dev, 'Deployment', 'web-proxy').spec.replicas, 'dev web-proxy').toBe(1);
    expect(find(envs.dev, 'ScaledObject', 'chat-proc').spec.minReplicaCount, 'dev chat-proc minimum').toBe(1);
    expect(find(envs.prod, 'Deployment', 'web-proxy').spec.replicas, 'prod web-proxy').toBe(2);
    expect(find(envs.prod, 'ScaledObject', 'chat-proc').spec, 'prod chat-proc bounds').toMatchObject({ minReplicaCount: 2, maxReplicaCount: 12 });
    for (const name of ['web-proxy', 'web-ui', 'chat-ingress', 'chat-proc', 'kb', 'metrics', 'proxylogin']) find(envs.prod, 'PodDisruptionBudget', name);
  });
});
