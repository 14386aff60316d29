import { KubeJson, podTemplates, selects } from '../checks/objects';
import { SINGLETON_ANNOTATION } from '../checks/policy';
import { ACME_HTTP01_SOLVER_SELECTOR, ADMITS_ANNOTATION, EXTERNAL_SERVICE_ANNOTATION } from '../checks/references';
import { GENERATED_HEADER, compareCodePoints as compare } from './output';

/**
 * The picture of one environment, `dist/<env>/README.md`: a Mermaid flowchart read off the
 * synthesized objects (not off the definitions), so it shows what the cluster receives:
 * internet → Gateway data plane → Gateway or ListenerSet (its listeners) → HTTPRoutes (or ingress
 * controller → Ingress hosts) → routes → Services → workloads → claims, and, dotted,
 * every connection a NetworkPolicy allows.
 */
export function environmentDiagram(environment: string, objects: readonly KubeJson[]): string {
  const graph = new Graph();
  const namespaces = objects.filter((o) => o.kind === 'Namespace').sort((a, b) => compare(a.metadata.name, b.metadata.name));
  for (const namespace of namespaces)
    describeNamespace(
      graph,
      namespace,
      objects.filter((o) => o.metadata?.namespace === namespace.metadata.name),
    );
  const title = `# ${environment}: what dist/${environment} deploys`;
  const legend = [
    'Solid arrows: traffic routed by the edge and Services, and the claims a workload mounts.',
    'Dotted arrows: connections a NetworkPolicy allows (every namespace denies all other ingress).',
    "Shapes: hexagon = edge, stadium = Service, rectangle = served workload, double rectangle = workload no Service reaches (worker, scheduler), cylinder = datastore or claim, slanted = migration Job, rounded = pods made outside this output (another chart's service, cert-manager's solver).",
  ];
  return [GENERATED_HEADER.replace(/^# /, '<!-- ').replace(/\n$/, ' -->'), title, '', ...legend, '', '```mermaid', ...graph.render(), '```', ''].join('\n');
}

/** Nodes grouped by namespace, and edges; rendered in a stable order. */
class Graph {
  private readonly groups = new Map<string, { title: string; nodes: Map<string, string> }>();
  private readonly outside = new Map<string, string>();
  private readonly edges = new Set<string>();

  /** A node inside the namespace's subgraph; `shape` wraps the quoted label, e.g. `["…"]`. */
  node(namespace: string, id: string, shape: readonly [string, string], lines: readonly string[]): string {
    const group = this.groups.get(namespace)!;
    group.nodes.set(id, `${id}${shape[0]}"${lines.map(escape).join('<br/>')}"${shape[1]}`);
    return id;
  }

  /** A node outside every namespace (the internet, an ingress controller). */
  external(id: string, line: string): string {
    this.outside.set(id, `${id}(("${escape(line)}"))`);
    return id;
  }

  group(namespace: string, title: string): void {
    this.groups.set(namespace, { title, nodes: new Map() });
  }

  /** `kind` `solid` is routed traffic or a mount; `allowed` is a NetworkPolicy rule. */
  edge(from: string, to: string, kind: 'solid' | 'allowed', label?: string): void {
    const arrow = kind === 'solid' ? '-->' : '-.->';
    this.edges.add(`${from} ${arrow}${label ? `|"${escape(label)}"|` : ''} ${to}`);
  }

  render(): string[] {
    const lines = ['flowchart LR'];
    for (const [, node] of [...this.outside].sort(([a], [b]) => compare(a, b))) lines.push(`  ${node}`);
    for (const [namespace, group] of [...this.groups].sort(([a], [b]) => compare(a, b))) {
      lines.push(`  subgraph ${nodeId('ns', namespace)}["${escape(group.title)}"]`);
      for (const [, node] of [...group.nodes].sort(([a], [b]) => compare(a, b))) lines.push(`    ${node}`);
      lines.push('  end');
    }
    lines.push(...[...this.edges].sort(compare).map((e) => `  ${e}`));
    return lines;
  }
}

function describeNamespace(graph: Graph, namespaceObject: KubeJson, objects: readonly KubeJson[]): void {
  const namespace: string = namespaceObject.metadata.name;
  const system = namespaceObject.metadata.labels?.['app.kubernetes.io/part-of'];
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const workloads = podTemplates(objects);
  graph.group(namespace, `${system ? `${system} · ` : ''}namespace ${namespace}`);

  const workloadId = (o: KubeJson) => nodeId(namespace, o.kind, o.metadata.name);
  const matching = (selector: Record<string, string> | undefined) => workloads.filter((t) => selects(selector, t.template.metadata?.labels));
  const served = new Set(ofKind('Service').flatMap((service) => matching(service.spec?.selector).map((t) => t.object)));
  for (const { object, template } of workloads) {
    const component = object.metadata?.labels?.['app.kubernetes.io/component'];
    const shape: readonly [string, string] =
      object.kind === 'Job' || object.kind === 'CronJob'
        ? ['[/', '/]']
        : component === 'datastore'
          ? ['[(', ')]']
          : served.has(object)
            ? ['[', ']']
            : ['[[', ']]'];
    graph.node(namespace, workloadId(object), shape, [object.metadata.name, `${object.kind}${scaleOf(object, objects)}`]);
    for (const volume of template.spec?.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim) graph.edge(workloadId(object), nodeId(namespace, 'PersistentVolumeClaim', claim), 'solid', 'mounts');
    }
    // A StatefulSet's claims of each replica: one node for them all.
    for (const claim of object.kind === 'StatefulSet' ? (object.spec?.volumeClaimTemplates ?? []) : []) {
      const name = `${claim.metadata?.name}-${object.metadata.name}-N`;
      const size = claim.spec?.resources?.requests?.storage;
      graph.node(
        namespace,
        nodeId(namespace, 'PersistentVolumeClaim', name),
        ['[(', ')]'],
        [name, [size, ...(claim.spec?.accessModes ?? []), 'per replica'].filter(Boolean).join(' ')],
      );
      graph.edge(workloadId(object), nodeId(namespace, 'PersistentVolumeClaim', name), 'solid', 'mounts');
    }
  }
  for (const claim of ofKind('PersistentVolumeClaim')) {
    const size = claim.spec?.resources?.requests?.storage;
    graph.node(
      namespace,
      nodeId(namespace, 'PersistentVolumeClaim', claim.metadata.name),
      ['[(', ')]'],
      [claim.metadata.name, [size, ...(claim.spec?.accessModes ?? [])].filter(Boolean).join(' ')],
    );
  }
  for (const service of ofKind('Service')) {
    const id = nodeId(namespace, 'Service', service.metadata.name);
    const ports = (service.spec?.ports ?? []).map((p: KubeJson) => p.port).join(', ');
    const nodePorts = (service.spec?.ports ?? [])
      .map((p: KubeJson) => p.nodePort)
      .filter(Boolean)
      .join(', ');
    const onNodes = service.spec?.type === 'NodePort' ? [nodePorts ? `NodePort :${nodePorts}` : 'NodePort'] : [];
    graph.node(namespace, id, ['([', '])'], [`svc ${service.metadata.name}`, `:${ports}`, ...onNodes]);
    for (const { object } of matching(service.spec?.selector)) graph.edge(id, workloadId(object), 'solid');
  }
  const policies = ofKind('NetworkPolicy');
  // The wiring admits the ingress controller as a whole namespace, in policies that name no other cluster peer.
  const controller = policies
    .filter((p) => !p.metadata?.annotations?.[ADMITS_ANNOTATION])
    .flatMap((p) => (p.spec?.ingress ?? []).flatMap((r: KubeJson) => r.from ?? []))
    .find((peer: KubeJson) => peer.namespaceSelector && (!peer.podSelector || peer.podSelector.matchLabels?.[OWNING_GATEWAY]));
  describeEdge(graph, namespace, objects, controller ? outsidePeer(graph, controller, undefined) : undefined);
  describePolicies(graph, namespace, policies, matching, workloadId);
}

/** The NetworkPolicies' allowed flows, from each admitted source to the pods each policy selects. */
function describePolicies(
  graph: Graph,
  namespace: string,
  policies: readonly KubeJson[],
  matching: (selector: Record<string, string> | undefined) => ReturnType<typeof podTemplates>,
  workloadId: (o: KubeJson) => string,
): void {
  for (const policy of policies) {
    const selector = policy.spec?.podSelector?.matchLabels;
    const targets = matching(selector).map((t) => workloadId(t.object));
    if (targets.length === 0) {
      const made = madeElsewhere(graph, namespace, policy, selector);
      if (made) targets.push(made);
    }
    for (const rule of policy.spec?.ingress ?? []) {
      const ports = (rule.ports ?? []).map((p: KubeJson) => p.port).join(', ');
      const label = ports ? `allow :${ports}` : 'allow';
      // No `from`: every source, such as the clients of a NodePort.
      if (!rule.from) for (const target of targets) graph.edge(graph.external('anywhere', 'any address'), target, 'allowed', label);
      for (const peer of rule.from ?? []) {
        const sources = peer.namespaceSelector
          ? [outsidePeer(graph, peer, policy.metadata?.annotations?.[ADMITS_ANNOTATION])]
          : matching(peer.podSelector?.matchLabels).map((t) => workloadId(t.object));
        for (const source of sources) for (const target of targets) graph.edge(source, target, 'allowed', label);
      }
    }
  }
}

/**
 * Edge hosts from Ingresses (grouped by the edge construct's name) and HTTPRoutes, with a route edge
 * per path. `controller` is the node of the ingress controller's pods that the namespace's policies
 * admit, when they admit one; otherwise the controller is known only by its class.
 */
function describeEdge(graph: Graph, namespace: string, objects: readonly KubeJson[], controller: string | undefined): void {
  const internet = graph.external('internet', 'internet');
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const edgeName = ingress.metadata?.labels?.['app.kubernetes.io/name'] ?? ingress.metadata.name;
    const hosts = (ingress.spec?.rules ?? []).map((r: KubeJson) => r.host).filter(Boolean);
    const id = graph.node(namespace, nodeId(namespace, 'edge', edgeName), ['{{', '}}'], [...new Set<string>(hosts), `Ingress ${edgeName}`]);
    const entry =
      controller ??
      graph.external(
        nodeId('controller', ingress.spec?.ingressClassName ?? 'default'),
        `ingress controller (class ${ingress.spec?.ingressClassName ?? 'default'})`,
      );
    graph.edge(internet, entry, 'solid', 'HTTPS');
    graph.edge(entry, id, 'solid');
    const traits = routeTraits(ingress.metadata?.annotations ?? {});
    for (const rule of ingress.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        if (!backend) continue;
        const match = path.pathType === 'Exact' ? `= ${path.path}` : path.path;
        graph.edge(id, nodeId(namespace, 'Service', backend.name), 'solid', [match, ...traits].join(' · '));
      }
    }
  }
  const gatewayEntry = controller ?? graph.external('gateway_data_plane', 'Gateway data plane');
  for (const parent of objects.filter((o) => o.kind === 'Gateway' || o.kind === 'ListenerSet')) {
    const listeners = (parent.spec?.listeners ?? []).map((l: KubeJson) => `${l.protocol} ${l.hostname ?? '*'}:${l.port}`);
    const on =
      parent.kind === 'ListenerSet'
        ? [`on Gateway ${parent.spec?.parentRef?.namespace ?? namespace}/${parent.spec?.parentRef?.name}`]
        : [`class ${parent.spec?.gatewayClassName}`];
    const id = graph.node(
      namespace,
      nodeId(namespace, parent.kind, parent.metadata.name),
      ['{{', '}}'],
      [`${parent.kind} ${parent.metadata.name}`, ...on, ...listeners],
    );
    graph.edge(internet, gatewayEntry, 'solid', 'HTTP, HTTPS');
    graph.edge(gatewayEntry, id, 'solid');
  }
  for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
    const redirect = (route.spec?.rules ?? []).flatMap((r: KubeJson) => r.filters ?? []).find((f: KubeJson) => f.type === 'RequestRedirect')?.requestRedirect;
    const does = redirect ? [`redirects ${redirect.statusCode ?? 302} to ${redirect.scheme ?? 'the same scheme'}`] : [];
    const id = graph.node(
      namespace,
      nodeId(namespace, 'HTTPRoute', route.metadata.name),
      ['{{', '}}'],
      [...(route.spec?.hostnames ?? []), `HTTPRoute ${route.metadata.name}`, ...does],
    );
    for (const parent of route.spec?.parentRefs ?? []) {
      const kind = parent.kind ?? 'Gateway';
      const inOutput = (parent.namespace ?? namespace) === namespace && objects.some((o) => o.kind === kind && o.metadata.name === parent.name);
      const parentId = inOutput
        ? nodeId(namespace, kind, parent.name)
        : graph.external(nodeId('gateway', parent.namespace ?? namespace, parent.name), `${kind} ${parent.namespace ?? namespace}/${parent.name}`);
      graph.edge(parentId, id, 'solid', parent.sectionName);
    }
    for (const rule of route.spec?.rules ?? []) {
      const matches = (rule.matches ?? []).map((m: KubeJson) => (m.path?.type === 'Exact' ? `= ${m.path.value}` : (m.path?.value ?? '/')));
      const traits = gatewayTraits(rule, route, objects);
      for (const backend of rule.backendRefs ?? [])
        graph.edge(id, nodeId(namespace, 'Service', backend.name), 'solid', [matches.join(', '), ...traits].join(' · '));
    }
  }
}

