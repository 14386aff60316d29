import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { BackendTrafficPolicy } from '../imports/backendtrafficpolicies-gateway.envoyproxy.io';
import { Certificate } from '../imports/certificates-cert-manager.io';
import { HttpRoute } from '../imports/httproutes-gateway.networking.k8s.io';
import { Environment } from './environment';
import { SystemChart } from './system-chart';
import { peers } from './core/network-peers';
import { checksum, sortedRecord } from './core/checksum';
import { EdgeKind, EdgeListeners, LISTENER_IDLE_SECONDS, RoutedPath, claimPaths, edgeListeners, registerEdge } from './core/gateway';
import { GatewayRule, writeHttpRoutes, writeTrafficPolicies } from './core/gateway-routes';
import { Issue, parseProps, reportErrors, reportWarning } from './core/issues';
import { workloadLabels } from './core/labels';
import { DNS_LABEL, dnsLabel, hostname, isDnsLabel } from './core/names';
import { CONFIG_CHECKSUM_ANNOTATION, ServedWorkload } from './core/workload';
import { portNumber } from './core/workload-props';

/** How a route's path matches a request path. */
export type PathMatch = 'Prefix' | 'Exact';

/** A long-lived response a route serves. */
export type StreamingKind = 'sse' | 'websocket';

/**
 * What a {@link TlsIngress} emits: `gateway` (Gateway API HTTPRoutes with Envoy Gateway policies)
 * or `ingress-nginx` (Ingresses for the retired ingress-nginx controller).
 */
export type TlsIngressFlavour = 'gateway' | 'ingress-nginx';

/**
 * A per-client request rate limit. Both edges count per client address and per proxy replica.
 * Envoy Gateway answers requests over the limit with 429; ingress-nginx with its
 * `limit-req-status-code` (503 unless the controller is configured otherwise).
 */
export interface RateLimit {
  /** Sustained requests per second allowed from one client address. */
  readonly requestsPerSecond: number;
  /**
   * Requests a client may send at once. ingress-nginx expresses the burst as a multiple of the
   * rate (`limit-burst-multiplier`), so it must be a whole multiple of `requestsPerSecond`. Envoy
   * Gateway's token bucket holds one second's requests, so with flavour `gateway` it can only be
   * `requestsPerSecond`.
   * @default requestsPerSecond with flavour `gateway`; 5 × requestsPerSecond with `ingress-nginx` (its default multiplier, written out)
   */
  readonly burst?: number;
  /**
   * Routes with the same zone share one budget per client. ingress-nginx keeps one budget per
   * Ingress, so each zone becomes an Ingress of its own; Envoy Gateway shares a bucket between the
   * rules one policy targets. The construct-wide limit is one zone for every route that inherits it.
   * @default on a route, the route's path (its own budget)
   */
  readonly zone?: string;
}

/** One path of the edge and the workload that serves it. */
export interface TlsRoute {
  /** Absolute request path (`/api`, `/`). */
  readonly path: string;
  /** `Prefix` matches the path and everything below it (by path segment); `Exact` only the path itself. @default 'Prefix' */
  readonly match?: PathMatch;
  /** The served shipshape workload (a WebApp or AutoscaledBackend) of the same system. */
  readonly backend: ServedWorkload;
  /** The Service port, written out for review; must equal the back end's port. @default backend.port */
  readonly port?: number;
  /** Rate limit of this route; `false` lifts the construct-wide limit for it. @default the construct's `rateLimit` */
  readonly rateLimit?: RateLimit | false;
  /**
   * Long-lived responses: `sse` lengthens the timeouts and, with ingress-nginx, turns proxy
   * buffering off (Envoy never buffers responses); `websocket` lengthens the timeouts and takes no
   * body limit (the upgrade request has no body, and Envoy's request buffering would stall it).
   * Both edges upgrade the connection natively.
   * @default none (an ordinary request/response route)
   */
  readonly streaming?: StreamingKind;
  /**
   * Seconds the edge waits for the back end. With ingress-nginx this is the time between two reads
   * or writes (`proxy-read-timeout`, `proxy-send-timeout`). With Gateway API it is the whole
   * response (`timeouts.request`) and, through an Envoy Gateway policy, the longest silence on the
   * stream (`streamIdleTimeout`).
   * @default 600 for `sse`, 3600 for `websocket`, 60 (ingress-nginx's default, written out) otherwise
   */
  readonly timeoutSeconds?: number;
  /**
   * Largest request body on this route, as an nginx size (`'500m'` for an upload path). With
   * ingress-nginx the route gets an Ingress of its own, since the limit applies to a whole
   * Ingress; with Gateway API an Envoy Gateway policy targets the route's rule.
   * @default the construct's `maxBodySize`
   */
  readonly maxBodySize?: string;
}

