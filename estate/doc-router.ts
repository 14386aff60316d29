import { AutoscaledBackend, MigrationJob, SharedConfig, SystemDefinition, TlsIngress, WebApp } from '../lib';
import { devBuild, standardEnvironments } from './environments';

const release = 'v27.0.1';

const settings = (bucket: string) => ({ AWS_S3_BUCKET_NAME: bucket, AWS_REGION: 'us-east-1' });

const environments = standardEnvironments('doc-router', 'docrouter.example.com', {
  dev: {
    build: devBuild('doc-router'),
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
        // The name the application reads (app/startup.py), as the chart's ConfigMap writes it.
        AWS_S3_BUCKET_NAME: system.setting('AWS_S3_BUCKET_NAME'),
        AWS_REGION: system.setting('AWS_REGION'),
      },
    });

    // The image has no CMD: the chart starts uvicorn from the Python package directory. uvicorn takes
    // its --workers from WEB_CONCURRENCY, which `processes` sets (one per pod, the chart's N_UVICORN_WORKERS).
    const python = '/app/packages/python';
    const backend = new AutoscaledBackend(system, 'backend', {
      image: 'ghcr.io/analytiq-hub/doc-router-backend',
      command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
      workingDir: python,
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
    // migrate.py sits in the Python package directory, where the chart's hook runs it.
    // Revision 2: the migration now starts in the package directory, where migrate.py is.
    new MigrationJob(system, 'migrate', { app: backend, command: ['python3', 'migrate.py'], workingDir: python, backoffLimit: 3, revision: 2 });

    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/fastapi', backend },
        { path: '/', backend: frontend },
      ],
    });
  },
};
