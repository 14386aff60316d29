import { Construct } from 'constructs';
import {
  BackendTrafficPolicy,
  BackendTrafficPolicySpec,
  BackendTrafficPolicySpecRateLimitLocalRules,
  BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType,
  BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit,
  BackendTrafficPolicySpecRequestBufferLimit,
} from '../../imports/backendtrafficpolicies-gateway.envoyproxy.io';
import {
  HttpRoute,
  HttpRouteSpecRules,
  HttpRouteSpecRulesFilters,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproutes-gateway.networking.k8s.io';
import { EdgeListeners, GATEWAY_GROUP, LISTENER_IDLE_SECONDS } from './gateway';

/** One rule of an edge's HTTPRoute and what its Envoy Gateway policy carries. */
export interface GatewayRule {
  /** The rule's name, unique in the route; policies target it as a section. */
  readonly name: string;
  /** The request path. */
  readonly path: string;
  /** `Prefix` or `Exact`. */
  readonly match: 'Prefix' | 'Exact';
  /** The Service and port. */
  readonly backend: { readonly name: string; readonly port: number };
  /** Seconds for the whole request, and the longest silence on its stream. */
  readonly timeoutSeconds: number;
  /** Largest request body as a Kubernetes quantity (`10Mi`), or none. */
  readonly maxBody?: string;
  /** Requests per second per client address, and whether the budget is shared with the policy's other rules. */
  readonly rateLimit?: { readonly requestsPerSecond: number; readonly zone?: string };
}

/**
 * The HTTPRoute `<name>` with one named rule per path on the hosts' HTTPS listeners, and
 * `<name>-redirect` on their HTTP listeners answering 308 to `https` (as ingress-nginx's
 * force-ssl-redirect). Every rule sets the security headers (`ResponseHeaderModifier`, `set`: a
 * header the application also sends is replaced, never doubled) and its `timeouts.request`.
 */
export function writeHttpRoutes(
  scope: Construct,
  name: string,
  labels: Record<string, string>,
  hosts: readonly string[],
  rules: readonly GatewayRule[],
  headers: Record<string, string>,
  listeners: EdgeListeners,
): HttpRoute[] {
  const headerFilter: HttpRouteSpecRulesFilters = {
    type: HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER,
    responseHeaderModifier: { set: Object.entries(headers).map(([header, value]) => ({ name: header, value })) },
  };
  const specRules: HttpRouteSpecRules[] = rules.map((rule) => ({
    name: rule.name,
    matches: [
      { path: { type: rule.match === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: rule.path } },
    ],
    filters: [headerFilter],
    backendRefs: [{ name: rule.backend.name, port: rule.backend.port }],
    // Written out even at the default: Envoy's own route timeout is 15 s, ingress-nginx's 60 s.
    timeouts: { request: `${rule.timeoutSeconds}s` },
  }));
  const routes = new HttpRoute(scope, 'HTTPRoute', {
    metadata: { name, labels },
    spec: { parentRefs: listeners.parentRefs(hosts, 'https'), hostnames: [...hosts], rules: specRules },
  });
  const redirect = new HttpRoute(scope, 'Redirect', {
    metadata: { name: `${name}-redirect`, labels },
    spec: {
      parentRefs: listeners.parentRefs(hosts, 'http'),
      hostnames: [...hosts],
      rules: [
        {
          filters: [
            {
              type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: {
                scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_308,
              },
            },
          ],
        },
      ],
    },
  });
  return [routes, redirect];
}

/**
 * Envoy Gateway BackendTrafficPolicies for the rules of HTTPRoute `route`: rules with equal
 * settings share one policy, which targets each of them by section name (`<route>` for the
 * policy of the first rule, `<route>-<rule>` for the others). A policy carries the body size
 * (`requestBuffer.limit`: Envoy receives the whole body before forwarding it, and answers 413 above
 * it), the per-client rate limit (`rateLimit.local`, one bucket per client address and proxy
 * replica; shared by the rules of one zone) and the stream idle timeout of rules that wait longer
 * than the listener's 60 s.
 */
export function writeTrafficPolicies(scope: Construct, route: string, labels: Record<string, string>, rules: readonly GatewayRule[]): BackendTrafficPolicy[] {
  const groups = new Map<string, { spec: PolicySettings; rules: GatewayRule[] }>();
  for (const rule of rules) {
    const spec = policySettings(rule);
    if (!spec) continue;
    const key = JSON.stringify(spec);
    const group = groups.get(key) ?? { spec, rules: [] };
    group.rules.push(rule);
    groups.set(key, group);
  }
  return [...groups.values()].map((group, i) => {
    const name = i === 0 ? route : `${route}-${group.rules[0].name}`;
    return new BackendTrafficPolicy(scope, `policy-${name}`, {
      metadata: { name, labels },
      spec: {
        targetRefs: group.rules.map((rule) => ({ group: GATEWAY_GROUP, kind: 'HTTPRoute', name: route, sectionName: rule.name })),
        ...policySpec(group.spec, group.rules.length > 1),
      },
    });
  });
}

/** What a rule's policy sets, or undefined when it needs none. */
type PolicySettings = { maxBody?: string; idleSeconds?: number; rateLimit?: GatewayRule['rateLimit'] };

function policySettings(rule: GatewayRule): PolicySettings | undefined {
  const idleSeconds = rule.timeoutSeconds === LISTENER_IDLE_SECONDS ? undefined : rule.timeoutSeconds;
  if (rule.maxBody === undefined && idleSeconds === undefined && rule.rateLimit === undefined) return undefined;
  return { maxBody: rule.maxBody, idleSeconds, rateLimit: rule.rateLimit };
}

function policySpec(settings: PolicySettings, severalTargets: boolean): Omit<BackendTrafficPolicySpec, 'targetRefs'> {
  const limit = settings.rateLimit;
  // One bucket per client address (IPv4 and IPv6 each need their own Distinct selector).
  const rules: BackendTrafficPolicySpecRateLimitLocalRules[] | undefined = limit
    ? ['0.0.0.0/0', '::/0'].map((value) => ({
        clientSelectors: [{ sourceCidr: { type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT, value } }],
        limit: { requests: limit.requestsPerSecond, unit: BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.SECOND },
        // Routes of one zone (or the construct-wide limit) share one budget, as one Ingress did.
        shared: limit.zone !== undefined && severalTargets ? true : undefined,
      }))
    : undefined;
  return {
    requestBuffer: settings.maxBody === undefined ? undefined : { limit: BackendTrafficPolicySpecRequestBufferLimit.fromString(settings.maxBody) },
    rateLimit: rules ? { local: { rules } } : undefined,
    timeout: settings.idleSeconds === undefined ? undefined : { http: { streamIdleTimeout: `${settings.idleSeconds}s` } },
  };
}