/** What an HTTPRoute rule does beyond routing: its rate limit, body limit and timeout, from the rule and the policies targeting it. */
function gatewayTraits(rule: KubeJson, route: KubeJson, objects: readonly KubeJson[]): string[] {
  const policy = objects.find(
    (o) =>
      o.kind === 'BackendTrafficPolicy' &&
      (o.spec?.targetRefs ?? []).some((t: KubeJson) => t.kind === 'HTTPRoute' && t.name === route.metadata.name && t.sectionName === rule.name),
  );
  const traits: string[] = [];
  const limit = policy?.spec?.rateLimit?.local?.rules?.[0]?.limit;
  if (limit) traits.push(`${limit.requests} r/${limit.unit === 'Second' ? 's' : limit.unit}`);
  if (policy?.spec?.requestBuffer?.limit) traits.push(`body ≤ ${policy.spec.requestBuffer.limit}`);
  if (rule.timeouts?.request) traits.push(rule.timeouts.request);
  return traits;
}

const NGINX = 'nginx.ingress.kubernetes.io/';
/** Envoy Gateway's label on the data-plane pods of a Gateway. */
const OWNING_GATEWAY = 'gateway.envoyproxy.io/owning-gateway-name';

/** What a route does beyond routing, read off its ingress-nginx annotations. */
function routeTraits(annotations: Record<string, string>): string[] {
  const traits: string[] = [];
  if (annotations[`${NGINX}limit-rps`]) traits.push(`${annotations[`${NGINX}limit-rps`]} r/s`);
  if (annotations[`${NGINX}proxy-buffering`] === 'off') traits.push('unbuffered');
  if (annotations[`${NGINX}proxy-read-timeout`]) traits.push(`${annotations[`${NGINX}proxy-read-timeout`]} s`);
  return traits;
}

