import { AutoscaledBackend, EnvironmentInput, MigrationJob, SystemDefinition, TlsIngress, WebApp } from '@shipshape-k8s/shipshape';

/** Where Flux reads dist/ from: the repository this app lives in. */
const delivery = { flavour: 'flux', repository: { url: 'https://github.com/example/notes-deploy' } } as const;

const environments: EnvironmentInput[] = [
  {
    name: 'dev',
    tier: 'dev',
    namespace: 'notes-dev',
    domain: 'dev.notes.example.com',
    tls: { issuer: 'letsencrypt-staging' },
    // The tag of the build CI pushed: every untagged image runs it, and the migration runs once per build.
    build: 'sha-4b825dc',
    delivery,
  },
  {
    name: 'prod',
    tier: 'prod',
    namespace: 'notes-prod',
    domain: 'notes.example.com',
    tls: { issuer: 'letsencrypt-prod' },
    // One pin for every workload that runs this image: the API and its migration.
    images: { 'ghcr.io/example/notes-api': 'v1.0.0', web: 'v1.0.0' },
    delivery,
  },
];

/** The notes system: a web front end and an API behind TLS, and the API's database migration. */
export const notes: SystemDefinition = {
  name: 'notes',
  environments,
  define: (system) => {
    const api = new AutoscaledBackend(system, 'api', {
      image: 'ghcr.io/example/notes-api',
      probes: { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } },
      secrets: ['notes-secrets'],
    });
    const web = new WebApp(system, 'web', { image: 'ghcr.io/example/notes-web', backends: { API_URL: api } });
    new MigrationJob(system, 'migrate', { app: api, command: ['alembic', 'upgrade', 'head'] });
    new TlsIngress(system, 'edge', {
      routes: [
        { path: '/api', backend: api },
        { path: '/', backend: web },
      ],
    });
  },
};
