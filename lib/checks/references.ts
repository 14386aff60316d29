import { CheckIssue, KubeJson, containersOf, issueFor, podTemplates, selects } from './objects';

/**
 * References between objects of one environment: selectors that select pods, autoscaler targets
 * that exist and leave the replica count alone, routes to Services and ports that exist, and the
 * ConfigMaps, Secrets, claims and ServiceAccounts pods use. Secrets and ConfigMaps made outside the
 * output are declared on the Namespace (annotations below), never assumed.
 */

/** Namespace annotation listing Secrets created outside shipshape (by a deploy script or an operator). */
export const EXTERNAL_SECRETS_ANNOTATION = 'shipshape.io/external-secrets';
/** Namespace annotation listing ConfigMaps created outside shipshape. */
export const EXTERNAL_CONFIGMAPS_ANNOTATION = 'shipshape.io/external-configmaps';
/** Namespace annotation listing the services other charts run in the namespace (a Redis, a Postgres). */
export const EXTERNAL_SERVICES_ANNOTATION = 'shipshape.io/external-services';
/** NetworkPolicy annotation naming the external service (declared on the Namespace) whose pods it selects. */
export const EXTERNAL_SERVICE_ANNOTATION = 'shipshape.io/external-service';
/**
 * NetworkPolicy annotation naming the cluster peer it admits when that is not the ingress
 * controller (`keda-operator`, `monitoring`), so a reader, and the environment's picture, knows
 * whom the namespace it admits stands for.
 */
export const ADMITS_ANNOTATION = 'shipshape.io/admits';
/** The label cert-manager puts on the pods that answer an ACME HTTP-01 challenge. */
export const ACME_HTTP01_SOLVER_SELECTOR: Readonly<Record<string, string>> = { 'acme.cert-manager.io/http01-solver': 'true' };
/** The port cert-manager's HTTP-01 solver pods listen on. */
export const ACME_HTTP01_SOLVER_PORT = 8089;

const issue = issueFor('references');

