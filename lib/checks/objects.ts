/** Shared vocabulary of the checks that run over synthesized objects. */

/** A synthesized object as plain JSON. */
// The checks walk objects of every kind by field name; `unknown` would need a cast at each step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeJson = Record<string, any>;

/** One problem a check found in the output. */
export interface CheckIssue {
  /** The check that found it (`api-rules`, `references`, `policy`, `schema`). */
  readonly check: string;
  /** `Kind/name` of the object, with its namespace when it has one. */
  readonly object: string;
  /** Path inside the object, e.g. `spec.template.spec.containers[web].ports[0].name`. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix?: string;
}

/** `Kind/namespace/name` or `Kind/name`, for messages. */
export function describeObject(o: KubeJson): string {
  const ns = o.metadata?.namespace;
  return `${o.kind}/${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

/** A pod template of an object, with the path to it. */
export interface PodTemplateRef {
  readonly object: KubeJson;
  readonly path: string;
  readonly template: KubeJson;
}

/** The pod templates of the workload kinds that have one. */
export function podTemplates(objects: readonly KubeJson[]): PodTemplateRef[] {
  const found: PodTemplateRef[] = [];
  for (const object of objects) {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind) && object.spec?.template) {
      found.push({ object, path: 'spec.template', template: object.spec.template });
    } else if (object.kind === 'CronJob' && object.spec?.jobTemplate?.spec?.template) {
      found.push({ object, path: 'spec.jobTemplate.spec.template', template: object.spec.jobTemplate.spec.template });
    }
  }
  return found;
}

/** Every container of a pod spec (init, regular, ephemeral) with its field path. */
export function containersOf(pod: KubeJson, podPath: string): { container: KubeJson; path: string }[] {
  return (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((list) =>
    (pod[list] ?? []).map((container: KubeJson) => ({ container, path: `${podPath}.${list}[${container.name}]` })),
  );
}

/** Whether every label of `selector` is on `labels`: a selector matches a pod template. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The issue constructor for one check. */
export function issueFor(check: string) {
  return (object: KubeJson, field: string, message: string, fix?: string): CheckIssue => ({ check, object: describeObject(object), field, message, fix });
}
