import {
  AutoscaledBackend,
  EnvValue,
  MigrationJob,
  PersistentClaim,
  RateLimit,
  SecurityException,
  ServedWorkload,
  SharedConfig,
  SystemDefinition,
  TlsIngress,
  TlsRoute,
  VolumeSpec,
  WebApp,
  Worker,
} from '../lib';
import { devBuild, standardEnvironments } from './environments';

// Staging and prod run one tested release of every KDCube image; dev runs the build CI pushed last.
const release = 'v0.9.2';
const pinned = Object.fromEntries(
  ['web-proxy', 'web-ui', 'chat-ingress', 'chat-proc', 'metrics', 'kb', 'kdcube-secrets', 'proxylogin'].map((name) => [name, release]),
);

// Docker exec mode is KDCube's default for live agent turns: chat-proc runs generated code in sibling
// containers through the node's Docker daemon. Every environment mounts the socket, so dev and
// staging exercise what prod runs; the exception is therefore declared in all three.
const dockerExec: SecurityException = {
  workload: 'chat-proc',
  allow: ['hostPath'],
  reason: 'Docker exec mode: chat-proc starts code-execution containers through the node Docker socket /var/run/docker.sock',
};
// The socket is owned by root:docker (mode 660): chat-proc joins the group to open it. The docker
// group's id on the nodes labelled kdcube.example.com/docker-exec.
const dockerSocketGroup = 999;

// Postgres and Redis are installed into the namespace by their own charts (as the upstream chart
// expects, under the Service names `postgres-db` and `redis`), before this system. Declared here,
// the namespace lists them as a bootstrap item and the policies admit their clients, the setup Job
// and the KEDA operator to their pods, which the charts label so.
const externalServices = {
  redis: { port: 6379, podSelector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'redis' } },
  'postgres-db': { port: 5432, podSelector: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'postgres-db' } },
};

const environments = standardEnvironments('kdcube', 'kdcube.example.com', {
  all: { exceptions: [dockerExec], externalServices },
  // One pod of each; KEDA still adds processors when the queue grows.
  dev: { build: devBuild('kdcube'), scaling: { replicas: 0.5 }, settings: { TENANT_ID: 'kdcube', PROJECT_ID: 'dev' } },
  staging: { images: pinned, settings: { TENANT_ID: 'kdcube', PROJECT_ID: 'staging' } },
  prod: { images: pinned, workloads: { 'chat-proc': { maxReplicas: 12 } }, settings: { TENANT_ID: 'kdcube', PROJECT_ID: 'prod' } },
});

// The SPA's server: nginx as uid 1000 on an unprivileged port, logging to the container's streams.
const uiNginxConf = `pid /var/run/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  error_log /dev/stderr;
  server {
    listen 8080;
    root /usr/share/nginx/html;
    index index.html;
    # Re-read on every page load, so a new config.json takes effect without a cache flush.
    location = /config.json { add_header Cache-Control 'no-store, no-cache'; expires off; etag off; }
    location / { try_files $uri $uri/ /index.html; }
  }
}
`;

/** One path of the public entry: the edge routes it to web-proxy, and web-proxy to `to`. */
interface ProxyRoute {
  /** The path prefix, as both the edge and OpenResty match it. */
  readonly path: string;
  /** Match the whole path only. @default false */
  readonly exact?: boolean;
  /** The workload behind it. */
  readonly to: ServedWorkload;
  /** The path OpenResty passes on, where it differs from the request's (`/socket.io/`). @default the request path */
  readonly upstreamPath?: string;
  /** Unmask the session cookies through proxylogin first (KDCube's delegated auth). */
  readonly auth?: boolean;
  /** Unbuffered both ways, 600 s timeouts: SSE, streamed chat answers and downloads. */
  readonly stream?: boolean;
  /** A Socket.IO connection: HTTP upgrade, 600 s timeouts. */
  readonly websocket?: boolean;
  /** Seconds OpenResty and the edge wait between two reads or writes. @default 600 when streaming, else 60 */
  readonly timeoutSeconds?: number;
  /** Largest request body. @default bodyLimit */
  readonly maxBodySize?: string;
  /** Per-client limit at the edge (OpenResty ships its limit zones commented out). */
  readonly rateLimit?: RateLimit;
}

