import { describe, expect, it } from 'vitest';
import { AutoscaledBackend } from '../../lib/autoscaled-backend';
import { MigrationJob } from '../../lib/migration-job';
import { WebApp } from '../../lib/web-app';
import { EnvironmentInput } from '../../lib/environment';
import { environment, errors, find, synth, testSystem } from '../helpers';

const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;
const DNS = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
const dnsPorts = [
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
];

function define(env: EnvironmentInput) {
  const system = testSystem(env);
  const api = new AutoscaledBackend(system, 'api', {
    image: 'ghcr.io/example/api:v1',
    probes: PROBES,
    connectsTo: [system.externalService('postgres'), system.externalService('redis')],
    egress: [
      { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'], ports: [443] },
      { namespace: 'search', podSelector: { app: 'opensearch' }, ports: [9200] },
    ],
  });
  new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1', backends: { API_URL: api } });
  return system;
}

const services = {
  postgres: { port: 5432, externalName: 'db.example.com', cidrs: ['10.20.0.0/16'] },
  redis: { port: 6379, podSelector: { 'app.kubernetes.io/name': 'redis' } },
};

describe('egress NetworkPolicies', () => {
  it('writes none unless the environment enforces egress: the output is as before', () => {
    const objects = synth(define(environment('dev', { externalServices: services })));
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.policyTypes.includes('Egress'))).toEqual([]);
  });

  it('limits each workload to DNS, its wiring and its declared destinations', () => {
    const objects = synth(define(environment('dev', { externalServices: services, egress: { enforce: true } })));
    const api = find(objects, 'NetworkPolicy', 'egress-api').spec;
    expect(api.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop' });
    expect(api.policyTypes).toEqual(['Egress']);
    expect(api.egress).toEqual([
      { to: [DNS], ports: dnsPorts },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'search' } }, podSelector: { matchLabels: { app: 'opensearch' } } }],
        ports: [{ port: 9200, protocol: 'TCP' }],
      },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ]);
    expect(find(objects, 'NetworkPolicy', 'egress-web').spec.egress).toEqual([
      { to: [DNS], ports: dnsPorts },
      {
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
  });

  it('isolates a migration Job too, with the DNS the environment names', () => {
    const env = environment('dev', { externalServices: services, egress: { enforce: true, dns: { namespace: 'dns', podSelector: { app: 'coredns' } } } });
    const system = testSystem(env);
    const api = new AutoscaledBackend(system, 'api', { image: 'ghcr.io/example/api:v1', probes: PROBES });
    new MigrationJob(system, 'migrate', { app: api, command: ['migrate'], connectsTo: [system.externalService('postgres')] });
    const rules = find(synth(system), 'NetworkPolicy', 'egress-migrate').spec.egress;
    expect(rules[0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } },
    ]);
    expect(rules[1]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
  });

  it('asks for the address ranges of a host outside the cluster, and refuses malformed destinations', () => {
    const env = environment('dev', { externalServices: { ...services, postgres: { port: 5432, externalName: 'db.example.com' } }, egress: { enforce: true } });
    expect(errors(define(env)).join('\n')).toMatch(
      /dev\.externalServices\.postgres\.cidrs: "api" connects to "postgres" outside the cluster \(db\.example\.com\).*Fix: give the address ranges of db\.example\.com as cidrs/,
    );
    const system = testSystem();
    new WebApp(system, 'web', {
      image: 'ghcr.io/example/web:v1',
      egress: [
        { cidr: '10.0.0.0', ports: [443] },
        { namespace: 'search', ports: [] },
      ] as any,
    });
    const text = errors(system).join('\n');
    expect(text).toMatch(/WebApp "web": egress\[0\]\.cidr: must be a CIDR block such as "10\.0\.0\.0\/8"/);
    expect(text).toMatch(/WebApp "web": egress\[1\]\.ports: give the TCP ports the workload connects to/);
  });
});