type Index = Map<string, KubeJson>;

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function listAnnotation(namespace: KubeJson | undefined, annotation: string): string[] {
  const value: string | undefined = namespace?.metadata?.annotations?.[annotation];
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/**
 * Why a NetworkPolicy whose selector matches no pod template of the output is wrong, or undefined
 * when its pods are made elsewhere by design: an external service the Namespace declares, or the
 * HTTP-01 solver pods cert-manager starts for a Certificate of the namespace.
 */
function podsMadeElsewhereProblem(
  policy: KubeJson,
  selector: Record<string, string>,
  externalServices: Set<string>,
  certificates: Set<string>,
): { message: string; fix?: string } | undefined {
  const ns = policy.metadata?.namespace;
  const service: string | undefined = policy.metadata?.annotations?.[EXTERNAL_SERVICE_ANNOTATION];
  if (service !== undefined) {
    if (externalServices.has(key('Service', ns, service))) return undefined;
    return {
      message: `selects the pods of external service "${service}", which the Namespace does not declare`,
      fix: `list it in the Namespace annotation ${EXTERNAL_SERVICES_ANNOTATION} (declare it in the environment's externalServices)`,
    };
  }
  const solver = Object.keys(selector).length === Object.keys(ACME_HTTP01_SOLVER_SELECTOR).length && selects(ACME_HTTP01_SOLVER_SELECTOR, selector);
  if (solver) {
    if (certificates.has(ns ?? '')) return undefined;
    return {
      message: "admits cert-manager's HTTP-01 solver, but the namespace has no Certificate for it to solve",
      fix: 'remove the policy, or define the TlsIngress that needs it',
    };
  }
  return { message: 'selects no pod template' };
}

/** What the objects of one environment define, or declare as made elsewhere, by `key()`. */
interface Known {
  readonly index: Index;
  readonly secrets: Set<string>;
  readonly configMaps: Set<string>;
  readonly externalServices: Set<string>;
  /** Namespaces holding a Certificate. */
  readonly certificates: Set<string>;
}

function knownObjects(objects: readonly KubeJson[]): Known {
  const known: Known = { index: new Map(), secrets: new Set(), configMaps: new Set(), externalServices: new Set(), certificates: new Set() };
  const { index, secrets, configMaps, externalServices, certificates } = known;
  for (const o of objects) {
    const ns = o.metadata?.namespace;
    index.set(key(o.kind, ns, o.metadata?.name), o);
    if (o.kind === 'Secret') secrets.add(key('Secret', ns, o.metadata.name));
    if (o.kind === 'ExternalSecret') secrets.add(key('Secret', ns, o.spec?.target?.name ?? o.metadata.name));
    if (o.kind === 'Certificate' && o.spec?.secretName) secrets.add(key('Secret', ns, o.spec.secretName));
    if (o.kind === 'Certificate') certificates.add(ns ?? '');
    if (o.kind === 'ConfigMap') configMaps.add(key('ConfigMap', ns, o.metadata.name));
    if (o.kind === 'Namespace') {
      for (const name of listAnnotation(o, EXTERNAL_SECRETS_ANNOTATION)) secrets.add(key('Secret', o.metadata.name, name));
      for (const name of listAnnotation(o, EXTERNAL_CONFIGMAPS_ANNOTATION)) configMaps.add(key('ConfigMap', o.metadata.name, name));
      for (const name of listAnnotation(o, EXTERNAL_SERVICES_ANNOTATION)) externalServices.add(key('Service', o.metadata.name, name));
    }
  }
  return known;
}

function missingSecret(o: KubeJson, field: string, name: string): CheckIssue {
  return issue(
    o,
    field,
    `Secret "${name}" is neither in the output nor declared external`,
    `create it (an ExternalSecretSource) or reference it by name from a construct so it is declared on the Namespace (${EXTERNAL_SECRETS_ANNOTATION})`,
  );
}

function missingConfigMap(o: KubeJson, field: string, name: string): CheckIssue {
  return issue(
    o,
    field,
    `ConfigMap "${name}" is neither in the output nor declared external`,
    `define it (SharedConfig or config) or declare it on the Namespace (${EXTERNAL_CONFIGMAPS_ANNOTATION})`,
  );
}

/** Runs every reference check over the objects of one environment. */
export function checkReferences(objects: readonly KubeJson[]): CheckIssue[] {
  const known = knownObjects(objects);
  const templates = podTemplates(objects);
  const selectsAPod = (ns: string | undefined, selector: Record<string, string> | undefined) =>
    templates.some((t) => t.object.metadata?.namespace === ns && selects(selector, t.template.metadata?.labels));
  const issues: CheckIssue[] = [];
  for (const { object, path, template } of templates) issues.push(...checkTemplateReferences(object, path, template, known));
  for (const object of objects) issues.push(...checkObjectReferences(object, known, selectsAPod));
  return issues;
}

/** The ServiceAccount, Secrets, ConfigMaps and claims a pod template uses exist. */
function checkTemplateReferences(object: KubeJson, path: string, template: KubeJson, known: Known): CheckIssue[] {
  const { index, secrets, configMaps } = known;
  const issues: CheckIssue[] = [];
  const ns = object.metadata?.namespace;
  const pod = template.spec ?? {};
  const saName = pod.serviceAccountName;
  if (saName && saName !== 'default' && !index.has(key('ServiceAccount', ns, saName))) {
    issues.push(issue(object, `${path}.spec.serviceAccountName`, `ServiceAccount "${saName}" does not exist`));
  }
  for (const { container, path: cPath } of containersOf(pod, `${path}.spec`)) {
    (container.envFrom ?? []).forEach((from: KubeJson, i: number) => {
      if (from.secretRef && !from.secretRef.optional && !secrets.has(key('Secret', ns, from.secretRef.name)))
        issues.push(missingSecret(object, `${cPath}.envFrom[${i}].secretRef`, from.secretRef.name));
      if (from.configMapRef && !from.configMapRef.optional && !configMaps.has(key('ConfigMap', ns, from.configMapRef.name))) {
        issues.push(missingConfigMap(object, `${cPath}.envFrom[${i}].configMapRef`, from.configMapRef.name));
      }
    });
    for (const env of container.env ?? []) {
      const secretRef = env.valueFrom?.secretKeyRef;
      if (secretRef && !secretRef.optional && !secrets.has(key('Secret', ns, secretRef.name)))
        issues.push(missingSecret(object, `${cPath}.env[${env.name}]`, secretRef.name));
      const configRef = env.valueFrom?.configMapKeyRef;
      if (configRef && !configRef.optional && !configMaps.has(key('ConfigMap', ns, configRef.name)))
        issues.push(missingConfigMap(object, `${cPath}.env[${env.name}]`, configRef.name));
    }
  }
  for (const volume of pod.volumes ?? []) {
    const field = `${path}.spec.volumes[${volume.name}]`;
    if (volume.secret && !volume.secret.optional && !secrets.has(key('Secret', ns, volume.secret.secretName)))
      issues.push(missingSecret(object, field, volume.secret.secretName));
    if (volume.configMap && !volume.configMap.optional && !configMaps.has(key('ConfigMap', ns, volume.configMap.name)))
      issues.push(missingConfigMap(object, field, volume.configMap.name));
    const claim = volume.persistentVolumeClaim?.claimName;
    if (claim && !index.has(key('PersistentVolumeClaim', ns, claim)))
      issues.push(issue(object, field, `PersistentVolumeClaim "${claim}" does not exist`, 'define the claim (PersistentClaim)'));
  }
  return issues;
}

/** What a Service, PDB, NetworkPolicy, autoscaler, Ingress or route points at exists. */
function checkObjectReferences(
  object: KubeJson,
  known: Known,
  selectsAPod: (ns: string | undefined, selector: Record<string, string> | undefined) => boolean,
): CheckIssue[] {
  const { index, secrets, configMaps } = known;
  const ns = object.metadata?.namespace;
  switch (object.kind) {
    case 'Service':
      return object.spec?.selector && !selectsAPod(ns, object.spec.selector)
        ? [issue(object, 'spec.selector', 'selects no pod template: the Service would have no endpoints')]
        : [];
    case 'PodDisruptionBudget':
      return selectsAPod(ns, object.spec?.selector?.matchLabels) ? [] : [issue(object, 'spec.selector', 'selects no pod template: it protects nothing')];
    case 'NetworkPolicy':
      return checkNetworkPolicy(object, known, selectsAPod);
    case 'HorizontalPodAutoscaler':
      return checkScaleTarget(object, index, object.spec?.scaleTargetRef?.kind, object.spec?.scaleTargetRef?.name, 'spec.scaleTargetRef');
    case 'ScaledObject':
      return [
        ...checkScaleTarget(object, index, object.spec?.scaleTargetRef?.kind ?? 'Deployment', object.spec?.scaleTargetRef?.name, 'spec.scaleTargetRef'),
        ...(object.spec?.triggers ?? []).flatMap((trigger: KubeJson, i: number) => {
          const auth = trigger.authenticationRef;
          const missing = auth && (auth.kind ?? 'TriggerAuthentication') === 'TriggerAuthentication' && !index.has(key('TriggerAuthentication', ns, auth.name));
          return missing ? [issue(object, `spec.triggers[${i}].authenticationRef`, `TriggerAuthentication "${auth.name}" does not exist`)] : [];
        }),
      ];
    case 'TriggerAuthentication':
      return (object.spec?.secretTargetRef ?? []).flatMap((ref: KubeJson, i: number) =>
        secrets.has(key('Secret', ns, ref.name)) ? [] : [missingSecret(object, `spec.secretTargetRef[${i}]`, ref.name)],
      );
    case 'Ingress':
      return checkIngress(object, index, secrets, configMaps);
    case 'HTTPRoute':
      return [
        ...(object.spec?.rules ?? []).flatMap((rule: KubeJson, i: number) =>
          (rule.backendRefs ?? []).flatMap((ref: KubeJson, j: number) => {
            if ((ref.kind ?? 'Service') !== 'Service') return [];
            const problem = servicePortProblem(index.get(key('Service', ref.namespace ?? ns, ref.name)), ref.name, ref.port);
            return problem ? [issue(object, `spec.rules[${i}].backendRefs[${j}]`, problem)] : [];
          }),
        ),
        ...checkParentRefs(object, index),
      ];
    case 'Gateway':
    case 'ListenerSet':
      return (object.spec?.listeners ?? []).flatMap((listener: KubeJson, i: number) =>
        (listener.tls?.certificateRefs ?? []).flatMap((ref: KubeJson, j: number) =>
          (ref.kind ?? 'Secret') === 'Secret' && !secrets.has(key('Secret', ref.namespace ?? ns, ref.name))
            ? [
                issue(
                  object,
                  `spec.listeners[${i}].tls.certificateRefs[${j}]`,
                  `TLS Secret "${ref.name}" has no Certificate issuing it`,
                  'let TlsIngress create the Certificate',
                ),
              ]
            : [],
        ),
      );
    case 'BackendTrafficPolicy':
    case 'ClientTrafficPolicy':
      return checkTargetRefs(object, index);
    case 'ServiceMonitor':
      return checkServiceMonitor(object, index);
    default:
      return [];
  }
}

/** A NetworkPolicy selects pods that exist (or are made elsewhere, as declared) and admits pods that exist. */
function checkNetworkPolicy(
  object: KubeJson,
  known: Known,
  selectsAPod: (ns: string | undefined, selector: Record<string, string> | undefined) => boolean,
): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const ns = object.metadata?.namespace;
  const selector = object.spec?.podSelector?.matchLabels;
  if (selector && Object.keys(selector).length && !selectsAPod(ns, selector)) {
    const problem = podsMadeElsewhereProblem(object, selector, known.externalServices, known.certificates);
    if (problem) issues.push(issue(object, 'spec.podSelector', problem.message, problem.fix));
  }
  (object.spec?.ingress ?? []).forEach((rule: KubeJson, i: number) =>
    (rule.from ?? []).forEach((peer: KubeJson, j: number) => {
      if (peer.podSelector && !peer.namespaceSelector && !selectsAPod(ns, peer.podSelector.matchLabels)) {
        issues.push(issue(object, `spec.ingress[${i}].from[${j}].podSelector`, 'allows traffic from pods that no template creates'));
      }
    }),
  );
  return issues;
}

