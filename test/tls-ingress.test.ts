import { describe, expect, it } from 'vitest';
import { App, Yaml } from 'cdk8s';
import { TlsIngress, TlsIngressProps } from '../lib/tls-ingress';
import { WebApp } from '../lib/web-app';
import { SystemChart } from '../lib/system-chart';
import type { KubeObject } from '../lib/output/output';
import { CONFIG_CHECKSUM_ANNOTATION } from '../lib/core/workload';
import { defineEnvironment } from '../lib/environment';
import { sortWarnings } from '../lib/core/acknowledgements';
import { collectRaisedWarnings } from '../lib/core/issues';
import { environment, errors, find, ofKind, synth, testSystem, warnings as allWarnings } from './helpers';

/** The warnings of a system other than the ingress-nginx retirement, which its own tests assert. */
// The retired-controller and HTTP-01 solver warnings have tests of their own.
const warnings = (system: SystemChart) => allWarnings(system).filter((w) => !/\[(ingress-nginx-retired|gateway-http01-solver)\]/.test(w));

const IMAGE = 'ghcr.io/example/app:v1.2.3';
const NGINX = 'nginx.ingress.kubernetes.io/';
const SECURITY_HEADERS = ['Strict-Transport-Security', 'X-Content-Type-Options', 'X-Frame-Options', 'Referrer-Policy'];
/** An environment whose ingress-nginx lists every security header in global-allowed-response-headers. */
const allowing = (headers = SECURITY_HEADERS) => environment('dev', { ingressController: { namespace: 'ingress-nginx', allowedResponseHeaders: headers } });

/** A system with a front end `web` (3000) and a back end `api` (8000). */
function shop(env = environment()) {
  const system = testSystem(env);
  const api = new WebApp(system, 'api', { image: IMAGE, port: 8000 });
  const web = new WebApp(system, 'web', { image: IMAGE });
  return { system, api, web };
}

/** The usual edge: `/api` → api, `/` → web, plus `extra` props. */
function edge(extra: (s: ReturnType<typeof shop>) => Partial<TlsIngressProps> = () => ({}), env = environment()) {
  const s = shop(env);
  const props = {
    routes: [
      { path: '/api', backend: s.api },
      { path: '/', backend: s.web },
    ],
    ...extra(s),
  } as TlsIngressProps;
  const ingress = new TlsIngress(s.system, 'edge', props);
  return { ...s, ingress };
}

/** The usual edge with flavour ingress-nginx. */
function nginxEdge(extra: (s: ReturnType<typeof shop>) => Partial<TlsIngressProps> = () => ({}), env = environment()) {
  return edge((s) => ({ flavour: 'ingress-nginx', ...extra(s) }), env);
}

const paths = (ingress: KubeObject) =>
  ingress.spec.rules[0].http.paths.map((p: KubeObject) => [p.path, p.pathType, p.backend.service.name, p.backend.service.port.number]);

