import { Lazy } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { ClientTrafficPolicy } from '../../imports/clienttrafficpolicies-gateway.envoyproxy.io';
import {
  Gateway,
  GatewaySpecListeners,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../../imports/gateways-gateway.networking.k8s.io';
import type { HttpRouteSpecParentRefs } from '../../imports/httproutes-gateway.networking.k8s.io';
import { ListenerSet } from '../../imports/listenersets-gateway.networking.k8s.io';
import type { Environment } from '../environment';
import type { SystemChart } from '../system-chart';
import { systemLabels } from './labels';

/** The API group of Gateway API kinds. */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Seconds the data plane waits on an idle request or response stream, as ingress-nginx's proxy and client timeouts (60 s). */
export const LISTENER_IDLE_SECONDS = 60;
/** Envoy Gateway's labels on the data-plane pods of a Gateway. */
const OWNING_GATEWAY_NAME = 'gateway.envoyproxy.io/owning-gateway-name';
const OWNING_GATEWAY_NAMESPACE = 'gateway.envoyproxy.io/owning-gateway-namespace';

/** Which edge flavours the TlsIngresses of a system use; NetworkPolicies admit each one's pods. */
export type EdgeKind = 'gateway' | 'ingress-nginx';

/** The name of a host's listener: `https-<host>` or `http-<host>` (host names are valid section names). */
export function listenerName(protocol: 'http' | 'https', host: string): string {
  return `${protocol}-${host}`;
}

/** The Gateway whose data plane serves the environment's routes: the shared one, or the system's own. */
export function servingGateway(system: SystemChart): { name: string; namespace: string } {
  const gateway = system.environment.gateway;
  return gateway.name !== undefined && gateway.namespace !== undefined
    ? { name: gateway.name, namespace: gateway.namespace }
    : { name: system.system, namespace: system.environment.namespace };
}

/**
 * The listeners of one system's Gateway API edge: the Gateway `<system>` it writes in its
 * namespace, or, when the environment names a shared Gateway, a ListenerSet `<system>` attached to
 * it. Each host gets an HTTPS listener (terminating TLS with the certificate of the TlsIngress that
 * first serves it) and an HTTP listener for the redirect; routes attach by section name, so no
 * route ever answers plain HTTP. Routes, certificates and listeners share the system's namespace,
 * so no ReferenceGrant is needed. A ClientTrafficPolicy `<system>` sets the client timeouts.
 */
export class EdgeListeners {
  /** `Gateway` (written per system) or `ListenerSet` (on a shared Gateway). */
  public readonly kind: 'Gateway' | 'ListenerSet';
  /** Name of the Gateway or ListenerSet: the system's. */
  public readonly name: string;
  private readonly hosts = new Map<string, string>();

  constructor(system: SystemChart) {
    const env = system.environment;
    const shared = env.gateway.name !== undefined;
    this.kind = shared ? 'ListenerSet' : 'Gateway';
    this.name = system.system;
    const metadata = { name: this.name, labels: systemLabels(system.system) };
    // Rendered at synth time: every TlsIngress of the system adds its hosts first.
    // Gateway and ListenerSet listeners have the same shape (their imports type them apart).
    const listeners = Lazy.any({ produce: () => this.listeners() }) as unknown as never;
    if (shared) {
      new ListenerSet(system, 'edge-listeners', {
        metadata,
        spec: { parentRef: { group: GATEWAY_GROUP, kind: 'Gateway', name: env.gateway.name!, namespace: env.gateway.namespace }, listeners },
      });
    } else {
      new Gateway(system, 'edge-gateway', { metadata, spec: { gatewayClassName: env.gateway.className ?? 'eg', listeners } });
    }
    new ClientTrafficPolicy(system, 'edge-client-traffic', {
      metadata,
      spec: {
        targetRefs: [{ group: GATEWAY_GROUP, kind: this.kind, name: this.name }],
        // ingress-nginx's client_header_timeout, keepalive_timeout and client_body/proxy timeouts;
        // Envoy's own defaults wait an hour on idle connections and five minutes on idle streams.
        timeout: { http: { requestHeadersReceivedTimeout: '60s', idleTimeout: '75s', streamIdleTimeout: `${LISTENER_IDLE_SECONDS}s` } },
      },
    });
  }

  /** Adds HTTPS and HTTP listeners for `hosts`; a host already served keeps its first certificate. */
  public addHosts(hosts: readonly string[], certificateSecret: string): void {
    for (const host of hosts) if (!this.hosts.has(host)) this.hosts.set(host, certificateSecret);
  }

  /** The parentRefs of a route serving `hosts` on their HTTPS (or HTTP) listeners. */
  public parentRefs(hosts: readonly string[], protocol: 'http' | 'https'): HttpRouteSpecParentRefs[] {
    return hosts.map((host) => ({ group: GATEWAY_GROUP, kind: this.kind, name: this.name, sectionName: listenerName(protocol, host) }));
  }

  private listeners(): GatewaySpecListeners[] {
    const sameNamespace = { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    return [...this.hosts].flatMap(([hostname, secret]) => [
      { name: listenerName('http', hostname), hostname, protocol: 'HTTP', port: 80, allowedRoutes: sameNamespace },
      {
        name: listenerName('https', hostname),
        hostname,
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: secret }] },
        allowedRoutes: sameNamespace,
      },
    ]);
  }
}