function checkScaleTarget(object: KubeJson, index: Index, kind: string | undefined, name: string | undefined, field: string): CheckIssue[] {
  const target = index.get(key(kind ?? 'Deployment', object.metadata?.namespace, name ?? ''));
  if (!target) return [issue(object, field, `scales ${kind}/${name}, which does not exist`)];
  if (target.spec?.replicas !== undefined) {
    return [
      issue(
        object,
        field,
        `${kind}/${name} sets spec.replicas, so every apply resets what the autoscaler chose`,
        'leave replicas unset on an autoscaled workload',
      ),
    ];
  }
  return [];
}

/** A ServiceMonitor in its own namespace must select a Service that has each endpoint's named port, or it scrapes nothing. */
function checkServiceMonitor(object: KubeJson, index: Index): CheckIssue[] {
  const ns = object.metadata?.namespace;
  const services = [...index.values()].filter(
    (o) => o.kind === 'Service' && o.metadata?.namespace === ns && selects(object.spec?.selector?.matchLabels, o.metadata?.labels),
  );
  if (services.length === 0) return [issue(object, 'spec.selector', 'selects no Service: Prometheus would scrape nothing')];
  return (object.spec?.endpoints ?? []).flatMap((endpoint: KubeJson, i: number) =>
    endpoint.port === undefined || services.some((s) => (s.spec?.ports ?? []).some((p: KubeJson) => p.name === endpoint.port))
      ? []
      : [issue(object, `spec.endpoints[${i}].port`, `no Service it selects has a port named "${endpoint.port}"`)],
  );
}