/** `Strict-Transport-Security` settings. */
export interface HstsOptions {
  /** How long browsers remember to use HTTPS only. @default 31536000 (one year) */
  readonly maxAgeSeconds?: number;
  /** Also for every subdomain of the host. @default true */
  readonly includeSubDomains?: boolean;
  /** Ask to be on the browsers' preload list (needs includeSubDomains and a year's max-age). @default false */
  readonly preload?: boolean;
}

/** Props of a {@link TlsIngress}. */
export interface TlsIngressProps {
  /**
   * A label prepended to the environment's domain (`'api'` → `api.<domain>`), or a full name inside
   * that domain. Give `host` or `hosts`, not both.
   * @default the environment's bare domain
   */
  readonly host?: string;
  /** Several hosts, each as in `host`; all serve the same routes with one certificate. @default [the environment's bare domain] */
  readonly hosts?: readonly string[];
  /** The paths and the workloads behind them. */
  readonly routes: readonly TlsRoute[];
  /**
   * `gateway`: Gateway API `HTTPRoute`s on the environment's Gateway (see the environment's
   * `gateway`), with Envoy Gateway policies for body size, rate limits and timeouts.
   * `ingress-nginx`: `networking.k8s.io/v1` Ingresses for ingress-nginx, which was retired in
   * March 2026 (synth warns, code `ingress-nginx-retired`).
   * @default 'gateway'
   */
  readonly flavour?: TlsIngressFlavour;
  /** IngressClass of the Ingresses (flavour `ingress-nginx` only). @default 'nginx' */
  readonly className?: string;
  /** Largest request body, as an nginx size (`'10m'`, `'1g'`; `'0'` lifts the limit). @default '10m' */
  readonly maxBodySize?: string;
  /**
   * `Strict-Transport-Security`, or `false` to send none from this edge (with ingress-nginx, the
   * controller's own global `hsts` setting, on by default, still adds one to TLS hosts).
   * @default { maxAgeSeconds: 31536000, includeSubDomains: true, preload: false }
   */
  readonly hsts?: HstsOptions | false;
  /** `X-Frame-Options`: `DENY`, or `SAMEORIGIN` for an application that frames its own pages. @default 'DENY' */
  readonly frameOptions?: 'DENY' | 'SAMEORIGIN';
  /**
   * `Content-Security-Policy` sent with every response (`"default-src 'self'"`): the policy is the
   * application's to write, so there is no default.
   * @default none
   */
  readonly contentSecurityPolicy?: string;
  /** Rate limit of every route that does not set its own. @default none */
  readonly rateLimit?: RateLimit;
}

const NGINX = 'nginx.ingress.kubernetes.io/';
const DEFAULT_MAX_BODY_SIZE = '10m';
const STREAMING_TIMEOUT_SECONDS: Record<StreamingKind, number> = { sse: 600, websocket: 3600 };
const DEFAULT_BURST_MULTIPLIER = 5;
const RETIRED = 'ingress-nginx was retired in March 2026 (no releases, bug fixes or security patches since)';
// Gateway API standard channel limits (HTTPRoute CRD v1.6: maxItems of spec.rules and spec.hostnames).
const MAX_GATEWAY_RULES = 16;
const MAX_GATEWAY_HOSTNAMES = 16;

// z.custom keeps the workload object itself (a copy would lose its construct tree and getters).
const servedWorkload = z.custom<ServedWorkload>(
  (v) =>
    Construct.isConstruct(v) &&
    typeof (v as unknown as ServedWorkload).name === 'string' &&
    typeof (v as unknown as ServedWorkload).url === 'string' &&
    typeof (v as unknown as ServedWorkload).port === 'number',
  'must be a served shipshape workload (a WebApp, an AutoscaledBackend or a Worker with a port)',
);

// What ingress-nginx's strict path validation and Gateway API's PathPrefix/Exact both accept.
const pathSchema = z
  .string()
  .startsWith('/', { message: 'must be an absolute path starting with "/"', abort: true })
  .max(1024)
  .regex(
    /^\/[A-Za-z0-9._~/-]*$/,
    'may contain only letters, digits and "/", ".", "_", "~", "-" (what both ingress-nginx and Gateway API accept in a Prefix or Exact path)',
  )
  .refine((p) => !/\/\/|\/\.\.?(\/|$)/.test(p), 'must not contain empty, "." or ".." segments');

const bodySizeSchema = z.string().regex(/^[0-9]+[kKmMgG]?$/, 'must be an nginx size such as "10m", "512k" or "1g" ("0" lifts the limit)');