describe('TlsIngress', () => {
  describe('flavour ingress-nginx', () => {
    const edge = nginxEdge;
    it('serves the bare environment domain by default and a label prepended to it', () => {
      const bare = edge();
      expect(bare.ingress.hosts).toEqual(['dev.shop.example.com']);
      expect(bare.ingress.urls).toEqual(['https://dev.shop.example.com']);

      const api = edge(() => ({ host: 'api' }), environment('prod'));
      expect(api.ingress.hosts).toEqual(['api.shop.example.com']);
      const ingress = find(synth(api.system), 'Ingress', 'edge');
      expect(ingress.spec.rules.map((r: KubeObject) => r.host)).toEqual(['api.shop.example.com']);
    });

    it('serves several hosts, labels and full names inside the domain', () => {
      const { ingress, system } = edge(() => ({ hosts: ['www', 'dev.shop.example.com', 'docs.dev.shop.example.com'] }));
      expect(ingress.hosts).toEqual(['www.dev.shop.example.com', 'dev.shop.example.com', 'docs.dev.shop.example.com']);
      const object = find(synth(system), 'Ingress', 'edge');
      expect(object.spec.rules.map((r: KubeObject) => r.host)).toEqual(ingress.hosts);
      expect(object.spec.tls).toEqual([{ hosts: ingress.hosts, secretName: 'edge-tls' }]);
    });

    it('routes Prefix and Exact paths to the right Service and port', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api', backend: s.api, port: 8000 },
          { path: '/healthz', match: 'Exact', backend: s.api },
          { path: '/', backend: s.web },
        ],
      }));
      const ingress = find(synth(system), 'Ingress', 'edge');
      expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(paths(ingress)).toEqual([
        ['/api', 'Prefix', 'api', 8000],
        ['/healthz', 'Exact', 'api', 8000],
        ['/', 'Prefix', 'web', 3000],
      ]);
    });

    it('gives its objects stable names, the edge labels and the system namespace', () => {
      const objects = synth(edge().system);
      const mine = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'edge');
      expect(mine.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Certificate/edge-tls', 'Ingress/edge']);
      for (const o of mine) {
        expect(o.metadata.namespace).toBe('shop-dev');
        expect(o.metadata.labels).toEqual({
          'app.kubernetes.io/name': 'edge',
          'app.kubernetes.io/instance': 'shop',
          'app.kubernetes.io/component': 'edge',
          'app.kubernetes.io/part-of': 'shop',
          'app.kubernetes.io/managed-by': 'shipshape',
        });
      }
    });

    it('requests a certificate from the environment issuer: staging in dev, prod in prod', () => {
      const dev = find(synth(edge().system), 'Certificate', 'edge-tls');
      expect(dev.apiVersion).toBe('cert-manager.io/v1');
      expect(dev.spec).toEqual({
        secretName: 'edge-tls',
        dnsNames: ['dev.shop.example.com'],
        issuerRef: { name: 'letsencrypt-staging', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      });

      const prod = find(synth(edge(() => ({ hosts: ['www', 'shop.example.com'] }), environment('prod')).system), 'Certificate', 'edge-tls');
      expect(prod.spec.dnsNames).toEqual(['www.shop.example.com', 'shop.example.com']);
      expect(prod.spec.issuerRef).toEqual({ name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' });

      const namespaced = find(
        synth(edge(() => ({}), environment('staging', { tls: { issuer: 'team-ca', kind: 'Issuer' } })).system),
        'Certificate',
        'edge-tls',
      );
      expect(namespaced.spec.issuerRef).toEqual({ name: 'team-ca', kind: 'Issuer', group: 'cert-manager.io' });
      // The Certificate object, not the ingress-shim annotation, carries the issuer.
      expect(JSON.stringify(synth(edge().system))).not.toContain('cert-manager.io/cluster-issuer');
    });

    it('on a stock controller (the default) names no custom-headers, which would make ingress-nginx answer 503, and warns which headers are not set', () => {
      const { system, ingress } = edge();
      const objects = synth(system);
      expect(find(objects, 'Ingress', 'edge').metadata.annotations).toEqual({
        [`${NGINX}force-ssl-redirect`]: 'true',
        [`${NGINX}proxy-body-size`]: '10m',
      });
      expect(ofKind(objects, 'ConfigMap')).toEqual([]);
      expect(ingress.headersConfigMap).toBeUndefined();
      expect(JSON.stringify(objects)).not.toMatch(/snippet|custom-headers/);
      const [warning, ...others] = warnings(system);
      expect(others).toEqual([]);
      expect(warning).toContain(
        'TlsIngress "edge": dev.ingressController.allowedResponseHeaders: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, Referrer-Policy are not set by this edge',
      );
      expect(warning).toContain("ingress-nginx's own hsts setting, on by default, still sends Strict-Transport-Security");
      expect(warning).toContain('answers 503');
      expect(warning).toMatch(
        /Fix: add Strict-Transport-Security,X-Content-Type-Options,X-Frame-Options,Referrer-Policy to the controller's global-allowed-response-headers and to ingressController.allowedResponseHeaders in the dev environment; or .*add-headers; or use flavour 'gateway'/,
      );
    });

    it('sets only the headers the controller allows, named as the environment spells them, and warns about the rest', () => {
      const { system } = edge(() => ({ hsts: false }), allowing(['x-frame-options', 'X-Content-Type-Options']));
      const objects = synth(system);
      expect(find(objects, 'ConfigMap', 'edge-headers').data).toEqual({ 'X-Content-Type-Options': 'nosniff', 'x-frame-options': 'DENY' });
      expect(find(objects, 'Ingress', 'edge').metadata.annotations[`${NGINX}custom-headers`]).toBe('shop-dev/edge-headers');
      const [warning, ...others] = warnings(system);
      expect(others).toEqual([]);
      expect(warning).toContain(': Referrer-Policy is not set by this edge: current ingress-nginx');
      expect(warning, 'no HSTS is asked for, so none is said to come from the controller').not.toContain('hsts setting');
    });

    it('redirects to HTTPS, limits the body size and sends HSTS and security headers from a ConfigMap where the controller allows them', () => {
      const { system } = edge(() => ({}), allowing());
      expect(warnings(system)).toEqual([]);
      const objects = synth(system);
      const annotations = find(objects, 'Ingress', 'edge').metadata.annotations;
      expect(annotations).toEqual({
        [CONFIG_CHECKSUM_ANNOTATION]: expect.stringMatching(/^[0-9a-f]{64}$/),
        [`${NGINX}custom-headers`]: 'shop-dev/edge-headers',
        [`${NGINX}force-ssl-redirect`]: 'true',
        [`${NGINX}proxy-body-size`]: '10m',
      });
      expect(JSON.stringify(objects)).not.toMatch(/snippet/);
      expect(find(objects, 'ConfigMap', 'edge-headers').data).toEqual({
        'Referrer-Policy': 'strict-origin-when-cross-origin',
        'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
      });
    });

    it('changes each default in one line: class, body size, HSTS and frame options', () => {
      const { system } = edge(
        () => ({ className: 'nginx-internal', maxBodySize: '1g', hsts: { maxAgeSeconds: 63072000, preload: true }, frameOptions: 'SAMEORIGIN' }),
        allowing(),
      );
      const objects = synth(system);
      const ingress = find(objects, 'Ingress', 'edge');
      expect(ingress.spec.ingressClassName).toBe('nginx-internal');
      expect(ingress.metadata.annotations[`${NGINX}proxy-body-size`]).toBe('1g');
      expect(find(objects, 'ConfigMap', 'edge-headers').data).toMatchObject({
        'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
        'X-Frame-Options': 'SAMEORIGIN',
      });

      const noHsts = synth(edge(() => ({ hsts: false }), allowing()).system);
      expect(find(noHsts, 'ConfigMap', 'edge-headers').data).not.toHaveProperty('Strict-Transport-Security');

      // A header change reaches the Ingress itself, so the controller picks up the new ConfigMap.
      const checksumOf = (objects: KubeObject[]) => find(objects, 'Ingress', 'edge').metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
      const plain = () => synth(edge(() => ({}), allowing()).system);
      expect(checksumOf(objects)).not.toBe(checksumOf(plain()));
      expect(checksumOf(plain())).toBe(checksumOf(plain()));
    });

    it('raises or lowers the body size of one route, in an Ingress of its own', () => {
      const { system } = edge((s) => ({
        maxBodySize: '20m',
        routes: [
          { path: '/api/upload', backend: s.api, maxBodySize: '500m' },
          { path: '/api/admin', backend: s.api, maxBodySize: '50m' },
          { path: '/api', backend: s.api, maxBodySize: '20m' },
          { path: '/', backend: s.web },
        ],
      }));
      const ingresses = ofKind(synth(system), 'Ingress');
      const bodySize = Object.fromEntries(ingresses.flatMap((i) => paths(i).map((p: string[]) => [p[0], i.metadata.annotations[`${NGINX}proxy-body-size`]])));
      expect(bodySize).toEqual({ '/api/upload': '500m', '/api/admin': '50m', '/api': '20m', '/': '20m' });
      expect(ingresses.map((i) => i.metadata.name).sort(), 'a route at the construct-wide size stays in the default Ingress').toEqual([
        'edge',
        'edge-api-admin',
        'edge-api-upload',
      ]);
    });

    it('gives each rate-limited route its own budget (its own Ingress) unless routes name a shared zone', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api/chat', backend: s.api, rateLimit: { requestsPerSecond: 10 } },
          { path: '/api/kb', backend: s.api, rateLimit: { requestsPerSecond: 10 } },
          { path: '/', backend: s.web },
        ],
      }));
      expect(
        ofKind(synth(system), 'Ingress')
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['edge', 'edge-api-chat', 'edge-api-kb']);
    });

    it('puts rate-limited and SSE routes in their own Ingresses with stable names', () => {
      const { system, ingress } = edge(
        (s) => ({
          routes: [
            { path: '/api/login', match: 'Exact', backend: s.api, rateLimit: { requestsPerSecond: 2, burst: 10, zone: 'auth' } },
            { path: '/api/events', backend: s.api, streaming: 'sse' },
            { path: '/api', backend: s.api },
            { path: '/api/signup', match: 'Exact', backend: s.api, rateLimit: { requestsPerSecond: 2, burst: 10, zone: 'auth' } },
            { path: '/', backend: s.web },
          ],
        }),
        allowing(),
      );
      const objects = synth(system);
      expect(
        ofKind(objects, 'Ingress')
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['edge', 'edge-api-events', 'edge-api-login']);
      expect(ingress.ingresses).toHaveLength(3);

      const plain = find(objects, 'Ingress', 'edge');
      expect(paths(plain)).toEqual([
        ['/api', 'Prefix', 'api', 8000],
        ['/', 'Prefix', 'web', 3000],
      ]);
      expect(Object.keys(plain.metadata.annotations).filter((k) => /limit|buffering|timeout/.test(k))).toEqual([]);

      const limited = find(objects, 'Ingress', 'edge-api-login');
      expect(paths(limited)).toEqual([
        ['/api/login', 'Exact', 'api', 8000],
        ['/api/signup', 'Exact', 'api', 8000],
      ]);
      expect(limited.metadata.annotations).toMatchObject({ [`${NGINX}limit-rps`]: '2', [`${NGINX}limit-burst-multiplier`]: '5' });

      const events = find(objects, 'Ingress', 'edge-api-events');
      expect(paths(events)).toEqual([['/api/events', 'Prefix', 'api', 8000]]);
      expect(events.metadata.annotations).toMatchObject({
        [`${NGINX}proxy-buffering`]: 'off',
        [`${NGINX}proxy-read-timeout`]: '600',
        [`${NGINX}proxy-send-timeout`]: '600',
      });

      // Every Ingress carries the same hosts, TLS and edge-wide annotations (ingress-nginx merges them per host).
      for (const o of ofKind(objects, 'Ingress')) {
        expect(o.spec.tls).toEqual([{ hosts: ['dev.shop.example.com'], secretName: 'edge-tls' }]);
        expect(o.metadata.annotations).toMatchObject({
          [`${NGINX}force-ssl-redirect`]: 'true',
          [`${NGINX}proxy-body-size`]: '10m',
          [`${NGINX}custom-headers`]: 'shop-dev/edge-headers',
        });
      }
    });

    it('applies the edge-wide rate limit to every route unless a route lifts it', () => {
      const { system } = edge((s) => ({
        rateLimit: { requestsPerSecond: 20 },
        routes: [
          { path: '/api', backend: s.api },
          { path: '/healthz', match: 'Exact', backend: s.api, rateLimit: false },
          { path: '/', backend: s.web },
        ],
      }));
      const objects = synth(system);
      const main = find(objects, 'Ingress', 'edge');
      expect(paths(main).map((p: unknown[]) => p[0])).toEqual(['/api', '/']);
      expect(main.metadata.annotations).toMatchObject({ [`${NGINX}limit-rps`]: '20', [`${NGINX}limit-burst-multiplier`]: '5' });
      const health = find(objects, 'Ingress', 'edge-healthz');
      expect(health.metadata.annotations).not.toHaveProperty(`${NGINX}limit-rps`);
    });

    it('gives WebSocket routes long timeouts and no buffering change; timeoutSeconds overrides', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/ws', backend: s.api, streaming: 'websocket' },
          { path: '/api/export', backend: s.api, timeoutSeconds: 300 },
          { path: '/', backend: s.web },
        ],
      }));
      const objects = synth(system);
      const ws = find(objects, 'Ingress', 'edge-ws').metadata.annotations;
      expect(ws).toMatchObject({ [`${NGINX}proxy-read-timeout`]: '3600', [`${NGINX}proxy-send-timeout`]: '3600' });
      expect(ws).not.toHaveProperty(`${NGINX}proxy-buffering`);
      expect(find(objects, 'Ingress', 'edge-api-export').metadata.annotations).toMatchObject({ [`${NGINX}proxy-read-timeout`]: '300' });
    });

    it('names the Ingress after the first path even when no route uses the defaults', () => {
      const { system } = edge((s) => ({ routes: [{ path: '/', backend: s.web, streaming: 'sse' }] }));
      expect(ofKind(synth(system), 'Ingress').map((o) => o.metadata.name)).toEqual(['edge-root']);
    });

    it("admits cert-manager's HTTP-01 solver pods from the ingress controller's namespace, once for every edge of the system", () => {
      const { system, api } = edge(() => ({}), environment('dev', { ingressController: { namespace: 'edge-system' } }));
      new TlsIngress(system, 'admin', { flavour: 'ingress-nginx', host: 'admin', routes: [{ path: '/', backend: api }] });
      const objects = synth(system);
      expect(find(objects, 'NetworkPolicy', 'allow-acme-http01-solver').spec).toEqual({
        podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge-system' } } }], ports: [{ port: 8089, protocol: 'TCP' }] },
        ],
      });
    });

    it('admits no solver when the environment declares a DNS-01 issuer', () => {
      const { system } = edge(() => ({}), environment('dev', { tls: { issuer: 'letsencrypt-dns', solver: 'dns01' } }));
      expect(
        ofKind(synth(system), 'NetworkPolicy')
          .map((p) => p.metadata.name)
          .sort(),
      ).toEqual(['allow-api', 'allow-web', 'default-deny-ingress']);
    });

    it('records the wiring from the ingress controller to each back end once', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api', backend: s.api },
          { path: '/api/events', backend: s.api, streaming: 'sse' },
          { path: '/', backend: s.web },
        ],
      }));
      expect(system.edges.filter((e) => e.from === 'ingress-controller')).toEqual([
        { from: 'ingress-controller', to: 'api', port: 8000 },
        { from: 'ingress-controller', to: 'web', port: 3000 },
      ]);
      expect(errors(system)).toEqual([]);
    });

    it('matches its snapshot', () => {
      const { system } = edge(
        (s) => ({
          host: 'www',
          rateLimit: { requestsPerSecond: 50, burst: 100 },
          routes: [
            { path: '/api', backend: s.api, port: 8000 },
            { path: '/api/events', backend: s.api, streaming: 'sse' },
            { path: '/api/login', match: 'Exact', backend: s.api, rateLimit: { requestsPerSecond: 2 } },
            { path: '/', backend: s.web },
          ],
        }),
        environment('prod'),
      );
      const mine = synth(system).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'edge');
      expect(Yaml.stringify(...mine)).toMatchSnapshot();
      expect(warnings(system)).toEqual([expect.stringContaining('are not set by this edge')]);
    });
  });

  describe('flavour gateway (the default)', () => {
    const HEADERS = [
      { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
      { name: 'X-Content-Type-Options', value: 'nosniff' },
      { name: 'X-Frame-Options', value: 'DENY' },
      { name: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    ];
    const SHARED = { name: 'public', namespace: 'gateway-system' };
    const policyOf = (objects: KubeObject[], rule: string) =>
      ofKind(objects, 'BackendTrafficPolicy').filter((p) => p.spec.targetRefs.some((t: KubeObject) => t.sectionName === rule));

    it('calls the edge "gateway" in the wiring list, and "gateway+ingress-controller" once an ingress-nginx edge is beside it', () => {
      let s!: ReturnType<typeof shop>;
      const { system } = edge((shopped) => {
        s = shopped;
        return {};
      });
      expect(system.edges.filter((e) => e.to === 'api' || e.to === 'web').map((e) => `${e.from} → ${e.to}`)).toEqual(['gateway → api', 'gateway → web']);
      new TlsIngress(system, 'legacy', { flavour: 'ingress-nginx', host: 'legacy', routes: [{ path: '/', backend: s.web }] });
      expect(system.edges.filter((e) => e.to === 'web').map((e) => e.from)).toEqual(['gateway+ingress-controller']);
    });

    // An issuer without a gatewayHTTPRoute solver for this edge never gets the certificate issued.
    const solverWarnings = (system: SystemChart) => allWarnings(system).filter((w) => w.includes('[gateway-http01-solver]'));
    it.each([
      ['a Gateway of its own', environment(), "parentRefs: [{ kind: 'Gateway', name: 'shop', namespace: 'shop-dev' }]"],
      [
        'a ListenerSet on a shared Gateway',
        environment('dev', { gateway: SHARED }),
        "parentRefs: [{ kind: 'ListenerSet', name: 'shop', namespace: 'shop-dev' }]",
      ],
    ])('with HTTP-01 on %s, names the solver the issuer needs', (_, env, parentRefs) => {
      const [warning, ...more] = solverWarnings(edge(() => ({}), env).system);
      expect(more).toEqual([]);
      expect(warning).toContain('ClusterIssuer "letsencrypt-staging" must attach it there, or the certificate is never issued');
      expect(warning).toContain(`{ selector: { dnsNames: ['dev.shop.example.com'] }, http01: { gatewayHTTPRoute: { ${parentRefs} } } }`);
      expect(warning).toContain("or set tls: { solver: 'dns01' }");
    });

    it('says nothing of an HTTP-01 solver with DNS-01, or on an ingress-nginx edge', () => {
      expect(solverWarnings(edge(() => ({}), environment('dev', { tls: { issuer: 'letsencrypt-staging', solver: 'dns01' } })).system)).toEqual([]);
      expect(solverWarnings(nginxEdge(() => ({}), allowing()).system)).toEqual([]);
    });

    it('writes no Ingress: a Gateway per system with an HTTP and an HTTPS listener per host, on the edge Certificate', () => {
      const { system, ingress } = edge(() => ({ hosts: ['www', 'dev.shop.example.com'] }));
      expect(ingress.flavour).toBe('gateway');
      const objects = synth(system);
      expect(ofKind(objects, 'Ingress')).toEqual([]);
      const gateway = find(objects, 'Gateway', 'shop');
      expect(gateway.metadata.namespace).toBe('shop-dev');
      expect(gateway.spec.gatewayClassName).toBe('eg');
      expect(gateway.spec.listeners.map((l: KubeObject) => [l.name, l.protocol, l.port, l.hostname, l.tls?.certificateRefs?.[0]?.name])).toEqual([
        ['http-www.dev.shop.example.com', 'HTTP', 80, 'www.dev.shop.example.com', undefined],
        ['https-www.dev.shop.example.com', 'HTTPS', 443, 'www.dev.shop.example.com', 'edge-tls'],
        ['http-dev.shop.example.com', 'HTTP', 80, 'dev.shop.example.com', undefined],
        ['https-dev.shop.example.com', 'HTTPS', 443, 'dev.shop.example.com', 'edge-tls'],
      ]);
      expect(gateway.spec.listeners.every((l: KubeObject) => l.allowedRoutes.namespaces.from === 'Same')).toBe(true);
      expect(find(objects, 'Certificate', 'edge-tls').spec.dnsNames).toEqual(ingress.hosts);
    });

    it('routes named rules on the HTTPS listeners with the security headers and a request timeout, and redirects HTTP with 308', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api', backend: s.api },
          { path: '/healthz', match: 'Exact', backend: s.api },
          { path: '/', backend: s.web },
        ],
      }));
      const objects = synth(system);
      const route = find(objects, 'HTTPRoute', 'edge');
      expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop', sectionName: 'https-dev.shop.example.com' }]);
      expect(route.spec.hostnames).toEqual(['dev.shop.example.com']);
      expect(
        route.spec.rules.map((r: KubeObject) => [
          r.name,
          r.matches[0].path.type,
          r.matches[0].path.value,
          r.backendRefs[0].name,
          r.backendRefs[0].port,
          r.timeouts.request,
        ]),
      ).toEqual([
        ['api', 'PathPrefix', '/api', 'api', 8000, '60s'],
        ['healthz-exact', 'Exact', '/healthz', 'api', 8000, '60s'],
        ['root', 'PathPrefix', '/', 'web', 3000, '60s'],
      ]);
      for (const rule of route.spec.rules) expect(rule.filters).toEqual([{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: HEADERS } }]);
      const redirect = find(objects, 'HTTPRoute', 'edge-redirect');
      expect(redirect.spec.parentRefs[0].sectionName).toBe('http-dev.shop.example.com');
      expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] }]);
      expect(warnings(system)).toEqual([]);
    });

    it('adds a Content-Security-Policy when given, and frame options and HSTS as set', () => {
      const { system } = edge(() => ({ contentSecurityPolicy: "default-src 'self'", frameOptions: 'SAMEORIGIN', hsts: false }));
      const set = find(synth(system), 'HTTPRoute', 'edge').spec.rules[0].filters[0].responseHeaderModifier.set;
      expect(set).toEqual([
        { name: 'X-Content-Type-Options', value: 'nosniff' },
        { name: 'X-Frame-Options', value: 'SAMEORIGIN' },
        { name: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        { name: 'Content-Security-Policy', value: "default-src 'self'" },
      ]);
    });

    it('limits bodies per rule through BackendTrafficPolicy requestBuffer, 10Mi by default, none on WebSocket routes or with "0"', () => {
      const { system, ingress } = edge((s) => ({
        maxBodySize: '20m',
        routes: [
          { path: '/upload', backend: s.api, maxBodySize: '1g' },
          { path: '/ws', backend: s.api, streaming: 'websocket' },
          { path: '/stream', backend: s.api, maxBodySize: '0' },
          { path: '/', backend: s.web },
        ],
      }));
      const objects = synth(system);
      expect(ingress.trafficPolicies.map((p) => p.name)).toEqual(['edge', 'edge-ws', 'edge-root']);
      expect(find(objects, 'BackendTrafficPolicy', 'edge').spec).toEqual({
        requestBuffer: { limit: '1Gi' },
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'edge', sectionName: 'upload' }],
      });
      expect(find(objects, 'BackendTrafficPolicy', 'edge-ws').spec).toEqual({
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'edge', sectionName: 'ws' }],
        timeout: { http: { streamIdleTimeout: '3600s' } },
      });
      expect(find(objects, 'BackendTrafficPolicy', 'edge-root').spec.requestBuffer).toEqual({ limit: '20Mi' });
      expect(policyOf(objects, 'stream')).toEqual([]);
      expect(find(objects, 'HTTPRoute', 'edge').spec.rules.find((r: KubeObject) => r.name === 'ws').timeouts).toEqual({ request: '3600s' });
    });

    it('rate-limits per client address with a local limit, each route its own bucket unless they share a zone', () => {
      const { system } = edge((s) => ({
        maxBodySize: '0',
        routes: [
          { path: '/a', backend: s.api, rateLimit: { requestsPerSecond: 5 } },
          { path: '/b', backend: s.api, rateLimit: { requestsPerSecond: 5 } },
          { path: '/c', backend: s.api, rateLimit: { requestsPerSecond: 2, burst: 2, zone: 'writes' } },
          { path: '/d', backend: s.api, rateLimit: { requestsPerSecond: 2, zone: 'writes' } },
          { path: '/', backend: s.web },
        ],
      }));
      const objects = synth(system);
      const own = find(objects, 'BackendTrafficPolicy', 'edge').spec;
      expect(own.targetRefs.map((t: KubeObject) => t.sectionName)).toEqual(['a', 'b']);
      expect(own.rateLimit.local.rules).toEqual([
        { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }], limit: { requests: 5, unit: 'Second' } },
        { clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '::/0' } }], limit: { requests: 5, unit: 'Second' } },
      ]);
      const zone = find(objects, 'BackendTrafficPolicy', 'edge-c').spec;
      expect(zone.targetRefs.map((t: KubeObject) => t.sectionName)).toEqual(['c', 'd']);
      expect(zone.rateLimit.local.rules.map((r: KubeObject) => r.shared)).toEqual([true, true]);
      expect(policyOf(objects, 'root')).toEqual([]);
    });

    it('applies the edge-wide rate limit as one shared budget unless a route lifts it', () => {
      const { system } = edge((s) => ({
        maxBodySize: '0',
        rateLimit: { requestsPerSecond: 20 },
        routes: [
          { path: '/api', backend: s.api },
          { path: '/', backend: s.web, rateLimit: false },
        ],
      }));
      const objects = synth(system);
      expect(find(objects, 'BackendTrafficPolicy', 'edge').spec.targetRefs.map((t: KubeObject) => t.sectionName)).toEqual(['api']);
      expect(policyOf(objects, 'root')).toEqual([]);
    });

    it('sets the client timeouts on the listeners with a ClientTrafficPolicy (Envoy Gateway attaches those to Gateways only)', () => {
      const objects = synth(edge().system);
      expect(find(objects, 'ClientTrafficPolicy', 'shop').spec).toEqual({
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop' }],
        timeout: { http: { requestHeadersReceivedTimeout: '60s', idleTimeout: '75s', streamIdleTimeout: '60s' } },
      });
    });

    it("attaches to the environment's shared Gateway through a ListenerSet of the system, with no Gateway of its own", () => {
      const { system } = edge(() => ({}), environment('dev', { gateway: SHARED }));
      const objects = synth(system);
      expect(ofKind(objects, 'Gateway')).toEqual([]);
      const set = find(objects, 'ListenerSet', 'shop');
      expect(set.spec.parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system' });
      expect(set.spec.listeners.map((l: KubeObject) => l.name)).toEqual(['http-dev.shop.example.com', 'https-dev.shop.example.com']);
      expect(find(objects, 'HTTPRoute', 'edge').spec.parentRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'shop', sectionName: 'https-dev.shop.example.com' },
      ]);
      expect(find(objects, 'ClientTrafficPolicy', 'shop').spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'shop' }]);
      // The shared Gateway's data plane is admitted, by Envoy Gateway's labels of its proxies.
      expect(find(objects, 'NetworkPolicy', 'allow-api').spec.ingress[0].from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
          podSelector: {
            matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public', 'gateway.envoyproxy.io/owning-gateway-namespace': 'gateway-system' },
          },
        },
      ]);
    });

    it('shares one Gateway between the edges of a system, one listener pair per host', () => {
      const { system, api } = edge();
      new TlsIngress(system, 'admin', { host: 'admin', routes: [{ path: '/', backend: api }] });
      const gateway = find(synth(system), 'Gateway', 'shop');
      expect(gateway.spec.listeners.map((l: KubeObject) => [l.name, l.tls?.certificateRefs?.[0]?.name])).toEqual([
        ['http-dev.shop.example.com', undefined],
        ['https-dev.shop.example.com', 'edge-tls'],
        ['http-admin.dev.shop.example.com', undefined],
        ['https-admin.dev.shop.example.com', 'admin-tls'],
      ]);
    });

    it("admits the Gateway's data-plane pods (not the ingress controller) to back ends and the HTTP-01 solver, where the environment says they run", () => {
      const env = environment('dev', { gateway: { className: 'internal', dataPlane: { namespace: 'edge-proxies', podSelector: { app: 'envoy' } } } });
      const objects = synth(edge(() => ({}), env).system);
      const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge-proxies' } }, podSelector: { matchLabels: { app: 'envoy' } } };
      expect(find(objects, 'NetworkPolicy', 'allow-web').spec.ingress).toEqual([{ from: [peer], ports: [{ port: 3000, protocol: 'TCP' }] }]);
      expect(find(objects, 'NetworkPolicy', 'allow-acme-http01-solver').spec.ingress[0].from).toEqual([peer]);
      expect(find(objects, 'Gateway', 'shop').spec.gatewayClassName).toBe('internal');
    });

    it('admits both edges when a system keeps one ingress-nginx edge beside a Gateway one', () => {
      const { system, api } = edge();
      new TlsIngress(system, 'legacy', { flavour: 'ingress-nginx', host: 'legacy', routes: [{ path: '/', backend: api }] });
      const from = find(synth(system), 'NetworkPolicy', 'allow-api').spec.ingress[0].from;
      expect(from.map((p: KubeObject) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['envoy-gateway-system', 'ingress-nginx']);
    });

    it('matches its snapshot', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api/events', backend: s.api, streaming: 'sse', rateLimit: { requestsPerSecond: 10 } },
          { path: '/api', backend: s.api, maxBodySize: '50m' },
          { path: '/', backend: s.web },
        ],
      }));
      expect(
        Yaml.stringify(...synth(system).filter((o) => ['Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'ClientTrafficPolicy'].includes(o.kind))),
      ).toMatchSnapshot();
    });
  });

  describe('flavour ingress-nginx retirement', () => {
    it('warns that the controller is retired and names the replacement, with a stable code', () => {
      const { system } = nginxEdge(() => ({}), allowing());
      const [warning] = allWarnings(system);
      expect(warning).toMatch(
        /TlsIngress "edge": flavour: ingress-nginx was retired in March 2026.*Fix: move to Gateway API: remove flavour: 'ingress-nginx' \(the default, 'gateway', writes HTTPRoutes for Envoy Gateway.*\[ingress-nginx-retired\]/,
      );
    });

    it('is silenced by an acknowledgement in the environment', () => {
      const env = defineEnvironment({
        ...allowing(),
        acknowledge: [{ warning: 'ingress-nginx-retired', workload: 'edge', reason: 'moving to Gateway API next quarter' }],
      });
      const { system } = nginxEdge(() => ({}), env);
      const sorted = sortWarnings(collectRaisedWarnings(system), env.acknowledge, 'dev/', 'dev', 'shop');
      expect(sorted.warnings).toEqual([]);
      expect(sorted.acknowledged).toEqual([{ warning: expect.stringContaining('[ingress-nginx-retired]'), reason: 'moving to Gateway API next quarter' }]);
    });
  });

  describe('the same host and path routed twice in an environment', () => {
    it('is an error on the second edge of a system, naming the first', () => {
      const { system, api } = edge();
      new TlsIngress(system, 'other', {
        routes: [
          { path: '/api', backend: api },
          { path: '/api', match: 'Exact', backend: api },
        ],
      });
      expect(errors(system)).toEqual([
        expect.stringMatching(
          /TlsIngress "other": routes\[0\]\.path: dev\.shop\.example\.com\/api \(Prefix\) is already routed by TlsIngress "edge" of system "shop" in dev; .* Fix: route each host and path once/,
        ),
      ]);
    });

    it('is an error across systems of one environment', () => {
      const app = new App({ outdir: '/tmp/shipshape-test-unused' });
      const env = environment();
      const first = new SystemChart(app, 'first', { environment: { ...env, namespace: 'first-dev' } });
      const second = new SystemChart(app, 'second', { environment: { ...env, namespace: 'second-dev' } });
      new TlsIngress(first, 'edge', { routes: [{ path: '/', backend: new WebApp(first, 'web', { image: IMAGE }) }] });
      new TlsIngress(second, 'edge', { routes: [{ path: '/', backend: new WebApp(second, 'web', { image: IMAGE }) }] });
      expect(errors(first)).toEqual([]);
      expect(errors(second).join('\n')).toMatch(
        /routes\[0\]\.path: dev\.shop\.example\.com\/ \(Prefix\) is already routed by TlsIngress "edge" of system "first" in dev/,
      );
    });

    it('is fine for another host, another match, or another environment', () => {
      const { system, api } = edge();
      new TlsIngress(system, 'admin', { host: 'admin', routes: [{ path: '/api', backend: api }] });
      new TlsIngress(system, 'exact', { routes: [{ path: '/api', match: 'Exact', backend: api }] });
      expect(errors(system)).toEqual([]);
      expect(errors(edge(() => ({}), environment('prod')).system)).toEqual([]);
    });
  });

  describe('bad input', () => {
    const text = (system: SystemChart) => errors(system).join('\n');

    it('refuses a host outside the environment domain, naming the entry', () => {
      const { system } = edge(() => ({ hosts: ['www', 'evil.com'] }));
      expect(text(system)).toMatch(/TlsIngress "edge": hosts\[1\]: "evil.com" is outside the environment domain "dev.shop.example.com"/);
      const single = edge(() => ({ host: 'api.example.org' }));
      expect(text(single.system)).toMatch(/host: "api.example.org" is outside the environment domain/);
    });

    it('refuses a port the back end does not serve', () => {
      const { system } = edge((s) => ({ routes: [{ path: '/api', backend: s.api, port: 8080 }] }));
      expect(text(system)).toMatch(/routes\[0\]\.port: backend "api" serves 8000, not 8080/);
    });

    it('refuses a back end that is not a served shipshape workload', () => {
      const { system } = edge(() => ({ routes: [{ path: '/', backend: { name: 'api', port: 8000, url: 'http://api:8000' } as any }] }));
      expect(text(system)).toMatch(/routes\[0\]\.backend: must be a served shipshape workload/);
      const url = edge(() => ({ routes: [{ path: '/', backend: 'http://api:8000' as any }] }));
      expect(text(url.system)).toMatch(/routes\[0\]\.backend: must be a served shipshape workload/);
    });

    it('refuses a back end of another SystemChart', () => {
      const other = new SystemChart(new App({ outdir: '/tmp/shipshape-test-unused' }), 'billing', {
        environment: environment('dev', { namespace: 'billing-dev' }),
      });
      const invoices = new WebApp(other, 'invoices', { image: IMAGE, port: 8000 });
      const { system } = edge(() => ({ routes: [{ path: '/invoices', backend: invoices }] }));
      expect(text(system)).toMatch(/routes\[0\]\.backend: "invoices" belongs to another SystemChart \(system "billing" in dev\)/);
    });

    it('refuses the same path and match twice', () => {
      const { system } = edge((s) => ({
        routes: [
          { path: '/api', backend: s.api },
          { path: '/api', match: 'Exact', backend: s.api },
          { path: '/api', backend: s.web },
        ],
      }));
      expect(errors(system)).toEqual([expect.stringMatching(/routes\[2\]\.path: "\/api" \(Prefix\) is already routed by routes\[0\]/)]);
    });

    it('refuses a relative path', () => {
      const { system } = edge((s) => ({ routes: [{ path: 'api', backend: s.api }] }));
      expect(errors(system)).toEqual([expect.stringMatching(/routes\[0\]\.path: must be an absolute path starting with "\/"/)]);
      const dots = edge((s) => ({ routes: [{ path: '/api/../admin', backend: s.api }] }));
      expect(text(dots.system)).toMatch(/routes\[0\]\.path: must not contain empty, "." or ".." segments/);
    });

    it.each([
      [
        'a burst Envoy Gateway cannot express',
        (s: ReturnType<typeof shop>) => ({ routes: [{ path: '/', backend: s.web, rateLimit: { requestsPerSecond: 10, burst: 20 } }] }),
        /routes\[0\]\.rateLimit\.burst: a burst of 20 above 10 requests per second cannot be expressed with flavour "gateway".*Fix: leave burst out/,
      ],
      [
        'a construct-wide burst',
        (s: ReturnType<typeof shop>) => ({ rateLimit: { requestsPerSecond: 1, burst: 5 }, routes: [{ path: '/', backend: s.web }] }),
        /TlsIngress "edge": rateLimit\.burst: a burst of 5 above 1/,
      ],
      [
        'a body limit on a WebSocket route',
        (s: ReturnType<typeof shop>) => ({ routes: [{ path: '/ws', backend: s.web, streaming: 'websocket', maxBodySize: '1m' }] }),
        /routes\[0\]\.maxBodySize: a WebSocket route takes no body limit/,
      ],
      [
        'an ingress class',
        (s: ReturnType<typeof shop>) => ({ className: 'nginx', routes: [{ path: '/', backend: s.web }] }),
        /className: applies only to flavour "ingress-nginx".*Fix: remove className, or set the Gateway's class in the environment's gateway\.className/,
      ],
      [
        'the gateway prop of 0.x',
        (s: ReturnType<typeof shop>) => ({ gateway: { name: 'public', namespace: 'gw' }, routes: [{ path: '/', backend: s.web }] }),
        /gateway: the shared Gateway is now named in the environment.*Fix: remove gateway here and add gateway: \{ name: '<gateway>', namespace: '<its namespace>' \} to the environment/,
      ],
      [
        'the renamed flavour "ingress"',
        (s: ReturnType<typeof shop>) => ({ flavour: 'ingress', routes: [{ path: '/', backend: s.web }] }),
        /flavour: must be "gateway" \(Gateway API, the default\) or "ingress-nginx" .*"ingress" was renamed to "ingress-nginx"/,
      ],
      [
        'a Content-Security-Policy with a line break',
        (s: ReturnType<typeof shop>) => ({ contentSecurityPolicy: "default-src 'self'\nX-Evil: 1", routes: [{ path: '/', backend: s.web }] }),
        /contentSecurityPolicy: must be one header value/,
      ],
    ])('refuses %s with flavour gateway', (_what, props, message) => {
      const s = shop();
      new TlsIngress(s.system, 'edge', props(s) as unknown as TlsIngressProps);
      expect(text(s.system)).toMatch(message);
    });

    it.each([
      ['a shared Gateway without its namespace', { name: 'public' }, /dev\.gateway\.namespace: a shared Gateway is named by both name and namespace/],
      [
        'a class for a shared Gateway',
        { name: 'public', namespace: 'gw', className: 'eg' },
        /dev\.gateway\.className: applies only to the Gateway written per system/,
      ],
      ['a data plane without its namespace', { dataPlane: {} }, /dev\.gateway\.dataPlane\.namespace/],
    ])('refuses an environment gateway with %s', (_what, gateway, message) => {
      expect(() => testSystem(environment('dev', { gateway: gateway as never }))).toThrow(message);
    });

    it('refuses a route body size that is not an nginx size', () => {
      const { system } = edge((s) => ({ routes: [{ path: '/api', backend: s.api, maxBodySize: '500MB' }] }));
      expect(text(system)).toMatch(/routes\[0\]\.maxBodySize: must be an nginx size such as "10m"/);
    });

    it('refuses a burst that ingress-nginx cannot express', () => {
      const { system } = nginxEdge((s) => ({ routes: [{ path: '/api', backend: s.api, rateLimit: { requestsPerSecond: 10, burst: 15 } }] }));
      expect(text(system)).toMatch(/routes\[0\]\.rateLimit\.burst: must be a whole multiple of requestsPerSecond/);
    });

    it('refuses HSTS preload without its requirements', () => {
      const { system } = edge(() => ({ hsts: { preload: true, includeSubDomains: false } }));
      expect(text(system)).toMatch(/hsts\.preload: the browsers' preload list requires includeSubDomains/);
    });

    it('refuses unknown props (a typo from JavaScript)', () => {
      const { system } = edge(() => ({ hostname: 'api' }) as any);
      expect(text(system)).toMatch(/TlsIngress "edge": \(props\): Unrecognized key: "hostname"/);
    });

    it('refuses a missing props object with a message instead of a TypeError', () => {
      const { system } = shop();
      new TlsIngress(system, 'edge', undefined as any);
      expect(text(system)).toMatch(/TlsIngress "edge": \(props\): Invalid input: expected object, received undefined/);
    });

    it('builds nothing from bad input', () => {
      const { system, ingress } = edge((s) => ({ routes: [{ path: '/api', backend: s.api, port: 8080 }] }));
      expect(ingress.hosts).toEqual([]);
      expect(ingress.ingresses).toEqual([]);
      expect(ingress.certificate).toBeUndefined();
      expect(system.edges.filter((e) => e.from === 'ingress-controller')).toEqual([]);
    });
  });
});