// The SPA's routes live under this prefix (config.json tells it); / redirects to its chat page.
const routesPrefix = '/chatbot';
// What OpenResty and the edge accept as a request body where a route says nothing else.
const bodyLimit = '10m';
const streamSeconds = 600;

/**
 * web-proxy's OpenResty configuration: the chart's locations (with proxylogin's cookie unmasking
 * from KDCube's delegated-auth configuration), upstreams at the Services' own ports, and what a
 * uid-1000 process on a read-only root needs: port 8080 (binding 80 needs NET_BIND_SERVICE), pid
 * and temp files in /var/run/openresty, logs on the container's streams. TLS ends at the edge.
 */
function openrestyConf(port: number, upstreams: Readonly<Record<string, ServedWorkload>>, routes: readonly ProxyRoute[]): string {
  const name = (w: ServedWorkload) => Object.entries(upstreams).find(([, u]) => u.name === w.name)![0];
  const headers = [
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    // The edge terminated TLS and says so; the connection from it is plain HTTP.
    'proxy_set_header X-Forwarded-Proto $forwarded_proto;',
  ];
  const location = (r: ProxyRoute): string[] => {
    const timeout = r.timeoutSeconds ?? (r.stream || r.websocket ? streamSeconds : undefined);
    return [
      `location ${r.exact ? '=' : '^~'} ${r.path} {`,
      ...(r.auth ? ['  access_by_lua_block { unmask_token() }'] : []),
      `  proxy_pass http://${name(r.to)}${r.upstreamPath ?? ''};`,
      ...headers.map((h) => `  ${h}`),
      ...(r.websocket ? ['  proxy_set_header Upgrade $http_upgrade;', '  proxy_set_header Connection $connection_upgrade;', '  proxy_buffering off;'] : []),
      ...(r.stream ? ['  proxy_buffering off;', '  proxy_request_buffering off;'] : []),
      ...(timeout ? [`  proxy_read_timeout ${timeout}s;`, `  proxy_send_timeout ${timeout}s;`] : []),
      ...(r.maxBodySize ? [`  client_max_body_size ${r.maxBodySize};`] : []),
      '}',
    ];
  };
  const lines = [
    'pid /var/run/openresty/nginx.pid;',
    'error_log /dev/stderr warn;',
    'events { worker_connections 1024; }',
    'http {',
    '  include /usr/local/openresty/nginx/conf/mime.types;',
    '  default_type application/octet-stream;',
    '  access_log /dev/stdout;',
    '  client_body_temp_path /var/run/openresty/nginx-client-body;',
    '  proxy_temp_path /var/run/openresty/nginx-proxy;',
    '  fastcgi_temp_path /var/run/openresty/nginx-fastcgi;',
    '  uwsgi_temp_path /var/run/openresty/nginx-uwsgi;',
    '  scgi_temp_path /var/run/openresty/nginx-scgi;',
    '  server_tokens off;',
    `  client_max_body_size ${bodyLimit};`,
    '  proxy_http_version 1.1;',
    "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }",
    "  map $http_x_forwarded_proto $forwarded_proto { default $http_x_forwarded_proto; '' $scheme; }",
    // At the Services' own names and ports: each entry is the workload's Service, so they cannot drift apart.
    ...Object.entries(upstreams).map(([upstream, w]) => `  upstream ${upstream} { server ${w.host}:${w.port}; }`),
    '  # Replaces the masked session cookies with the real ones from proxylogin, or answers 401.',
    '  init_by_lua_block {',
    '    function unmask_token()',
    '      local original = ngx.var.http_cookie',
    '      local res = ngx.location.capture("/auth/unmask", { method = ngx.HTTP_GET })',
    '      if res.status ~= 200 then ngx.exit(401) end',
    '      local cookies = {}',
    '      if original and original ~= "" then table.insert(cookies, original) end',
    '      local set = res.header["Set-Cookie"]',
    '      if type(set) == "string" then set = { set } end',
    '      for _, c in ipairs(set or {}) do table.insert(cookies, c:match("^([^;]+)")) end',
    '      if #cookies > 0 then ngx.req.set_header("Cookie", table.concat(cookies, "; ")) end',
    '    end',
    '  }',
    '  server {',
    `    listen ${port};`,
    '    server_name _;',
    // Redirects stay relative: the browser never sees the proxy's own port.
    '    absolute_redirect off;',
    '    location = /healthz { access_log off; return 200; }',
    `    location = / { return 301 ${routesPrefix}/chat; }`,
    '    location = /auth/unmask {',
    '      internal;',
    `      proxy_pass http://${name(upstreams.proxy_login)}/v1/unmask;`,
    '      proxy_pass_request_body off;',
    '      proxy_set_header Content-Length "";',
    '      proxy_set_header Cookie $http_cookie;',
    ...headers.map((h) => `      ${h}`),
    '    }',
    ...routes.flatMap(location).map((line) => `    ${line}`),
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

// Postgres and Redis credentials are in Secrets made with the namespace.
const postgres = { POSTGRES_HOST: 'postgres-db', POSTGRES_PORT: '5432', POSTGRES_DATABASE: 'kdcube', POSTGRES_SSL: 'True' };
const postgresSecret = 'postgres-db-credentials';
const redisPassword = { secret: 'redis-auth', key: 'redis-password' };
const platformSecret = 'kdcube-platform-secrets';
const postgresEnv = {
  POSTGRES_USER: { secret: postgresSecret, key: 'POSTGRES_USER' },
  POSTGRES_PASSWORD: { secret: postgresSecret, key: 'POSTGRES_PASSWORD' },
};
const datastoreEnv: Record<string, EnvValue> = {
  ...postgresEnv,
  // Defined before REDIS_URL: Kubernetes expands $(REDIS_PASSWORD) only from variables above it.
  REDIS_PASSWORD: redisPassword,
  REDIS_URL: 'redis://:$(REDIS_PASSWORD)@redis:6379/0',
};

// A turn streams to the browser through web-proxy and chat-ingress for as long as chat-proc works
// on it, up to its ~110 s drain: both relays pause 10 s for endpoints to update, then keep 120 s.
const streamDrain = { preStopSeconds: 10, gracePeriodSeconds: 130 };
// A Python server's memory does not fall as pods are added, so a memory target could block scale-down.
const cpuOnly = { memoryUtilization: false } as const;

/**
 * KDCube: an agent platform. OpenResty (`web-proxy`) is the only public entry and routes to the SPA
 * (`web-ui`), the login service (`proxylogin`), the chat API with its SSE and Socket.IO streams
 * (`chat-ingress`), the processor that runs agent turns from a Redis queue (`chat-proc`) and the
 * knowledge base (`kb`). `kdcube-secrets` holds runtime secrets in RAM for chat-ingress and
 * chat-proc; `metrics` publishes queue and capacity figures. A Postgres setup job runs before each
 * release.
 */
export const kdcube: SystemDefinition = {
  name: 'kdcube',
  environments,
  define: (system) => {
    const tenant = system.setting('TENANT_ID');
    const project = system.setting('PROJECT_ID');
    const redis = system.externalService('redis');
    const postgresDb = system.externalService('postgres-db');

    // The backend services read one ConfigMap of settings; a change rolls all of them.
    const config = new SharedConfig(system, 'kdcube-config', {
      data: {
        TENANT_ID: tenant,
        PROJECT_ID: project,
        ...postgres,
        REDIS_HOST: 'redis',
        REDIS_PORT: '6379',
        // Runtime secrets are fetched from kdcube-secrets (SECRETS_URL, set from its Service).
        SECRETS_PROVIDER: 'local',
        KDCUBE_STORAGE_PATH: 'file:///kdcube-storage',
        AGENTIC_BUNDLES_ROOT: '/bundles',
        EXEC_WORKSPACE_ROOT: '/exec-workspace',
        LOG_DIR: '/logs',
      },
    });
    const backend = (env: Record<string, EnvValue> = {}) => ({
      configMaps: [config],
      secrets: [platformSecret],
      env: { ...env, ...datastoreEnv },
      connectsTo: [redis, postgresDb],
    });

    // Shared by chat-ingress and chat-proc, and chat-proc runs several pods: every claim is RWX, on
    // the environment's RWX storage class (the cluster default is RWO only).
    const claim = (id: string) => new PersistentClaim(system, id, { size: '10Gi', accessMode: 'ReadWriteMany' });
    const [bundles, storage, workspace, logs] = ['bundles', 'kdcube-storage', 'exec-workspace', 'kdcube-logs'].map(claim);
    const mount = (c: PersistentClaim, mountPath: string, readOnly?: boolean): VolumeSpec => ({ name: c.name, mountPath, claim: c, readOnly });

    // The platform's runtime secrets store: one pod holding them in RAM (a memory-backed emptyDir,
    // never a node's disk), so exactly one; a second would be a second, empty store. The services
    // read it at SECRETS_URL with their own tokens; the admin token is for the operator's secretsctl.
    const secretsStore = new Worker(system, 'kdcube-secrets', {
      image: 'kdcube/kdcube-secrets',
      port: 7777,
      component: 'secrets',
      singleton: true,
      env: {
        SECRETS_ADMIN_TOKEN: { secret: platformSecret, key: 'SECRETS_ADMIN_TOKEN' },
        SECRETS_READ_TOKENS: { secret: platformSecret, key: 'SECRETS_READ_TOKENS' },
      },
      probes: { readiness: { http: '/health' }, liveness: { tcp: 'http' } },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      volumes: [{ name: 'store', mountPath: '/run/kdcube-secrets', emptyDir: { memory: true, sizeLimit: '16Mi' } }],
    });
    const secretsToken = (key: string): EnvValue => ({ secret: platformSecret, key });

    const chatIngress = new AutoscaledBackend(system, 'chat-ingress', {
      image: 'kdcube/kdcube-chat-ingress',
      port: 8010,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
      autoscaling: cpuOnly,
      probes: {
        // 503 while draining: the pod leaves the Service while its SSE and Socket.IO streams finish.
        readiness: { http: '/health' },
        // Only "is the process up": a draining pod must not be restarted.
        liveness: { tcp: 'http' },
      },
      shutdown: streamDrain,
      ...backend({ GATEWAY_COMPONENT: 'ingress', CHAT_APP_PORT: '8010', SECRETS_TOKEN: secretsToken('SECRETS_TOKEN_INGRESS') }),
      backends: { SECRETS_URL: secretsStore.served },
      volumes: [mount(storage, '/kdcube-storage'), mount(bundles, '/bundles', true), mount(logs, '/logs')],
    });

    // A Worker with a port: the library's only construct that scales on queue depth (KEDA) and it
    // still gets a Service for the integrations API that web-proxy calls.
    const chatProc = new Worker(system, 'chat-proc', {
      image: 'kdcube/kdcube-chat-proc',
      port: 8020,
      component: 'processor',
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      scaling: {
        minReplicas: 2,
        maxReplicas: 6,
        // The backlog is the length of the tenant/project prompt queue, which the KEDA operator is admitted to read.
        redisList: { server: redis, listName: `${tenant}:${project}:kdcube:chat:prompt:queue`, password: redisPassword },
      },
      probes: {
        startup: { http: '/health/live', periodSeconds: 5, failureThreshold: 24 },
        liveness: { http: '/health/live' },
        // 503 while draining or until the git bundles are cloned.
        readiness: { http: '/health' },
      },
      // A turn drains for about 110 s; the grace period is that plus 15 s.
      longestJobSeconds: 110,
      ...backend({ GATEWAY_COMPONENT: 'proc', CHAT_PROCESSOR_PORT: '8020', SECRETS_TOKEN: secretsToken('SECRETS_TOKEN_PROC') }),
      backends: { SECRETS_URL: secretsStore.served },
      volumes: [
        mount(bundles, '/bundles'),
        mount(storage, '/kdcube-storage'),
        mount(workspace, '/exec-workspace'),
        mount(logs, '/logs'),
        { name: 'docker-sock', mountPath: '/var/run/docker.sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
      ],
      // Without the socket's group, uid 1000 cannot open it and every code execution fails.
      security: { supplementalGroups: [dockerSocketGroup] },
      // The seed chowned the volumes as root; here fsGroup owns them, and this fails fast, naming the
      // directory, where a share (NFS/EFS ignores fsGroup) is not writable.
      initContainers: [
        {
          name: 'prepare-volumes',
          command: [
            'sh',
            '-c',
            'for d in /bundles /kdcube-storage /exec-workspace /logs; do [ -w "$d" ] || { echo "$d is not writable by $(id -u):$(id -g)"; exit 1; }; done',
          ],
          mounts: { bundles: '/bundles', 'kdcube-storage': '/kdcube-storage', 'exec-workspace': '/exec-workspace', 'kdcube-logs': '/logs' },
        },
      ],
      // Only nodes running a Docker daemon have the socket; elsewhere the pod could not start.
      scheduling: { nodeSelector: { 'kdcube.example.com/docker-exec': 'true' } },
    });

    new AutoscaledBackend(system, 'metrics', {
      image: 'kdcube/kdcube-metrics',
      port: 8090,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      autoscaling: cpuOnly,
      probes: { readiness: { tcp: 'http' }, liveness: { http: '/health' } },
      // Serves its queue and capacity figures as Prometheus text at /metrics; the monitoring namespace may scrape it.
      metrics: { path: '/metrics' },
      ...backend({ GATEWAY_COMPONENT: 'metrics', METRICS_PORT: '8090' }),
    });

    const kb = new AutoscaledBackend(system, 'kb', {
      image: 'kdcube/kdcube-kb',
      port: 8000,
      autoscaling: cpuOnly,
      // 503 while the orchestrator or storage is unavailable.
      probes: { readiness: { http: '/api/kb/health' }, liveness: { tcp: 'http' } },
      ...backend(),
      volumes: [mount(storage, '/kdcube-storage')],
    });

    const webUi = new WebApp(system, 'web-ui', {
      image: 'kdcube/kdcube-web-ui',
      port: 8080,
      // The browser calls relative paths on its own origin: no in-cluster URL in the bundle.
      files: {
        '/etc/nginx/nginx.conf': uiNginxConf,
        '/usr/share/nginx/html/config.json': JSON.stringify({ tenant, project, routesPrefix }, null, 2),
      },
      volumes: [
        { name: 'cache', mountPath: '/var/cache/nginx', emptyDir: {} },
        { name: 'run', mountPath: '/var/run', emptyDir: {} },
      ],
    });

    // KDCube's login service (github.com/CrackUp89/ProxyLogin): it signs users in with the identity
    // provider and keeps sessions in Redis; web-proxy asks it to unmask the session cookies of every
    // protected request. On 8383, the port its sample settings give it: uid 1000 cannot bind 80.
    const proxylogin = new AutoscaledBackend(system, 'proxylogin', {
      image: 'kdcube/proxylogin',
      port: 8383,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      autoscaling: cpuOnly,
      probes: { readiness: { http: '/v1/health' }, liveness: { tcp: 'http' } },
      config: {
        HTTP_PORT: '8383',
        HTTP_URLBASE: `https://${system.environment.domain}/auth`,
        STORAGE_TYPE: 'redis',
        RATELIMITER_STORAGE: 'redis',
        REDIS_KEYPREFIX: `proxylogin:${tenant}:${project}:`,
        TOKEN_COOKIES_DOMAIN: system.environment.domain,
        TOKEN_COOKIES_SAMESITE: 'strict',
        TOKEN_MASQUERADE: 'false',
      },
      env: { REDIS_PASSWORD: redisPassword, REDIS_URL: datastoreEnv.REDIS_URL },
      // Its sessions and rate-limit counters: the Redis policy must admit it.
      connectsTo: [redis],
      // The identity provider's client id and secret, pool and JWKS URLs: made with the namespace.
      secrets: ['proxylogin-secrets'],
    });

    // Everything public enters here. One table drives both OpenResty's locations and the edge's
    // routes, so their body limits, streaming and timeouts agree (the edge's would otherwise cut a
    // 500 MB upload at 10 MB, or a 10-minute stream at 60 s). The edge adds TLS and the per-client
    // limits of the write-up: 10 r/s (2 r/s for uploads). The write-up's burst of 20 is an nginx
    // queue; Envoy Gateway's bucket holds one second's requests, so a client gets 10 at once.
    const tenPerSecond = { requestsPerSecond: 10 };
    const routes: ProxyRoute[] = [
      { path: '/', to: webUi },
      { path: '/config.json', exact: true, to: webUi },
      { path: '/auth/', to: proxylogin, upstreamPath: '/v1/' },
      { path: '/profile', exact: true, to: chatIngress, auth: true },
      { path: '/sse/', to: chatIngress, auth: true, stream: true, maxBodySize: '20m', rateLimit: tenPerSecond },
      { path: '/api/chat/', to: chatIngress, auth: true, stream: true, maxBodySize: '20m', rateLimit: tenPerSecond },
      { path: '/cb/socket.io/', to: chatIngress, upstreamPath: '/socket.io/', auth: true, websocket: true },
      { path: '/api/cb/', to: chatIngress, auth: true, stream: true, maxBodySize: '500m' },
      { path: '/monitoring', to: chatIngress, auth: true, rateLimit: tenPerSecond },
      { path: '/admin/', to: chatIngress, auth: true, maxBodySize: '50m' },
      { path: '/api/opex/', to: chatIngress, auth: true, timeoutSeconds: 86_400 },
      { path: '/api/economics/', to: chatIngress, auth: true },
      { path: '/api/admin/control-plane', to: chatIngress, auth: true, timeoutSeconds: 86_400 },
      { path: '/api/integrations/', to: chatProc.served, auth: true, maxBodySize: '50m' },
      { path: '/admin/integrations/', to: chatProc.served, auth: true, maxBodySize: '50m' },
      { path: '/api/kb/', to: kb, rateLimit: tenPerSecond },
      { path: '/api/kb/upload', to: kb, rateLimit: { requestsPerSecond: 2 } },
    ];
    const upstreams = { web_ui: webUi, chat_api: chatIngress, chat_proc: chatProc.served, kb_api: kb, proxy_login: proxylogin };
    const proxyPort = 8080;
    const webProxy = new WebApp(system, 'web-proxy', {
      image: 'kdcube/kdcube-web-proxy',
      port: proxyPort,
      component: 'proxy',
      files: { '/usr/local/openresty/nginx/conf/nginx.conf': openrestyConf(proxyPort, upstreams, routes) },
      connectsTo: Object.values(upstreams),
      // OpenResty answers /healthz itself: ready as soon as it serves, whatever its upstreams do.
      probes: { readiness: { http: '/healthz' }, liveness: { tcp: 'http' } },
      shutdown: streamDrain,
      // OpenResty's temp files and pid, and the log directory it opens before reading the config.
      volumes: [
        { name: 'openresty-run', mountPath: '/var/run/openresty', emptyDir: {} },
        { name: 'openresty-logs', mountPath: '/usr/local/openresty/nginx/logs', emptyDir: {} },
      ],
    });

    // Schema and tenant setup before the release serves; it waits for the managed database first.
    new MigrationJob(system, 'postgres-setup', {
      app: chatProc,
      command: ['python', 'kdcube_ai_app/ops/deployment/sql/deploy_project.py'],
      // Only the database credentials: the platform Secret holds LLM keys the setup does not need.
      secrets: [],
      env: { ...postgres, TENANT_ID: tenant, PROJECT_ID: project, ...postgresEnv },
      connectsTo: [postgresDb],
      initContainers: [
        {
          name: 'wait-for-postgres',
          image: 'pgvector/pgvector:pg16',
          command: ['sh', '-c', `until pg_isready -h ${postgres.POSTGRES_HOST} -p ${postgres.POSTGRES_PORT}; do echo "waiting for postgres"; sleep 3; done`],
        },
      ],
    });

    // The edge sends every path to web-proxy; it lists those where it must behave unlike its default.
    const special = (r: ProxyRoute) => r.path === '/' || r.stream || r.websocket || r.timeoutSeconds || r.maxBodySize || r.rateLimit;
    new TlsIngress(system, 'edge', {
      maxBodySize: bodyLimit,
      routes: routes.filter(special).map((r): TlsRoute => ({
        path: r.path,
        match: r.exact ? 'Exact' : 'Prefix',
        backend: webProxy,
        rateLimit: r.rateLimit,
        streaming: r.stream ? 'sse' : r.websocket ? 'websocket' : undefined,
        timeoutSeconds: r.timeoutSeconds ?? (r.stream || r.websocket ? streamSeconds : undefined),
        maxBodySize: r.maxBodySize,
      })),
    });
  },
};
