/**
 * Generated estates for the benchmark (`npm run bench`): `generatedEstate(n)` is an estate of `n`
 * services spread over the five constructs and the three environments, built only from the public
 * API in `lib/index.ts`, and valid (the synth's checks pass on it, prod-tier rules included).
 *
 * A service is one construct instance synthesized into one environment. Services come in systems of
 * five, one of each construct (an AutoscaledBackend, a Worker on KEDA, a WebApp, a MigrationJob and
 * a TlsIngress in front of the back end and the web app); system `k` is deployed to dev, staging or
 * prod in turn (`k mod 3`), in its own namespace. When `n` is not a multiple of five, the last
 * system has the first `n mod 5` of them, in that order.
 *
 * As a script, `tsx tools/generated-estate.ts N OUTDIR` synthesizes an estate of N services into
 * OUTDIR (its staging copy goes to `OUTDIR.staging`) and prints the summary.
 */
import { AutoscaledBackend, EnvironmentInput, MigrationJob, SharedConfig, SystemDefinition, Tier, TlsIngress, WebApp, Worker, runSynth } from '../lib';

/** The five constructs, in the order a system gets them. */
export const GENERATED_CONSTRUCTS = ['AutoscaledBackend', 'Worker', 'WebApp', 'MigrationJob', 'TlsIngress'] as const;

/** The construct of a generated service. */
export type GeneratedConstruct = (typeof GENERATED_CONSTRUCTS)[number];

/** The three environments the systems are spread over. */
export const GENERATED_TIERS: readonly Tier[] = ['dev', 'staging', 'prod'];

/** One generated service: which construct, in which system and environment. */
export interface GeneratedService {
  readonly system: string;
  readonly environment: Tier;
  readonly construct: GeneratedConstruct;
  /** The construct's id, which is also the workload's name (`backend`, `worker`, `web`, `migrate`, `edge`). */
  readonly name: string;
}

const NAMES: Record<GeneratedConstruct, string> = {
  AutoscaledBackend: 'backend',
  Worker: 'worker',
  WebApp: 'web',
  MigrationJob: 'migrate',
  TlsIngress: 'edge',
};

const delivery = { flavour: 'flux', repository: { url: 'https://github.com/example/generated-estate' } } as const;

/** The plan of `generatedEstate(n)`: every service, system by system. */
export function generatedServices(n: number): GeneratedService[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`a generated estate needs a whole number of services, at least 1; got ${n}`);
  const services: GeneratedService[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / GENERATED_CONSTRUCTS.length);
    const construct = GENERATED_CONSTRUCTS[i % GENERATED_CONSTRUCTS.length];
    services.push({ system: systemName(k), environment: GENERATED_TIERS[k % GENERATED_TIERS.length], construct, name: NAMES[construct] });
  }
  return services;
}

/** An estate of `n` services (see the module comment). */
export function generatedEstate(n: number): SystemDefinition[] {
  const bySystem = new Map<string, GeneratedService[]>();
  for (const service of generatedServices(n)) bySystem.set(service.system, [...(bySystem.get(service.system) ?? []), service]);
  return [...bySystem.values()].map((services) => generatedSystem(services[0].system, services[0].environment, services.length));
}

function systemName(k: number): string {
  return `svc${String(k).padStart(4, '0')}`;
}

/** A system with the first `count` (1 to 5) of the five constructs, in one environment of `tier`. */
function generatedSystem(name: string, tier: Tier, count: number): SystemDefinition {
  const release = `v1.${name.slice(3)}.0`;
  const has = (construct: GeneratedConstruct) => GENERATED_CONSTRUCTS.indexOf(construct) < count;
  const environment: EnvironmentInput = {
    name: tier,
    tier,
    namespace: `${name}-${tier}`,
    domain: tier === 'prod' ? `${name}.example.com` : `${name}.${tier}.example.com`,
    tls: { issuer: tier === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging' },
    ...(has('TlsIngress')
      ? { acknowledge: [{ warning: 'gateway-http01-solver', reason: 'the issuers of the generated estate solve HTTP-01 through each Gateway' }] }
      : {}),
    ...(tier === 'dev' ? { scaling: { replicas: 0.5 } } : {}),
    // Prod runs pinned releases; the other tiers run what the constructs name.
    ...(tier === 'prod' ? { images: { backend: release, worker: release, web: release } } : {}),
    settings: { LOG_LEVEL: tier === 'prod' ? 'info' : 'debug' },
    // A controller configured for the edge's security headers, so each edge sets them (and warns of nothing).
    ingressController: {
      namespace: 'ingress-nginx',
      allowedResponseHeaders: ['Strict-Transport-Security', 'X-Content-Type-Options', 'X-Frame-Options', 'Referrer-Policy'],
    },
    delivery,
  };
  return {
    name,
    environments: [environment],
    define: (system) => {
      const secrets = [`${name}-secrets`];
      const config = new SharedConfig(system, `${name}-config`, {
        data: { SYSTEM: name, ENV: system.environment.name, LOG_LEVEL: system.setting('LOG_LEVEL') },
      });
      const backend = new AutoscaledBackend(system, NAMES.AutoscaledBackend, {
        image: `registry.example.com/${name}/api:v1.0.0`,
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 75, memoryUtilization: 80, baselineMemory: '200Mi' },
        probes: { liveness: { http: '/healthz/live' }, readiness: { http: '/healthz/ready' } },
        shutdown: { gracePeriodSeconds: 45 },
        configMaps: [config],
        secrets,
      });
      if (has('Worker')) {
        new Worker(system, NAMES.Worker, {
          image: `registry.example.com/${name}/worker:v1.0.0`,
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          scaling: { minReplicas: 2, maxReplicas: 8, redisList: { address: `redis.${name}-${tier}.svc.cluster.local:6379`, listName: `${name}:jobs` } },
          probes: { liveness: { exec: ['celery', 'inspect', 'ping'] } },
          longestJobSeconds: 300,
          command: ['celery', '-A', 'app', 'worker'],
          configMaps: [config],
          secrets,
        });
      }
      let web: WebApp | undefined;
      if (has('WebApp')) {
        web = new WebApp(system, NAMES.WebApp, {
          image: `registry.example.com/${name}/web:v1.0.0`,
          port: 3000,
          replicas: 2,
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
          probes: { liveness: { http: '/api/live' }, readiness: { http: '/api/ready' } },
          backends: { API_URL: backend },
          configMaps: [config],
        });
      }
      if (has('MigrationJob')) {
        new MigrationJob(system, NAMES.MigrationJob, { app: backend, command: ['alembic', 'upgrade', 'head'], backoffLimit: 2 });
      }
      if (has('TlsIngress') && web) {
        new TlsIngress(system, NAMES.TlsIngress, {
          routes: [
            { path: '/api', backend },
            { path: '/', backend: web },
          ],
        });
      }
    },
  };
}

if (require.main === module) {
  const [count, outdir] = process.argv.slice(2);
  if (!count || !outdir) {
    console.error('usage: tsx tools/generated-estate.ts SERVICES OUTDIR');
    process.exit(2);
  }
  runSynth(generatedEstate(Number(count)), { outdir, stagingDir: `${outdir}.staging` });
}
