import { CheckIssue, KubeJson, containersOf, issueFor, podTemplates, selects } from './objects';

/**
 * What the API server validates beyond the OpenAPI schema: name formats, label syntax, names of
 * containers and ports, duplicate keys of merged lists, and selectors matching their templates.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const issue = issueFor('api-rules');

/** Kinds whose names must be DNS labels (RFC 1123), and Services, which must be RFC 1035 labels. */
const LABEL_NAMED = new Set(['Namespace']);

function isSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

function checkName(object: KubeJson): CheckIssue[] {
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') return [issue(object, 'metadata.name', 'has no name', 'give the object a name')];
  if (object.kind === 'Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name)
      ? []
      : [
          issue(
            object,
            'metadata.name',
            `"${name}" is not a DNS-1035 label (a Service name starts with a letter, at most 63 characters)`,
            'rename the workload',
          ),
        ];
  }
  if (LABEL_NAMED.has(object.kind)) {
    return name.length <= 63 && DNS_1123_LABEL.test(name)
      ? []
      : [issue(object, 'metadata.name', `"${name}" is not a DNS label (at most 63 characters)`, 'rename it')];
  }
  return isSubdomain(name) ? [] : [issue(object, 'metadata.name', `"${name}" is not a DNS subdomain name`, 'use lower-case letters, digits, "-" and "."')];
}

/** Label and annotation keys: an optional DNS-subdomain prefix and a name of at most 63 characters. */
function checkKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isSubdomain(prefix)) return `the prefix "${prefix}" is not a DNS subdomain`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `the name "${name}" must be at most 63 letters, digits, "-", "_" or "."`;
  return undefined;
}

function checkMetadata(object: KubeJson, metadata: KubeJson | undefined, path: string): CheckIssue[] {
  const issues: CheckIssue[] = [];
  for (const [key, value] of Object.entries<string>(metadata?.labels ?? {})) {
    const keyProblem = checkKey(key);
    if (keyProblem) issues.push(issue(object, `${path}.labels[${key}]`, `invalid label key: ${keyProblem}`));
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      issues.push(issue(object, `${path}.labels[${key}]`, `invalid label value "${value}": at most 63 letters, digits, "-", "_" or "."`));
    }
  }
  for (const key of Object.keys(metadata?.annotations ?? {})) {
    const keyProblem = checkKey(key);
    if (keyProblem) issues.push(issue(object, `${path}.annotations[${key}]`, `invalid annotation key: ${keyProblem}`));
  }
  return issues;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) dupes.add(k);
    seen.add(k);
  }
  return [...dupes];
}