const rateLimitSchema = z
  .strictObject({
    requestsPerSecond: z.number().int().min(1).max(100_000),
    zone: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'must be a short name of lower-case letters, digits and "-"')
      .optional(),
    burst: z.number().int().min(1).optional(),
  })
  .refine((r) => r.burst === undefined || (r.burst >= r.requestsPerSecond && r.burst % r.requestsPerSecond === 0), {
    message: 'must be a whole multiple of requestsPerSecond (ingress-nginx sets the burst as requestsPerSecond × limit-burst-multiplier)',
    path: ['burst'],
  });

const schema = z.strictObject({
  host: z.string().min(1).optional(),
  hosts: z.array(z.string().min(1)).min(1, 'name at least one host, or leave hosts out for the bare domain').optional(),
  routes: z
    .array(
      z.strictObject({
        path: pathSchema,
        match: z.enum(['Prefix', 'Exact']).default('Prefix'),
        backend: servedWorkload,
        port: portNumber.optional(),
        rateLimit: z.union([z.literal(false), rateLimitSchema]).optional(),
        streaming: z.enum(['sse', 'websocket']).optional(),
        timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
        maxBodySize: bodySizeSchema.optional(),
      }),
    )
    .min(1, 'route at least one path'),
  flavour: z
    .enum(['gateway', 'ingress-nginx'], {
      message: `must be "gateway" (Gateway API, the default) or "ingress-nginx" (the retired controller; "ingress" was renamed to "ingress-nginx")`,
    })
    .default('gateway'),
  // Kept only to say where the shared Gateway is named now.
  gateway: z.unknown().optional(),
  className: dnsLabel.optional(),
  maxBodySize: bodySizeSchema.optional(),
  hsts: z
    .union([
      z.literal(false),
      z.strictObject({
        maxAgeSeconds: z.number().int().min(0).default(31_536_000),
        includeSubDomains: z.boolean().default(true),
        preload: z.boolean().default(false),
      }),
    ])
    .default({ maxAgeSeconds: 31_536_000, includeSubDomains: true, preload: false }),
  frameOptions: z.enum(['DENY', 'SAMEORIGIN']).default('DENY'),
  // A header value: visible ASCII and spaces, no line break that could end the header.
  contentSecurityPolicy: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[\x20-\x7e]+$/, 'must be one header value: printable ASCII, no line breaks')
    .optional(),
  rateLimit: rateLimitSchema.optional(),
});

type Parsed = z.output<typeof schema>;
type ParsedRoute = Parsed['routes'][number];
type ParsedRateLimit = z.output<typeof rateLimitSchema>;

/**
 * The HTTPS edge of a system: host names derived from the environment's domain, path routing to
 * served workloads, a cert-manager Certificate from the environment's issuer, HTTP → HTTPS
 * redirect, HSTS and security headers, body-size and rate limits, and long-lived SSE/WebSocket
 * routes. Records `gateway → backend` (or `ingress-controller → backend`) wiring so network policies let the edge in (from
 * the Gateway's data-plane pods, or from the ingress controller's namespace). The same host and
 * path routed by two edges of one environment is an error.
 *
 * Flavour `gateway` (default) writes Gateway API objects on the environment's Gateway: the system's
 * listeners (a Gateway `<system>`, or a ListenerSet `<system>` on the shared Gateway the
 * environment names; an HTTPS and an HTTP listener per host), an `HTTPRoute` `<id>` with one named
 * rule per path (security headers through `ResponseHeaderModifier`, `timeouts.request`) on the
 * HTTPS listeners, an `HTTPRoute` `<id>-redirect` answering 308 to `https` on the HTTP listeners,
 * and Envoy Gateway `BackendTrafficPolicy`s targeting rules by name for body size, rate limits and
 * long stream timeouts; client timeouts are the listeners'
 * `ClientTrafficPolicy`, since Envoy Gateway attaches those only to Gateways and ListenerSets.
 *
 * Flavour `ingress-nginx` writes `networking.k8s.io/v1` Ingresses, with a warning: the controller
 * was retired in March 2026. Its annotations apply to a whole Ingress, so routes are grouped by
 * their settings (rate limit, streaming, timeout, body size) into one Ingress each: the default
 * group is named after the construct id, the others `<id>-<first path>`; ingress-nginx merges them
 * by host. Security headers are set only where the controller allows them: ingress-nginx answers
 * 503 for every path of an Ingress whose `custom-headers` ConfigMap holds a header its
 * `global-allowed-response-headers` does not list, and a stock controller lists none. So the
 * headers the environment's `ingressController.allowedResponseHeaders` lists go into a ConfigMap
 * `<id>-headers` named by the `custom-headers` annotation (which also needs `annotations-risk-level`
 * Medium or above; the default, High, is), and the Ingresses carry a checksum of them, so changing
 * them updates the Ingresses and the controller re-reads the ConfigMap. Headers it does not list are
 * left out with a synth warning naming them (snippet annotations are no way round: current
 * controllers refuse them by default).
 */