/** ` ×2`, ` · HPA 2–5`, ` · KEDA 1–12`, ` · singleton`: how many pods, and who decides. */
function scaleOf(workload: KubeJson, objects: readonly KubeJson[]): string {
  const name = workload.metadata.name;
  const hpa = objects.find(
    (o) => o.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.kind === workload.kind && o.spec.scaleTargetRef.name === name,
  );
  if (hpa) return ` · HPA ${hpa.spec.minReplicas ?? 1}–${hpa.spec.maxReplicas}`;
  const scaled = objects.find(
    (o) => o.kind === 'ScaledObject' && (o.spec?.scaleTargetRef?.kind ?? 'Deployment') === workload.kind && o.spec?.scaleTargetRef?.name === name,
  );
  if (scaled) return ` · KEDA ${scaled.spec.minReplicaCount ?? 0}–${scaled.spec.maxReplicaCount ?? 100}`;
  if (workload.metadata?.annotations?.[SINGLETON_ANNOTATION] === 'true') return ' · singleton';
  return workload.spec?.replicas === undefined ? '' : ` ×${workload.spec.replicas}`;
}

/**
 * The node for pods of another namespace that a policy admits: the selected pods, such as KEDA's
 * operator; else the whole namespace, named by the peer the policy says it admits (`monitoring`),
 * or the ingress controller (as the wiring writes it) when it says none.
 */
