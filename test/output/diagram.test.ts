import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistentClaim, SystemDefinition, TlsIngress, WebApp, Worker, renderEstate } from '../../lib';
import { environmentDiagram } from '../../lib/output/diagram';
import { systems } from '../../estate';
import { environment } from '../helpers';

const DIST = path.join(__dirname, '..', '..', 'dist');
const PARSER = path.join(__dirname, '..', 'support', 'parse-mermaid.mjs');

/** The Mermaid source inside a README. */
function mermaidOf(readme: string): string {
  const match = /```mermaid\n([\s\S]*?)```/.exec(readme);
  expect(match, 'the README holds a mermaid block').not.toBeNull();
  return match![1];
}

/** Mermaid's own parser's verdict on each diagram: null when it parses, else the error. */
function parseMermaid(sources: readonly string[]): (string | null)[] {
  return JSON.parse(execFileSync('node', [PARSER], { input: JSON.stringify(sources), encoding: 'utf8' }));
}

/**
 * A front end calling an API, a Redis datastore behind the API, a queue worker scaled by KEDA on that
 * Redis, a Postgres another chart runs, metrics for monitoring, a shared claim, and an edge of the given flavour.
 */
function shop(flavour: 'ingress-nginx' | 'gateway', gateway?: { name: string; namespace: string }): SystemDefinition {
  return {
    name: 'shop',
    environments: [
      environment('staging', { gateway, externalServices: { postgres: { port: 5432, podSelector: { 'app.kubernetes.io/name': 'postgresql' } } } }),
    ],
    define: (system) => {
      const files = new PersistentClaim(system, 'files', { size: '5Gi', accessMode: 'ReadWriteMany' });
      const redis = new Worker(system, 'redis', {
        image: 'redis:7.2',
        port: 6379,
        singleton: true,
        probes: { liveness: { tcp: 6379 }, readiness: { tcp: 6379 } },
      });
      const api = new WebApp(system, 'api', {
        image: 'ghcr.io/example/api:v1',
        port: 8000,
        connectsTo: [redis.served, system.externalService('postgres')],
        metrics: { port: 9464 },
        volumes: [{ name: 'files', mountPath: '/files', claim: files }],
      });
      new Worker(system, 'jobs', {
        image: 'ghcr.io/example/api:v1',
        scaling: { maxReplicas: 3, redisList: { server: redis.served, listName: 'jobs' } },
        volumes: [{ name: 'files', mountPath: '/files', claim: files }],
      });
      const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1', backends: { API_URL: api } });
      new TlsIngress(system, 'edge', {
        flavour,
        routes: [
          { path: '/api', backend: api },
          { path: '/healthz', match: 'Exact', backend: api },
          { path: '/', backend: web },
        ],
      });
    },
  };
}

function diagramOf(definition: SystemDefinition): string {
  return mermaidOf(renderEstate([definition]).files.get('staging/README.md')!);
}