const listenersOf = new WeakMap<SystemChart, EdgeListeners>();
const edgeKinds = new WeakMap<SystemChart, Set<EdgeKind>>();

/** The system's edge listeners, written once, when its first Gateway API edge asks for them. */
export function edgeListeners(system: SystemChart): EdgeListeners {
  let listeners = listenersOf.get(system);
  if (!listeners) {
    listeners = new EdgeListeners(system);
    listenersOf.set(system, listeners);
  }
  return listeners;
}

/** Records that a TlsIngress of `system` uses an edge of `kind`, so the NetworkPolicies admit its pods. */
export function registerEdge(system: SystemChart, kind: EdgeKind): void {
  const kinds = edgeKinds.get(system) ?? new Set<EdgeKind>();
  kinds.add(kind);
  edgeKinds.set(system, kinds);
}

/**
 * What the edge peer is called in the wiring list and in messages: `gateway` for a Gateway's data
 * plane (the default edge), `ingress-controller` for an ingress-nginx edge, both joined by `+` when
 * a system has both.
 */
export function edgeLabel(system: SystemChart): string {
  const kinds = edgeKinds.get(system) ?? new Set<EdgeKind>(['gateway']);
  return [...(kinds.has('gateway') ? ['gateway'] : []), ...(kinds.has('ingress-nginx') ? ['ingress-controller'] : [])].join('+');
}

/**
 * The pods the edge's traffic comes from, as NetworkPolicy peers: the Gateway's data plane
 * (namespace and labels from the environment's `gateway.dataPlane`) and, for an ingress-nginx edge,
 * the ingress controller's namespace. A system without an edge admits the default, the Gateway's.
 */
export function edgePeers(system: SystemChart): k8s.NetworkPolicyPeer[] {
  const kinds = edgeKinds.get(system) ?? new Set<EdgeKind>(['gateway']);
  const env: Environment = system.environment;
  const inNamespace = (namespace: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': namespace } });
  const peers: k8s.NetworkPolicyPeer[] = [];
  if (kinds.has('gateway')) {
    const gateway = servingGateway(system);
    const pods = env.gateway.dataPlane.podSelector ?? { [OWNING_GATEWAY_NAME]: gateway.name, [OWNING_GATEWAY_NAMESPACE]: gateway.namespace };
    peers.push({ namespaceSelector: inNamespace(env.gateway.dataPlane.namespace), podSelector: { matchLabels: { ...pods } } });
  }
  if (kinds.has('ingress-nginx')) peers.push({ namespaceSelector: inNamespace(env.ingressController.namespace) });
  return peers;
}

/** A route of an edge, as the duplicate check sees it. */
export interface RoutedPath {
  /** The host served. */
  readonly host: string;
  /** `Prefix` or `Exact`. */
  readonly match: string;
  /** The request path. */
  readonly path: string;
}

const routedPaths = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records the host and path pairs an edge routes in its environment (one App per environment) and
 * returns, for each pair another edge already routes, who routes it: the same host and path routed
 * twice reaches one of the two back ends, chosen by the controller, never both.
 */
export function claimPaths(edge: IConstruct, owner: string, paths: readonly RoutedPath[]): Map<RoutedPath, string> {
  const root = edge.node.root;
  const claimed = routedPaths.get(root) ?? new Map<string, string>();
  routedPaths.set(root, claimed);
  const taken = new Map<RoutedPath, string>();
  for (const routed of paths) {
    const key = `${routed.host} ${routed.match} ${routed.path}`;
    const first = claimed.get(key);
    if (first !== undefined && first !== owner) taken.set(routed, first);
    else claimed.set(key, owner);
  }
  return taken;
}