describe('TlsIngress with every prop', () => {
  it('takes all the props (Gateway API)', () => {
    const { system, api, web } = shop();
    const events = new WebApp(system, 'events', { image: IMAGE, port: 8010 });
    new TlsIngress(system, 'edge', {
      hosts: ['www', 'app'],
      routes: [
        { path: '/api', match: 'Prefix', backend: api, rateLimit: { requestsPerSecond: 5, burst: 5 }, timeoutSeconds: 120, maxBodySize: '50m' },
        { path: '/events', backend: events, streaming: 'sse' },
        { path: '/healthz', match: 'Exact', backend: api, rateLimit: false },
        { path: '/', backend: web },
      ],
      flavour: 'gateway',
      maxBodySize: '5m',
      hsts: { maxAgeSeconds: 63072000, includeSubDomains: true, preload: true },
      frameOptions: 'SAMEORIGIN',
      contentSecurityPolicy: "default-src 'self'",
      rateLimit: { requestsPerSecond: 20, burst: 20 },
    });
    expect(errors(system)).toEqual([]);
    const objects = synth(system);
    const gateway = find(objects, 'Gateway', 'shop');
    expect(gateway.spec.listeners.map((l: KubeObject) => l.name)).toEqual([
      'http-www.dev.shop.example.com',
      'https-www.dev.shop.example.com',
      'http-app.dev.shop.example.com',
      'https-app.dev.shop.example.com',
    ]);
    const route = find(objects, 'HTTPRoute', 'edge');
    expect(route.spec.hostnames).toEqual(['www.dev.shop.example.com', 'app.dev.shop.example.com']);
    const rules = Object.fromEntries(route.spec.rules.map((r: KubeObject) => [r.matches[0].path.value, r]));
    expect(rules['/healthz'].matches[0].path.type).toBe('Exact');
    expect(rules['/api'].timeouts.request).toBe('120s');
    expect(rules['/events'].timeouts.request).toBe('600s');
    const headers = rules['/'].filters[0].responseHeaderModifier.set;
    expect(headers).toEqual(
      expect.arrayContaining([
        { name: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains; preload' },
        { name: 'X-Frame-Options', value: 'SAMEORIGIN' },
        { name: 'Content-Security-Policy', value: "default-src 'self'" },
      ]),
    );
    const policies = ofKind(objects, 'BackendTrafficPolicy');
    const limitOf = (rule: string) => policies.find((p) => p.spec.targetRefs.some((t: KubeObject) => t.sectionName === rules[rule].name));
    expect(limitOf('/api')?.spec.requestBuffer.limit).toBe('50Mi');
    expect(limitOf('/')?.spec.requestBuffer.limit).toBe('5Mi');
    expect(limitOf('/healthz')?.spec.rateLimit, 'rateLimit: false lifts the default').toBeUndefined();
    expect(find(objects, 'HTTPRoute', 'edge-redirect').spec.rules[0].filters[0].requestRedirect).toEqual({ scheme: 'https', statusCode: 308 });
  });
});