function checkPod(object: KubeJson, template: KubeJson, path: string): CheckIssue[] {
  const issues: CheckIssue[] = [...checkMetadata(object, template.metadata, `${path}.metadata`)];
  const pod = template.spec ?? {};
  const podPath = `${path}.spec`;
  const containers = containersOf(pod, podPath);
  // A StatefulSet adds a volume to its pods for each of its volumeClaimTemplates.
  const claimTemplates: KubeJson[] = object.kind === 'StatefulSet' ? (object.spec?.volumeClaimTemplates ?? []) : [];
  const volumeNames = new Set<string>([...(pod.volumes ?? []), ...claimTemplates.map((t) => t.metadata ?? {})].map((v: KubeJson) => v.name));
  for (const name of duplicates(containers, (c) => c.container.name)) {
    issues.push(
      issue(object, `${podPath}.containers`, `two containers are named "${name}"`, 'give every container (init containers included) a distinct name'),
    );
  }
  for (const { container, path: cPath } of containers) {
    if (typeof container.name !== 'string' || !DNS_1123_LABEL.test(container.name) || container.name.length > 63) {
      issues.push(issue(object, `${cPath}.name`, `container name "${container.name}" is not a DNS label`));
    }
    const ports: KubeJson[] = container.ports ?? [];
    ports.forEach((port, i) => {
      if (port.name !== undefined && (port.name.length > 15 || !PORT_NAME.test(port.name) || !/[a-z]/.test(port.name) || port.name.includes('--'))) {
        issues.push(
          issue(object, `${cPath}.ports[${i}].name`, `port name "${port.name}" must be at most 15 lower-case letters, digits and "-", with a letter`),
        );
      }
    });
    for (const dup of duplicates(ports, (p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`)) {
      issues.push(issue(object, `${cPath}.ports`, `port ${dup} is listed twice`));
    }
    for (const dup of duplicates(container.env ?? [], (e: KubeJson) => e.name)) {
      issues.push(issue(object, `${cPath}.env`, `variable ${dup} is set twice; the API server keeps one silently on apply`, 'set it once'));
    }
    for (const dup of duplicates(container.volumeMounts ?? [], (m: KubeJson) => m.mountPath)) {
      issues.push(issue(object, `${cPath}.volumeMounts`, `two volumes are mounted at ${dup}`));
    }
    for (const mount of container.volumeMounts ?? []) {
      if (!volumeNames.has(mount.name)) {
        issues.push(issue(object, `${cPath}.volumeMounts[${mount.name}]`, `mounts volume "${mount.name}", which the pod does not define`));
      }
    }
  }
  for (const dup of duplicates(pod.volumes ?? [], (v: KubeJson) => v.name)) {
    issues.push(issue(object, `${podPath}.volumes`, `two volumes are named "${dup}"`));
  }
  return issues;
}

/** A Job's pods run to completion: the API server refuses `Always`, which is also what an unset policy means. */
function checkRestartPolicy(object: KubeJson, template: KubeJson, path: string): CheckIssue[] {
  if (object.kind !== 'Job' && object.kind !== 'CronJob') return [];
  const policy = template.spec?.restartPolicy;
  if (policy === 'Never' || policy === 'OnFailure') return [];
  return [
    issue(
      object,
      `${path}.spec.restartPolicy`,
      `is ${policy === undefined ? 'unset (so "Always")' : `"${policy}"`}; the pods of a ${object.kind} run to completion, and the API server accepts only "Never" or "OnFailure"`,
      'set restartPolicy: Never (a failed attempt becomes a new pod, counted by backoffLimit) or OnFailure',
    ),
  ];
}

/** The most a ConfigMap or Secret may hold: etcd's request limit, as the API server enforces it. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A ConfigMap's keys and values (data and binaryData), or a Secret's decoded values, above 1 MiB. */
function checkDataSize(object: KubeJson): CheckIssue[] {
  let bytes = 0;
  if (object.kind === 'ConfigMap') {
    for (const [key, value] of Object.entries<string>(object.data ?? {})) bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
    for (const [key, value] of Object.entries<string>(object.binaryData ?? {})) bytes += Buffer.byteLength(key) + Buffer.from(String(value), 'base64').length;
  } else if (object.kind === 'Secret') {
    for (const value of Object.values<string>(object.data ?? {})) bytes += Buffer.from(String(value), 'base64').length;
    for (const value of Object.values<string>(object.stringData ?? {})) bytes += Buffer.byteLength(String(value));
  } else return [];
  if (bytes <= MAX_CONFIG_BYTES) return [];
  return [
    issue(
      object,
      'data',
      `holds ${bytes} bytes; Kubernetes refuses a ${object.kind} over 1 MiB (${MAX_CONFIG_BYTES} bytes)`,
      'move large content into the image or a volume (a PersistentClaim), or split it across several ConfigMaps',
    ),
  ];
}

/** Runs every API-server rule over the objects. */
export function checkApiRules(objects: readonly KubeJson[]): CheckIssue[] {
  const issues: CheckIssue[] = [];
  for (const object of objects) {
    issues.push(...checkName(object), ...checkMetadata(object, object.metadata, 'metadata'), ...checkDataSize(object));
    if (object.kind === 'Service') {
      const ports: KubeJson[] = object.spec?.ports ?? [];
      for (const dup of duplicates(ports, (p) => `${p.port}/${p.protocol ?? 'TCP'}`)) issues.push(issue(object, 'spec.ports', `port ${dup} is listed twice`));
      for (const dup of duplicates(
        ports.filter((p) => p.name),
        (p) => p.name,
      ))
        issues.push(issue(object, 'spec.ports', `two ports are named "${dup}"`));
    }
  }
  for (const { object, path, template } of podTemplates(objects)) {
    issues.push(...checkPod(object, template, path), ...checkRestartPolicy(object, template, path));
    const selector = object.spec?.selector?.matchLabels;
    if (object.kind !== 'Job' && object.kind !== 'CronJob' && !selects(selector, template.metadata?.labels)) {
      issues.push(
        issue(
          object,
          'spec.selector.matchLabels',
          'does not match the labels of its own pod template; the API server rejects it',
          'select on labels the template carries',
        ),
      );
    }
  }
  return issues;
}
