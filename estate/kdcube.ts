import {
  AutoscaledBackend,
  EnvValue,
  MigrationJob,
  PersistentClaim,
  SecurityException,
  SharedConfig,
  SystemDefinition,
  TlsIngress,
  VolumeSpec,
  WebApp,
  Worker,
} from '../lib';
import { standardEnvironments } from './environments';

// Staging and prod run one tested release of every KDCube image; dev follows the newest build.
const release = 'v0.9.2';
const pinned = Object.fromEntries(['web-proxy', 'web-ui', 'chat-ingress', 'chat-proc', 'metrics', 'kb'].map((name) => [name, release]));

// Docker exec mode is KDCube's default for live agent turns: chat-proc runs generated code in sibling
// containers through the node's Docker daemon. Every environment mounts the socket, so dev and
// staging exercise what prod runs; the exception is therefore declared in all three.
const dockerExec: SecurityException = {
  workload: 'chat-proc',
  allow: ['hostPath'],
  reason: 'Docker exec mode: chat-proc starts code-execution containers through the node Docker socket /var/run/docker.sock',
};

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
  dev: { scaling: { replicas: 0.5 }, settings: { TENANT_ID: 'kdcube', PROJECT_ID: 'dev' } },
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
 * (`web-ui`), the chat API with its SSE and Socket.IO streams (`chat-ingress`), the processor that
 * runs agent turns from a Redis queue (`chat-proc`) and the knowledge base (`kb`). `metrics`
 * publishes queue and capacity figures. A Postgres setup job runs before each release.
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
        KDCUBE_STORAGE_PATH: 'file:///kdcube-storage',
        AGENTIC_BUNDLES_ROOT: '/bundles',
        EXEC_WORKSPACE_ROOT: '/exec-workspace',
        LOG_DIR: '/logs',
      },
    });
    const backend = (env: Record<string, string> = {}) => ({
      configMaps: [config],
      secrets: [platformSecret],
      env: { ...env, ...datastoreEnv },
      connectsTo: [redis, postgresDb],
    });

    // Shared by chat-ingress and chat-proc, and chat-proc runs several pods: every claim is RWX.
    const claim = (id: string) => new PersistentClaim(system, id, { size: '10Gi', accessMode: 'ReadWriteMany' });
    const [bundles, storage, workspace, logs] = ['bundles', 'kdcube-storage', 'exec-workspace', 'kdcube-logs'].map(claim);
    const mount = (c: PersistentClaim, mountPath: string, readOnly?: boolean): VolumeSpec => ({ name: c.name, mountPath, claim: c, readOnly });
    // Runtime secrets the services fetch stay in RAM, never on a node's disk.
    const secretsDir: VolumeSpec = { name: 'kdcube-secrets', mountPath: '/kdcube-secrets', emptyDir: { memory: true } };

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
      ...backend({ GATEWAY_COMPONENT: 'ingress', CHAT_APP_PORT: '8010' }),
      volumes: [mount(storage, '/kdcube-storage'), mount(bundles, '/bundles', true), mount(logs, '/logs'), secretsDir],
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
      ...backend({ GATEWAY_COMPONENT: 'proc', CHAT_PROCESSOR_PORT: '8020' }),
      volumes: [
        mount(bundles, '/bundles'),
        mount(storage, '/kdcube-storage'),
        mount(workspace, '/exec-workspace'),
        mount(logs, '/logs'),
        secretsDir,
        { name: 'docker-sock', mountPath: '/var/run/docker.sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
      ],
      // The seed chowned the volumes as root; here fsGroup owns them, and this fails fast, naming the
      // directory, where a share (NFS/EFS ignores fsGroup) is not writable.
      initContainers: [
        {
          name: 'prepare-volumes',
          command: ['sh', '-c', 'for d in /bundles /kdcube-storage /exec-workspace /logs; do [ -w "$d" ] || { echo "$d is not writable by $(id -u):$(id -g)"; exit 1; }; done'],
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
        '/usr/share/nginx/html/config.json': JSON.stringify({ tenant, project, routesPrefix: '/chatbot' }, null, 2),
      },
      volumes: [
        { name: 'cache', mountPath: '/var/cache/nginx', emptyDir: {} },
        { name: 'run', mountPath: '/var/run', emptyDir: {} },
      ],
    });

    // Readiness is the WebApp default, GET /: OpenResty answers it itself (a redirect to /chatbot/chat).
    const webProxy = new WebApp(system, 'web-proxy', {
      image: 'kdcube/kdcube-web-proxy',
      port: 8080,
      component: 'proxy',
      backends: { WEB_UI_URL: webUi, CHAT_INGRESS_URL: chatIngress, CHAT_PROC_URL: chatProc.served, KB_URL: kb },
      shutdown: streamDrain,
      // OpenResty's temp files and pid; the rest of the file system stays read-only.
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

    // Everything enters through web-proxy; the edge adds TLS and the proxy's per-client limit zones
    // (10 r/s with the write-up's burst of 20; 2 r/s for uploads), which OpenResty ships commented out.
    const tenPerSecond = { requestsPerSecond: 10, burst: 20 };
    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/', backend: webProxy },
        { path: '/api/chat/', backend: webProxy, rateLimit: tenPerSecond },
        { path: '/sse/', backend: webProxy, rateLimit: tenPerSecond, streaming: 'sse', timeoutSeconds: 600 },
        { path: '/api/kb/', backend: webProxy, rateLimit: tenPerSecond },
        { path: '/api/kb/upload', backend: webProxy, rateLimit: { requestsPerSecond: 2 } },
        { path: '/monitoring', backend: webProxy, rateLimit: tenPerSecond },
        { path: '/api/cb/socket.io/', backend: webProxy, streaming: 'websocket' },
      ],
    });
  },
};