describe('the picture of an environment (dist/<env>/README.md)', () => {
  const ingress = diagramOf(shop('ingress-nginx'));
  const gateway = diagramOf(shop('gateway'));
  const shared = diagramOf(shop('gateway', { name: 'public', namespace: 'gateway-system' }));

  // One parser process for every diagram (loading Mermaid and jsdom takes seconds), the broken one last.
  const committed = fs.readdirSync(DIST).filter((env) => fs.existsSync(path.join(DIST, env, 'README.md')));
  const sources = [ingress, gateway, shared, ...committed.map((env) => mermaidOf(fs.readFileSync(path.join(DIST, env, 'README.md'), 'utf8')))];
  const broken = `${ingress}\n  a -->| b`;
  let verdicts: (string | null)[] | undefined;
  const parsed = () => (verdicts ??= parseMermaid([...sources, broken]));

  it("is valid Mermaid by Mermaid's own parser, for both edge flavours and every committed environment", () => {
    expect(committed.sort(), 'every environment directory has its picture').toEqual(['dev', 'prod', 'staging']);
    expect(parsed().slice(0, sources.length)).toEqual(sources.map(() => null));
  });

  it("the parser check can fail: a broken edge is Mermaid's error, not silence", () => {
    expect(parsed()[sources.length]).toMatch(/Parse error/);
  });

  it('draws the edge chain: internet → ingress controller → host → routes by path → Services → workloads', () => {
    expect(ingress).toContain('internet -->|"HTTPS"| peers__ingress_nginx');
    expect(ingress).toContain('peers__ingress_nginx --> shop_staging__edge__edge');
    expect(ingress).toContain('shop_staging__edge__edge{{"staging.shop.example.com<br/>Ingress edge"}}');
    expect(ingress).toContain('shop_staging__edge__edge -->|"/api"| shop_staging__Service__api');
    expect(ingress).toContain('shop_staging__edge__edge -->|"= /healthz"| shop_staging__Service__api');
    expect(ingress).toContain('shop_staging__edge__edge -->|"/"| shop_staging__Service__web');
    expect(ingress).toContain('shop_staging__Service__api --> shop_staging__Deployment__api');
  });

  it("draws the Gateway edge: internet → the Gateway's data plane → the system's Gateway and its listeners → routes → Services", () => {
    expect(gateway).toContain('internet -->|"HTTP, HTTPS"| peers__envoy_gateway_system__gateway__shop');
    expect(gateway).toContain('peers__envoy_gateway_system__gateway__shop(("Gateway shop data plane (namespace envoy-gateway-system)"))');
    expect(gateway).toContain('peers__envoy_gateway_system__gateway__shop --> shop_staging__Gateway__shop');
    expect(gateway).toContain(
      'shop_staging__Gateway__shop{{"Gateway shop<br/>class eg<br/>HTTP staging.shop.example.com:80<br/>HTTPS staging.shop.example.com:443"}}',
    );
    expect(gateway).toContain('shop_staging__Gateway__shop -->|"https-staging.shop.example.com"| shop_staging__HTTPRoute__edge');
    expect(gateway).toContain('shop_staging__Gateway__shop -->|"http-staging.shop.example.com"| shop_staging__HTTPRoute__edge_redirect');
    expect(gateway).toContain('shop_staging__HTTPRoute__edge_redirect{{"staging.shop.example.com<br/>HTTPRoute edge-redirect<br/>redirects 308 to https"}}');
    expect(gateway).toContain('shop_staging__HTTPRoute__edge -->|"/api · body ≤ 10Mi · 60s"| shop_staging__Service__api');
    expect(gateway).toContain('shop_staging__HTTPRoute__edge -->|"= /healthz · body ≤ 10Mi · 60s"| shop_staging__Service__api');
    expect(gateway).not.toContain('Ingress');
  });

  it("draws a ListenerSet on the environment's shared Gateway", () => {
    expect(shared).toContain(
      'shop_staging__ListenerSet__shop{{"ListenerSet shop<br/>on Gateway gateway-system/public<br/>HTTP staging.shop.example.com:80<br/>HTTPS staging.shop.example.com:443"}}',
    );
    expect(shared).toContain('peers__envoy_gateway_system__gateway__public --> shop_staging__ListenerSet__shop');
    expect(shared).toContain('shop_staging__ListenerSet__shop -->|"https-staging.shop.example.com"| shop_staging__HTTPRoute__edge');
  });

  it('draws every connection a NetworkPolicy allows, with its port, and no others; outside pods by what they are', () => {
    expect(ingress).toContain('peers__keda__keda_operator(("keda-operator (namespace keda)"))');
    expect(ingress).toContain('peers__monitoring__monitoring(("monitoring (namespace monitoring)"))');
    expect(ingress).toContain('shop_staging__external__postgres("postgres<br/>external service")');
    expect(ingress).toContain('shop_staging__acme_solver("ACME HTTP-01 solver<br/>cert-manager, on demand")');
    const allowed = ingress
      .split('\n')
      .filter((line) => line.includes('-.->'))
      .map((line) => line.trim());
    expect(allowed).toEqual([
      'peers__ingress_nginx -.->|"allow :3000"| shop_staging__Deployment__web',
      'peers__ingress_nginx -.->|"allow :8000"| shop_staging__Deployment__api',
      'peers__ingress_nginx -.->|"allow :8089"| shop_staging__acme_solver',
      'peers__keda__keda_operator -.->|"allow :6379"| shop_staging__Deployment__redis',
      'peers__monitoring__monitoring -.->|"allow :9464"| shop_staging__Deployment__api',
      'shop_staging__Deployment__api -.->|"allow :5432"| shop_staging__external__postgres',
      'shop_staging__Deployment__api -.->|"allow :6379"| shop_staging__Deployment__redis',
      'shop_staging__Deployment__jobs -.->|"allow :6379"| shop_staging__Deployment__redis',
      'shop_staging__Deployment__web -.->|"allow :8000"| shop_staging__Deployment__api',
    ]);
  });

  it('shows datastores and claims as cylinders, workloads no Service reaches apart, and who sets the replica count', () => {
    expect(ingress).toContain('shop_staging__Deployment__api["api<br/>Deployment ×2"]');
    expect(ingress).toContain('shop_staging__Deployment__redis[("redis<br/>Deployment · singleton")]');
    expect(ingress).toContain('shop_staging__Deployment__jobs[["jobs<br/>Deployment · KEDA 1–3"]]');
    expect(ingress).toContain('shop_staging__PersistentVolumeClaim__files[("files<br/>5Gi ReadWriteMany")]');
    expect(ingress).toContain('shop_staging__Deployment__api -->|"mounts"| shop_staging__PersistentVolumeClaim__files');
    expect(ingress).toContain('shop_staging__Deployment__jobs -->|"mounts"| shop_staging__PersistentVolumeClaim__files');
    expect(ingress).toContain('subgraph ns__shop_staging["shop · namespace shop-staging"]');
  });

  it('draws a NodePort Service with its node port, and any address as allowed to reach the workload', () => {
    const nodePort: SystemDefinition = {
      name: 'shop',
      environments: [environment('staging')],
      define: (system) => void new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1', service: { type: 'NodePort', nodePort: 30517 } }),
    };
    const diagram = diagramOf(nodePort);
    expect(diagram).toContain('shop_staging__Service__web(["svc web<br/>:3000<br/>NodePort :30517"])');
    expect(diagram).toContain('anywhere(("any address"))');
    expect(diagram).toContain('anywhere -.->|"allow :3000"| shop_staging__Deployment__web');
    expect(parseMermaid([diagram])).toEqual([null]);
  });

  it('is the same text whatever order the objects come in', () => {
    const objects = [...renderEstate([shop('gateway')]).objects.get('staging')!];
    expect(environmentDiagram('staging', [...objects].reverse())).toBe(environmentDiagram('staging', objects));
  });

  it('labels the reference estate routes with their limits and streaming settings', () => {
    const prod = renderEstate(systems).files.get('prod/README.md')!;
    expect(prod).toContain('kdcube_prod__HTTPRoute__edge -->|"/sse/ · 10 r/s · body ≤ 20Mi · 600s"| kdcube_prod__Service__web_proxy');
    expect(prod).toContain('kdcube_prod__HTTPRoute__edge -->|"/api/kb/upload · 2 r/s · body ≤ 10Mi · 60s"| kdcube_prod__Service__web_proxy');
  });
});
