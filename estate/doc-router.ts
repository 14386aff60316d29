import { AutoscaledBackend, MigrationJob, SharedConfig, SystemDefinition, TlsIngress, WebApp } from '../lib';
import { standardEnvironments } from './environments';

const release = 'v27.0.1';

const settings = (bucket: string) => ({ S3_BUCKET: bucket, AWS_REGION: 'us-east-1' });

const environments = standardEnvironments('doc-router', 'docrouter.example.com', {
  dev: {
    scaling: { replicas: 0.5, resources: 0.5 },
    // Halving the back end's memory request would make its HPA unable to return to one pod (the check says so).
    workloads: { backend: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } } } },
    settings: settings('doc-router-dev'),
  },
  staging: { images: { frontend: release, backend: release }, settings: settings('doc-router-staging') },
  prod: { images: { frontend: release, backend: release }, settings: settings('doc-router-prod') },
});

/**
 * Doc Router: a Next.js front end and a FastAPI back end with its queue workers inside the API
 * process, behind one nginx ingress. MongoDB and S3 are outside the cluster; their credentials are
 * in the Secret `doc-router-secrets`, created by the deploy script and only referenced here.
 */
export const docRouter: SystemDefinition = {
  name: 'doc-router',
  environments,
  define: (system) => {
    const secrets = ['doc-router-secrets'];
    const origin = `https://${system.environment.domain}`;

    // Both tiers read one ConfigMap of settings; the browser only ever calls the relative /fastapi path.
    const config = new SharedConfig(system, 'doc-router-config', {
      data: {
        ENV: system.environment.name,
        NEXTAUTH_URL: origin,
        PUBLIC_API_URL: `${origin}/fastapi`,
        FASTAPI_ROOT_PATH: '/fastapi',
        N_WORKERS: '4',
        S3_BUCKET: system.setting('S3_BUCKET'),
        AWS_REGION: system.setting('AWS_REGION'),
      },
    });

    const backend = new AutoscaledBackend(system, 'backend', {
      image: 'ghcr.io/analytiq-hub/doc-router-backend',
      // The request was raised from 512Mi to 768Mi to end the HPA deadlock; the baseline keeps it checked.
      resources: { requests: { cpu: '500m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 5, cpuUtilization: 80, memoryUtilization: 80, baselineMemory: '190Mi' },
      probes: {
        liveness: { tcp: 'http', initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 10 },
        readiness: { http: '/docs', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
      },
      // Workers run inside the API process and mark a cancelled job failed; give them a minute to finish first.
      shutdown: { gracePeriodSeconds: 60 },
      configMaps: [config],
      secrets,
    });

    const frontend = new WebApp(system, 'frontend', {
      image: 'ghcr.io/analytiq-hub/doc-router-frontend',
      port: 3000,
      command: ['node', 'frontend/server.js'],
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
      configMaps: [config],
      // Next.js rewrites /fastapi to the back end server-side, inside the cluster, never from the browser.
      config: { FASTAPI_BACKEND_URL: backend.url },
      connectsTo: [backend],
      secrets,
      volumes: [{ name: 'next-cache', mountPath: '/app/frontend/.next/cache', emptyDir: {} }],
    });

    // Migrations finish before the new release rolls out; the new ConfigMap may not exist yet, so Secret only.
    new MigrationJob(system, 'migrate', { app: backend, command: ['python3', 'migrate.py'], backoffLimit: 3 });

    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/fastapi', backend },
        { path: '/', backend: frontend },
      ],
    });
  },
};
