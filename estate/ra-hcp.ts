import { AutoscaledBackend, StatefulService, SystemDefinition, TlsIngress, WebApp } from '../lib';
import { devBuild, standardEnvironments } from './environments';

// Prod runs images by digest, so what was tested is byte for byte what runs.
const prodImages = {
  backend: 'sha256:3f1c2a9b8e7d6c5b4a392817f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b',
  frontend: 'sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9',
};

// One isolated stack per HCP domain: its own namespace, front end, back end and Redis.
const environments = standardEnvironments('hcp', 'example.com', {
  dev: {
    build: devBuild('ra-hcp'),
    domain: 'hcp-ui.dev.example.com',
    workloads: { backend: { minReplicas: 1, maxReplicas: 2 }, frontend: { replicas: 1 } },
    settings: { HCP_DOMAIN: 'dev.hcp.example.com', HCP_VERIFY_SSL: 'false' },
  },
  // Acceptance runs one front end, as in the write-up; the staging tier warns about it rather than failing.
  staging: {
    namespace: 'hcp-acc',
    domain: 'hcp-ui.acc.example.com',
    images: { backend: 'v0.1.0', frontend: 'v0.1.0' },
    workloads: { backend: { minReplicas: 2, maxReplicas: 4 }, frontend: { replicas: 1 } },
    settings: { HCP_DOMAIN: 'acc.hcp.example.com', HCP_VERIFY_SSL: 'true' },
  },
  prod: {
    domain: 'hcp-ui.example.com',
    images: prodImages,
    workloads: {
      backend: { minReplicas: 5, maxReplicas: 10, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
      frontend: { replicas: 2 },
    },
    settings: { HCP_DOMAIN: 'hcp.example.com', HCP_VERIFY_SSL: 'true' },
  },
});

/**
 * ra-hcp: a FastAPI back end for Hitachi Content Platform under gunicorn with one worker per pod (so
 * every process has its own probes), a SvelteKit front end, and a Redis cache only the back end
 * reaches. Secrets (the JWT key, HCP credentials) are in `ra-hcp-secrets`, referenced only.
 */
export const raHcp: SystemDefinition = {
  name: 'ra-hcp',
  environments,
  define: (system) => {
    const origin = `https://${system.environment.domain}`;

    // A cache, as upstream runs it: no persistence, its data in an emptyDir. Every entry can be
    // fetched again from HCP, so a claim would add a disk, a storage class to depend on and a fork
    // per save for nothing the backend cannot rebuild; a restart only costs a colder cache. It is a
    // StatefulService like the estate's other datastores: at most one redis-0 at any moment, and
    // persistence later is one claim volume (then a claim of the replica's own).
    const redis = new StatefulService(system, 'redis', {
      image: 'redis:7.2.4-alpine',
      port: 6379,
      // Redis speaks RESP, not HTTP: its port is named and declared as such.
      service: { portName: 'redis', appProtocol: 'redis' },
      command: ['redis-server', '--save', '', '--appendonly', 'no'],
      probes: { readiness: { exec: ['redis-cli', 'ping'] }, liveness: { tcp: 6379 } },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
      security: { runAsUser: 999, runAsGroup: 999 },
      volumes: [{ name: 'data', mountPath: '/data', emptyDir: {} }],
    });

    // The chart's Services are NodePort by default (backend 30081, frontend 30517), for clusters
    // without an ingress controller. Here the TLS edge serves, so they stay ClusterIP; the chart's
    // option is `service: { type: 'NodePort', nodePort: 30081 }`, which the prod tier refuses.
    const backend = new AutoscaledBackend(system, 'backend', {
      image: 'riksarkivet/ra-hcp',
      command: ['gunicorn', 'app.main:app', '--worker-class', 'uvicorn.workers.UvicornWorker', '--bind', '0.0.0.0:8000'],
      args: ['--workers', '1', '--max-requests', '10000', '--max-requests-jitter', '1000', '--timeout', '120', '--keep-alive', '5', '--access-logfile', '-'],
      autoscaling: { cpuUtilization: 80, memoryUtilization: false },
      probes: {
        startup: { http: '/liveness', periodSeconds: 3, failureThreshold: 10 },
        liveness: { http: '/liveness' },
        // Fails while HCP or Redis is unreachable, taking only this pod out of rotation.
        readiness: { http: '/readiness' },
      },
      // gunicorn's --timeout is 120 s: a slow HCP call may run that long.
      shutdown: { gracePeriodSeconds: 130 },
      env: {
        HCP_DOMAIN: system.setting('HCP_DOMAIN'),
        HCP_VERIFY_SSL: system.setting('HCP_VERIFY_SSL'),
        CORS_ORIGINS: origin,
        REDIS_URL: `redis://${redis.host}:6379/0`,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'ra-hcp-backend',
        OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${system.environment.name}`,
      },
      secrets: ['ra-hcp-secrets'],
      connectsTo: [redis],
    });

    const frontend = new WebApp(system, 'frontend', {
      image: 'riksarkivet/ra-hcp-frontend',
      port: 8000,
      // SvelteKit needs its public origin to accept form posts behind the proxy.
      env: { ORIGIN: origin },
      backends: { BACKEND_URL: backend },
      probes: { readiness: { http: '/' }, liveness: { tcp: 'http' } },
    });

    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/api', backend },
        { path: '/docs', backend },
        { path: '/openapi.json', match: 'Exact', backend },
        { path: '/', backend: frontend },
      ],
    });
  },
};