export class TlsIngress extends Construct {
  /** The construct id: name of the default Ingress or the HTTPRoute, prefix of the other objects. */
  public readonly name: string;
  /** The system chart the edge belongs to. */
  public readonly system: SystemChart;
  /** The environment it is synthesized for. */
  public readonly environment: Environment;
  /** The flavour written. */
  public readonly flavour: TlsIngressFlavour;
  /** The host names served (empty when the props are invalid). */
  public readonly hosts: readonly string[];
  /** The Ingresses, one per group of routes with equal settings (flavour `ingress-nginx`). */
  public readonly ingresses: readonly k8s.KubeIngress[] = [];
  /** The HTTPRoutes: the routes, then the redirect (flavour `gateway`). */
  public readonly httpRoutes: readonly HttpRoute[] = [];
  /** The Envoy Gateway policies of the routes' rules (flavour `gateway`). */
  public readonly trafficPolicies: readonly BackendTrafficPolicy[] = [];
  /**
   * The ConfigMap of response headers named by the `custom-headers` annotation (flavour `ingress-nginx`),
   * holding the headers the environment's `ingressController.allowedResponseHeaders` lists; absent
   * when it lists none.
   */
  public readonly headersConfigMap?: k8s.KubeConfigMap;
  /** The cert-manager Certificate of every host (absent when the props are invalid). */
  public readonly certificate?: Certificate;

  constructor(scope: Construct, id: string, props: TlsIngressProps) {
    super(scope, id);
    this.name = id;
    this.system = SystemChart.of(this);
    this.environment = this.system.environment;
    this.flavour = props?.flavour === 'ingress-nginx' ? 'ingress-nginx' : 'gateway';
    this.hosts = [];

    const issues: Issue[] = [];
    if (!isDnsLabel(id))
      issues.push({ field: '(id)', message: `"${id}" names the edge's objects and must be a DNS label`, fix: 'use lower-case letters, digits and "-"' });
    const p = parseProps(this, 'TlsIngress', schema, props);
    if (!p) {
      reportErrors(this, 'TlsIngress', issues);
      return;
    }

    const hosts = this.resolveHosts(p, issues);
    issues.push(...this.checkRoutes(p), ...checkFlavour(p, hosts.length), ...checkHsts(p), ...this.checkRoutedElsewhere(p, hosts));
    reportErrors(this, 'TlsIngress', issues);
    if (issues.length > 0) return;
    if (p.flavour === 'ingress-nginx') {
      reportWarning(this, 'TlsIngress', 'ingress-nginx-retired', {
        field: 'flavour',
        message: `${RETIRED}; this edge still writes Ingresses for it`,
        fix: "move to Gateway API: remove flavour: 'ingress-nginx' (the default, 'gateway', writes HTTPRoutes for Envoy Gateway; see the README's migration guide), or acknowledge the warning in the environment until you do",
      });
    }

    this.hosts = hosts;
    const labels = workloadLabels({ name: id, system: this.system.system, component: 'edge' });
    const secretName = `${id}-tls`;
    this.certificate = new Certificate(this, 'Certificate', {
      metadata: { name: secretName, labels },
      spec: {
        secretName,
        dnsNames: [...hosts],
        issuerRef: { name: this.environment.tls.issuer, kind: this.environment.tls.kind, group: 'cert-manager.io' },
      },
    });
    const headers = securityHeaders(p);
    if (p.flavour === 'gateway') {
      const listeners = edgeListeners(this.system);
      listeners.addHosts(hosts, secretName);
      if (this.environment.tls.solver === 'http01')
        reportWarning(this, 'TlsIngress', 'gateway-http01-solver', http01SolverWarning(this.environment, hosts, listeners));
      const rules = gatewayRules(p);
      this.httpRoutes = writeHttpRoutes(this, id, labels, hosts, rules, headers, listeners);
      this.trafficPolicies = writeTrafficPolicies(this, id, labels, rules);
    } else {
      const allowed = this.allowedHeaders(p, headers);
      if (Object.keys(allowed).length > 0) {
        this.headersConfigMap = new k8s.KubeConfigMap(this, 'Headers', {
          metadata: { name: `${id}-headers`, labels },
          data: sortedRecord(allowed),
        });
      }
      this.ingresses = this.buildIngresses(p, hosts, labels, secretName, this.headersConfigMap ? checksum(allowed) : undefined);
    }

    // The edge's traffic reaches each back end from the Gateway's data plane (or the ingress controller).
    registerEdge(this.system, p.flavour as EdgeKind);
    for (const route of p.routes) {
      this.system.allowTraffic({ from: peers.edge, to: { kind: 'workload', name: route.backend.name }, port: route.backend.port });
    }
    // The ACME server fetches an HTTP-01 challenge through the same edge, from cert-manager's solver pods.
    this.system.admitHttp01Solver();
  }

