import { EnvironmentInput, SharedConfig, SystemDefinition, WebApp } from '../lib';

const environments: EnvironmentInput[] = [
  {
    name: 'dev',
    tier: 'dev',
    namespace: 'storefront-dev',
    domain: 'dev.shop.example.com',
    tls: { issuer: 'letsencrypt-staging' },
    scaling: { replicas: 0.5, resources: 0.5 },
  },
  {
    name: 'staging',
    tier: 'staging',
    namespace: 'storefront-staging',
    domain: 'staging.shop.example.com',
    tls: { issuer: 'letsencrypt-staging' },
    images: { web: 'v1.4.0' },
  },
  {
    name: 'prod',
    tier: 'prod',
    namespace: 'storefront-prod',
    domain: 'shop.example.com',
    tls: { issuer: 'letsencrypt-prod' },
    images: { web: 'v1.4.0' },
    workloads: { web: { replicas: 3 } },
  },
];

/** A small example: a server-rendered shop front end reading shared config and an existing Secret. */
export const storefront: SystemDefinition = {
  name: 'storefront',
  environments,
  define: (system) => {
    const settings = new SharedConfig(system, 'storefront-settings', {
      data: { PUBLIC_ORIGIN: `https://${system.environment.domain}`, LOG_LEVEL: 'info' },
    });
    new WebApp(system, 'web', {
      image: 'ghcr.io/example/storefront-web:v1.3.2',
      port: 3000,
      configMaps: [settings],
      secrets: ['storefront-secrets'],
      probes: { readiness: { http: '/api/ready' }, liveness: { http: '/api/live' } },
    });
  },
};