function servicePortProblem(service: KubeJson | undefined, name: string, port: number | string | undefined): string | undefined {
  if (!service) return `Service "${name}" does not exist`;
  const ports: KubeJson[] = service.spec?.ports ?? [];
  if (port !== undefined && !ports.some((p) => p.port === port || p.name === port)) {
    return `Service "${name}" has no port ${port} (it has ${ports.map((p) => p.name ?? p.port).join(', ')})`;
  }
  return undefined;
}

function checkIngress(object: KubeJson, index: Index, secrets: Set<string>, configMaps: Set<string>): CheckIssue[] {
  const ns = object.metadata?.namespace;
  const issues: CheckIssue[] = [];
  (object.spec?.rules ?? []).forEach((rule: KubeJson, i: number) =>
    (rule.http?.paths ?? []).forEach((path: KubeJson, j: number) => {
      const service = path.backend?.service;
      if (!service) return;
      const problem = servicePortProblem(index.get(key('Service', ns, service.name)), service.name, service.port?.number ?? service.port?.name);
      if (problem) issues.push(issue(object, `spec.rules[${i}].http.paths[${j}].backend`, problem));
    }),
  );
  (object.spec?.tls ?? []).forEach((tls: KubeJson, i: number) => {
    if (tls.secretName && !secrets.has(key('Secret', ns, tls.secretName))) {
      issues.push(
        issue(object, `spec.tls[${i}].secretName`, `TLS Secret "${tls.secretName}" has no Certificate issuing it`, 'let TlsIngress create the Certificate'),
      );
    }
  });
  const headers: string | undefined = object.metadata?.annotations?.['nginx.ingress.kubernetes.io/custom-headers'];
  if (headers) {
    const [headerNs, name] = headers.includes('/') ? headers.split('/', 2) : [ns, headers];
    if (!configMaps.has(key('ConfigMap', headerNs, name)))
      issues.push(issue(object, 'metadata.annotations[nginx.ingress.kubernetes.io/custom-headers]', `ConfigMap "${headers}" does not exist`));
  }
  return issues;
}