  /** `https://<host>` for every host. */
  public get urls(): string[] {
    return this.hosts.map((host) => `https://${host}`);
  }

  private resolveHosts(p: Parsed, issues: Issue[]): string[] {
    const domain = this.environment.domain;
    if (p.host !== undefined && p.hosts !== undefined) {
      issues.push({ field: 'host', message: 'give either host or hosts, not both', fix: `hosts: ['${p.host}', …]` });
      return [];
    }
    const entries: Array<[string, string]> = p.hosts ? p.hosts.map((h, i) => [`hosts[${i}]`, h]) : p.host !== undefined ? [['host', p.host]] : [];
    if (entries.length === 0) return [domain];
    const hosts: string[] = [];
    for (const [field, value] of entries) {
      if (value !== value.toLowerCase()) {
        issues.push({ field, message: `"${value}" has upper-case letters; host names are written in lower case`, fix: `write "${value.toLowerCase()}"` });
        continue;
      }
      const host = value === domain || value.endsWith(`.${domain}`) ? value : DNS_LABEL.test(value) && value.length <= 63 ? `${value}.${domain}` : undefined;
      if (host === undefined) {
        issues.push({
          field,
          message: `"${value}" is outside the environment domain "${domain}"`,
          fix: `give a label to prepend to the domain ("api" → "api.${domain}") or a name ending in ".${domain}"; hosts of another domain belong to an environment with that domain`,
        });
      } else if (!hostname.max(253).safeParse(host).success) {
        issues.push({ field, message: `"${host}" is not a valid DNS name (lower case, at most 253 characters)` });
      } else if (hosts.includes(host)) {
        issues.push({ field, message: `"${host}" is listed twice`, fix: 'list each host once' });
      } else {
        hosts.push(host);
      }
    }
    return hosts;
  }