function outsidePeer(graph: Graph, peer: KubeJson, admits: string | undefined): string {
  const labels: Record<string, string> = peer.namespaceSelector?.matchLabels ?? {};
  const namespace = labels['kubernetes.io/metadata.name'] ?? JSON.stringify(labels);
  const pods: Record<string, string> | undefined = peer.podSelector?.matchLabels;
  if (!pods) {
    const role = admits ?? 'ingress controller';
    return graph.external(nodeId('peers', namespace, ...(admits ? [admits] : [])), `${role} (namespace ${namespace})`);
  }
  if (pods[OWNING_GATEWAY])
    return graph.external(nodeId('peers', namespace, 'gateway', pods[OWNING_GATEWAY]), `Gateway ${pods[OWNING_GATEWAY]} data plane (namespace ${namespace})`);
  const name = pods['app.kubernetes.io/name'] ?? JSON.stringify(pods);
  return graph.external(nodeId('peers', namespace, name), `${name} (namespace ${namespace})`);
}

/** The node for pods a policy protects that no template of the output makes: another chart's service, cert-manager's solver. */
function madeElsewhere(graph: Graph, namespace: string, policy: KubeJson, selector: Record<string, string> | undefined): string | undefined {
  const service: string | undefined = policy.metadata?.annotations?.[EXTERNAL_SERVICE_ANNOTATION];
  if (service) return graph.node(namespace, nodeId(namespace, 'external', service), ['(', ')'], [service, 'external service']);
  if (selects(ACME_HTTP01_SOLVER_SELECTOR, selector))
    return graph.node(namespace, nodeId(namespace, 'acme-solver'), ['(', ')'], ['ACME HTTP-01 solver', 'cert-manager, on demand']);
  return undefined;
}

/** A Mermaid-safe, stable node id. */
function nodeId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9]/g, '_')).join('__');
}

/** Quotes inside a Mermaid label are written as entities. */
function escape(text: string): string {
  return text.replace(/"/g, '#quot;');
}