/** Whether a listener's hostname (exact, `*.` wildcard, or none: every host) accepts `host`. */
function listenerAccepts(listenerHost: string | undefined, host: string): boolean {
  if (!listenerHost) return true;
  if (listenerHost.startsWith('*.')) return host.endsWith(listenerHost.slice(1)) && host.length > listenerHost.length - 1;
  return listenerHost === host;
}

/**
 * Every parentRef of an HTTPRoute names a Gateway or ListenerSet of the output and a listener of it
 * whose hostname matches the route's, and every hostname of the route is accepted by one of them:
 * otherwise the route is not attached (or a host is silently not served), which a cluster reports
 * only in the route's status.
 */
function checkParentRefs(route: KubeJson, index: Index): CheckIssue[] {
  const ns = route.metadata?.namespace;
  const hostnames: string[] = route.spec?.hostnames ?? [];
  const issues: CheckIssue[] = [];
  const accepted = new Set<string>();
  (route.spec?.parentRefs ?? []).forEach((ref: KubeJson, i: number) => {
    const field = `spec.parentRefs[${i}]`;
    const kind = ref.kind ?? 'Gateway';
    const parent = index.get(key(kind, ref.namespace ?? ns, ref.name));
    if (!parent) {
      issues.push(
        issue(
          route,
          field,
          `${kind} "${ref.name}" is not in the output, so the route attaches to nothing`,
          "attach routes to the Gateway or ListenerSet the environment's edge writes",
        ),
      );
      return;
    }
    const listeners: KubeJson[] = (parent.spec?.listeners ?? []).filter((l: KubeJson) => ref.sectionName === undefined || l.name === ref.sectionName);
    if (listeners.length === 0) {
      issues.push(
        issue(
          route,
          `${field}.sectionName`,
          `${kind} "${ref.name}" has no listener "${ref.sectionName}"`,
          `name one of its listeners: ${(parent.spec?.listeners ?? []).map((l: KubeJson) => l.name).join(', ')}`,
        ),
      );
      return;
    }
    const matching = listeners.filter((l) => hostnames.length === 0 || hostnames.some((h) => listenerAccepts(l.hostname, h)));
    if (matching.length === 0) {
      issues.push(
        issue(
          route,
          field,
          `listener "${listeners[0].name}" of ${kind} "${ref.name}" serves ${listeners[0].hostname}, none of the route's hostnames (${hostnames.join(', ')}), so the route is not attached`,
          'attach the route to the listener of its host',
        ),
      );
    }
    for (const h of hostnames) if (matching.some((l) => listenerAccepts(l.hostname, h))) accepted.add(h);
  });
  for (const h of hostnames) {
    if (!accepted.has(h) && issues.length === 0)
      issues.push(
        issue(
          route,
          'spec.hostnames',
          `"${h}" is accepted by none of the route's parent listeners, so it is not served`,
          'add a listener for the host, or a parentRef to it',
        ),
      );
  }
  return issues;
}

/** Every targetRef of an Envoy Gateway policy names an object of its namespace, and a section of it that exists. */
function checkTargetRefs(policy: KubeJson, index: Index): CheckIssue[] {
  const ns = policy.metadata?.namespace;
  const issues: CheckIssue[] = [];
  (policy.spec?.targetRefs ?? []).forEach((ref: KubeJson, i: number) => {
    const field = `spec.targetRefs[${i}]`;
    // A policy attaches only to objects of its own namespace.
    const target = index.get(key(ref.kind, ns, ref.name));
    if (!target) {
      issues.push(issue(policy, field, `${ref.kind} "${ref.name}" is not in the namespace, so the policy applies to nothing`));
      return;
    }
    if (ref.sectionName === undefined) return;
    const sections: string[] = ((ref.kind === 'HTTPRoute' ? target.spec?.rules : target.spec?.listeners) ?? []).map((s: KubeJson) => s.name).filter(Boolean);
    if (!sections.includes(ref.sectionName)) {
      issues.push(
        issue(
          policy,
          `${field}.sectionName`,
          `${ref.kind} "${ref.name}" has no ${ref.kind === 'HTTPRoute' ? 'rule' : 'listener'} named "${ref.sectionName}", so the policy applies to nothing`,
          `name one of: ${sections.join(', ') || '(none are named)'}`,
        ),
      );
    }
  });
  return issues;
}