  private checkRoutes(p: Parsed): Issue[] {
    const issues: Issue[] = [];
    const seen = new Map<string, number>();
    p.routes.forEach((route, i) => {
      const backend = route.backend;
      const other = systemOf(backend);
      if (other !== this.system) {
        const where = other ? `system "${other.system}" in ${other.environment.name}` : 'no SystemChart';
        issues.push({
          field: `routes[${i}].backend`,
          message: `"${backend.name}" belongs to another SystemChart (${where}), not to "${this.system.system}" in ${this.environment.name}; an edge routes only to Services of its own namespace`,
          fix: `route to a workload of system "${this.system.system}" in ${this.environment.name}, or define the TlsIngress in the back end's system`,
        });
      }
      if (route.port !== undefined && route.port !== backend.port) {
        issues.push({
          field: `routes[${i}].port`,
          message: `backend "${backend.name}" serves ${backend.port}, not ${route.port}`,
          fix: `port: ${backend.port}, or leave port out to use the back end's`,
        });
      }
      const key = `${route.match} ${route.path}`;
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push({
          field: `routes[${i}].path`,
          message: `"${route.path}" (${route.match}) is already routed by routes[${first}]; the controller would pick one of them arbitrarily`,
          fix: 'route each path and match once',
        });
      } else {
        seen.set(key, i);
      }
    });
    return issues;
  }

  /** The same host and path routed by another edge of the environment (whichever system defines it). */
  private checkRoutedElsewhere(p: Parsed, hosts: readonly string[]): Issue[] {
    const fields = new Map<RoutedPath, number>();
    const paths = p.routes.flatMap((route, i) =>
      hosts.map((host) => {
        const routed: RoutedPath = { host, match: route.match, path: route.path };
        fields.set(routed, i);
        return routed;
      }),
    );
    const owner = `TlsIngress "${this.name}" of system "${this.system.system}"`;
    return [...claimPaths(this, owner, paths)].map(([routed, first]) => ({
      field: `routes[${fields.get(routed)}].path`,
      message: `${routed.host}${routed.path} (${routed.match}) is already routed by ${first} in ${this.environment.name}; the edge would send it to one of the two back ends, never both`,
      fix: 'route each host and path once in an environment: remove one route, or give one edge another host',
    }));
  }

  /**
   * The security headers the controller lets an Ingress set through `custom-headers`, named as the
   * environment spells them: ingress-nginx denies (503) every path of an Ingress whose headers
   * ConfigMap holds a header its `global-allowed-response-headers` does not list. The others are
   * left out, with a warning saying which and how to enable them.
   */
  private allowedHeaders(p: Parsed, headers: Record<string, string>): Record<string, string> {
    const env = this.environment;
    const spelled = new Map(env.ingressController.allowedResponseHeaders.map((name) => [name.toLowerCase(), name]));
    const allowed: Record<string, string> = {};
    const missing: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      const asAllowed = spelled.get(name.toLowerCase());
      if (asAllowed) allowed[asAllowed] = value;
      else missing.push(name);
    }
    if (missing.length > 0) {
      const hsts =
        missing.includes('Strict-Transport-Security') && p.hsts !== false
          ? " (ingress-nginx's own hsts setting, on by default, still sends Strict-Transport-Security: max-age=31536000; includeSubDomains)"
          : '';
      reportWarning(this, 'TlsIngress', 'edge-headers-not-set', {
        field: `${env.name}.ingressController.allowedResponseHeaders`,
        message: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set by this edge${hsts}: current ingress-nginx answers 503 for every Ingress whose custom-headers name a header its global-allowed-response-headers does not list, and the environment does not say the controller allows ${missing.length === 1 ? 'it' : 'them'}`,
        fix: `add ${missing.join(',')} to the controller's global-allowed-response-headers and to ingressController.allowedResponseHeaders in the ${env.name} environment; or set them for every host with the controller's add-headers; or use flavour 'gateway'`,
      });
    }
    return allowed;
  }

  private buildIngresses(
    p: Parsed,
    hosts: readonly string[],
    labels: Record<string, string>,
    secretName: string,
    headersChecksum: string | undefined,
  ): k8s.KubeIngress[] {
    const bodySize = p.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
    const common: Record<string, string> = {
      [`${NGINX}force-ssl-redirect`]: 'true',
      [`${NGINX}proxy-body-size`]: bodySize,
    };
    if (headersChecksum !== undefined) {
      // A change of the headers changes the Ingress too, so the controller re-reads the ConfigMap.
      common[CONFIG_CHECKSUM_ANNOTATION] = headersChecksum;
      // Response headers without snippets: more_set_headers from the ConfigMap, checked against the
      // controller's global-allowed-response-headers (see the class documentation).
      common[`${NGINX}custom-headers`] = `${this.environment.namespace}/${this.name}-headers`;
    }
    const defaultKey = JSON.stringify(routeAnnotations({ match: 'Prefix' }, p.rateLimit, bodySize));
    const groups = new Map<string, { annotations: Record<string, string>; routes: ParsedRoute[] }>();
    for (const route of p.routes) {
      const annotations = routeAnnotations(route, p.rateLimit, bodySize);
      // A route's own limit is its own budget unless it names a zone shared with other routes.
      const zone = route.rateLimit ? (route.rateLimit.zone ?? route.path) : undefined;
      const key = zone === undefined ? JSON.stringify(annotations) : JSON.stringify({ annotations, zone });
      const group = groups.get(key) ?? { annotations, routes: [] };
      group.routes.push(route);
      groups.set(key, group);
    }

    const names = new Set<string>();
    const ingresses: k8s.KubeIngress[] = [];
    for (const [key, group] of groups) {
      const name = key === defaultKey ? this.name : uniqueName(`${this.name}-${slug(group.routes[0].path)}`, names);
      names.add(name);
      const paths: k8s.HttpIngressPath[] = group.routes.map((route) => ({
        path: route.path,
        pathType: route.match,
        backend: { service: { name: route.backend.name, port: { number: route.backend.port } } },
      }));
      ingresses.push(
        new k8s.KubeIngress(this, name, {
          metadata: { name, labels, annotations: sortedRecord({ ...common, ...group.annotations }) },
          spec: {
            ingressClassName: p.className ?? 'nginx',
            tls: [{ hosts: [...hosts], secretName }],
            rules: hosts.map((host) => ({ host, http: { paths } })),
          },
        }),
      );
    }
    return ingresses;
  }
}

/** The system chart a workload construct was defined in, if any. */
function systemOf(workload: ServedWorkload): SystemChart | undefined {
  try {
    return SystemChart.of(workload as unknown as Construct);
  } catch {
    return undefined;
  }
}

/** The effective timeout of a route in seconds, if it has one of its own. */
function routeTimeout(route: Pick<ParsedRoute, 'streaming' | 'timeoutSeconds'>): number | undefined {
  return route.timeoutSeconds ?? (route.streaming ? STREAMING_TIMEOUT_SECONDS[route.streaming] : undefined);
}

/** The ingress-nginx annotations a route needs beyond the common ones; routes with equal maps share an Ingress. */
function routeAnnotations(route: Partial<ParsedRoute>, defaultLimit: ParsedRateLimit | undefined, defaultBodySize: string): Record<string, string> {
  const annotations: Record<string, string> = {};
  const limit = route.rateLimit === false ? undefined : (route.rateLimit ?? defaultLimit);
  if (limit) {
    annotations[`${NGINX}limit-rps`] = String(limit.requestsPerSecond);
    annotations[`${NGINX}limit-burst-multiplier`] = String(limit.burst === undefined ? DEFAULT_BURST_MULTIPLIER : limit.burst / limit.requestsPerSecond);
  }
  // Overrides the construct-wide proxy-body-size of the common annotations.
  if (route.maxBodySize !== undefined && route.maxBodySize !== defaultBodySize) annotations[`${NGINX}proxy-body-size`] = route.maxBodySize;
  // Server-sent events must reach the client as they are written, not when a buffer fills.
  if (route.streaming === 'sse') annotations[`${NGINX}proxy-buffering`] = 'off';
  const timeout = routeTimeout(route);
  if (timeout !== undefined) {
    annotations[`${NGINX}proxy-read-timeout`] = String(timeout);
    annotations[`${NGINX}proxy-send-timeout`] = String(timeout);
  }
  return sortedRecord(annotations);
}

/** The response headers every route carries, in a fixed order. */
/**
 * cert-manager answers an HTTP-01 challenge with an HTTPRoute attached where the issuer's
 * `gatewayHTTPRoute` solver says, and nowhere else: an issuer without a solver for this edge's
 * listeners never gets its certificate issued. The issuer is the platform team's, outside the
 * output, so synth names the solver it needs.
 */
function http01SolverWarning(env: Environment, hosts: readonly string[], listeners: EdgeListeners): Issue {
  const parentRef = `{ kind: '${listeners.kind}', name: '${listeners.name}', namespace: '${env.namespace}' }`;
  return {
    field: 'tls.solver',
    message: `cert-manager proves ${hosts.join(', ')} with an HTTP-01 challenge, which reaches its solver only through an HTTPRoute on this edge's ${listeners.kind} "${listeners.name}"; ${env.tls.kind} "${env.tls.issuer}" must attach it there, or the certificate is never issued`,
    fix: `give ${env.tls.kind} "${env.tls.issuer}" the solver { selector: { dnsNames: [${hosts.map((h) => `'${h}'`).join(', ')}] }, http01: { gatewayHTTPRoute: { parentRefs: [${parentRef}] } } } (cert-manager with Gateway API support enabled), then acknowledge this warning in the ${env.name} environment; or set tls: { solver: 'dns01' }`,
  };
}

function securityHeaders(p: Parsed): Record<string, string> {
  const headers: Record<string, string> = {};
  if (p.hsts !== false) {
    headers['Strict-Transport-Security'] = [
      `max-age=${p.hsts.maxAgeSeconds}`,
      ...(p.hsts.includeSubDomains ? ['includeSubDomains'] : []),
      ...(p.hsts.preload ? ['preload'] : []),
    ].join('; ');
  }
  headers['X-Content-Type-Options'] = 'nosniff';
  headers['X-Frame-Options'] = p.frameOptions;
  headers['Referrer-Policy'] = 'strict-origin-when-cross-origin';
  if (p.contentSecurityPolicy !== undefined) headers['Content-Security-Policy'] = p.contentSecurityPolicy;
  return headers;
}

function checkHsts(p: Parsed): Issue[] {
  if (p.hsts === false || !p.hsts.preload) return [];
  const issues: Issue[] = [];
  if (!p.hsts.includeSubDomains) {
    issues.push({
      field: 'hsts.preload',
      message: "the browsers' preload list requires includeSubDomains",
      fix: 'set hsts.includeSubDomains: true, or drop preload',
    });
  }
  if (p.hsts.maxAgeSeconds < 31_536_000) {
    issues.push({
      field: 'hsts.preload',
      message: `the browsers' preload list requires a max-age of at least 31536000 s (one year), not ${p.hsts.maxAgeSeconds}`,
      fix: 'raise hsts.maxAgeSeconds, or drop preload',
    });
  }
  return issues;
}

/** Props that one flavour needs and the other cannot honour: refused, never silently dropped. */
function checkFlavour(p: Parsed, hostCount: number): Issue[] {
  const issues: Issue[] = [];
  if (p.gateway !== undefined) {
    issues.push({
      field: 'gateway',
      message: "the shared Gateway is now named in the environment, for every edge of the system; the routes attach to the system's ListenerSet on it",
      fix: "remove gateway here and add gateway: { name: '<gateway>', namespace: '<its namespace>' } to the environment",
    });
  }
  if (p.flavour === 'ingress-nginx') return issues;
  if (p.className !== undefined) {
    issues.push({
      field: 'className',
      message: 'applies only to flavour "ingress-nginx"; an HTTPRoute is served by the Gateway it attaches to',
      fix: "remove className, or set the Gateway's class in the environment's gateway.className",
    });
  }
  const burstFix = 'leave burst out (Envoy Gateway allows requestsPerSecond at once), or raise requestsPerSecond';
  const burst = (limit: ParsedRateLimit | false | undefined, field: string) => {
    if (limit && limit.burst !== undefined && limit.burst !== limit.requestsPerSecond) {
      issues.push({
        field,
        message: `a burst of ${limit.burst} above ${limit.requestsPerSecond} requests per second cannot be expressed with flavour "gateway": Envoy Gateway's local rate limit refills a bucket of requestsPerSecond every second`,
        fix: burstFix,
      });
    }
  };
  burst(p.rateLimit, 'rateLimit.burst');
  p.routes.forEach((route, i) => {
    burst(route.rateLimit, `routes[${i}].rateLimit.burst`);
    if (route.streaming === 'websocket' && route.maxBodySize !== undefined && route.maxBodySize !== '0') {
      issues.push({
        field: `routes[${i}].maxBodySize`,
        message: 'a WebSocket route takes no body limit: Envoy enforces one by buffering the request, which stalls the connection upgrade',
        fix: 'remove maxBodySize from this route',
      });
    }
  });
  if (p.routes.length > MAX_GATEWAY_RULES) {
    issues.push({
      field: 'routes',
      message: `${p.routes.length} routes, but an HTTPRoute holds at most ${MAX_GATEWAY_RULES} rules`,
      fix: 'split the paths over two TlsIngress constructs',
    });
  }
  if (hostCount > MAX_GATEWAY_HOSTNAMES) {
    issues.push({
      field: 'hosts',
      message: `${hostCount} hosts, but an HTTPRoute holds at most ${MAX_GATEWAY_HOSTNAMES} hostnames`,
      fix: 'split the hosts over two TlsIngress constructs',
    });
  }
  return issues;
}

/** The rules of the edge's HTTPRoute: one per route, named after its path, with what its policy carries. */
function gatewayRules(p: Parsed): GatewayRule[] {
  const names = new Set<string>();
  return p.routes.map((route) => {
    const name = uniqueName(`${slug(route.path)}${route.match === 'Exact' ? '-exact' : ''}`, names);
    names.add(name);
    const limit = route.rateLimit === false ? undefined : (route.rateLimit ?? p.rateLimit);
    // The construct-wide limit is one zone for every route that inherits it.
    const zone = route.rateLimit ? route.rateLimit.zone : limit ? '(construct)' : undefined;
    const bodySize = route.maxBodySize ?? p.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
    return {
      name,
      path: route.path,
      match: route.match,
      backend: { name: route.backend.name, port: route.backend.port },
      timeoutSeconds: routeTimeout(route) ?? LISTENER_IDLE_SECONDS,
      maxBody: route.streaming === 'websocket' ? undefined : quantityOf(bodySize),
      rateLimit: limit ? { requestsPerSecond: limit.requestsPerSecond, zone } : undefined,
    };
  });
}

/** An nginx size (`10m`, `1g`, `512k`, bytes) as a Kubernetes quantity (`10Mi`), or none for `0` (no limit). */
function quantityOf(size: string): string | undefined {
  const [, digits, unit] = /^([0-9]+)([kKmMgG]?)$/.exec(size)!;
  if (Number(digits) === 0) return undefined;
  return unit === '' ? digits : `${digits}${unit.toUpperCase()}i`;
}

/** `/api/events` → `api-events`, `/` → `root`. */
function slug(path: string): string {
  const s = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'root' : s;
}

/** `base` cut to a DNS label, with `-2`, `-3`… appended while it is taken. */
function uniqueName(base: string, taken: ReadonlySet<string>): string {
  const cut = (s: string, max: number) => s.slice(0, max).replace(/-+$/, '');
  let name = cut(base, 63);
  for (let n = 2; taken.has(name); n++) name = `${cut(base, 63 - String(n).length - 1)}-${n}`;
  return name;
}
