import { k8s } from 'cdk8s-plus-28';
import { Environment } from '../environment';
import { EnvValue, checkEnv, toEnvVars } from './env';
import { Issue } from './issues';
import { ProbeSpec, ProbesSpec, toProbe } from './probes';
import { parseQuantity } from './quantity';
import { ResourcesSpec, scaleResources, toResourceRequirements } from './resources';
import { ContainerSpec } from './workload-props';

/** Requests and limits of an init container or sidecar that gives none. */
export const SIDECAR_RESOURCES: ResourcesSpec = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } };

/** The image every container of a workload runs unless it names its own, as deployed here. */
export interface ContainerImage {
  /** The reference, pins applied. */
  readonly reference: string;
  /** `IfNotPresent` for a pinned image, `Always` for a mutable tag. */
  readonly pullPolicy: string;
}

/** What the main container is made of, everything resolved. */
export interface MainContainerInput {
  /** Container name (the workload's name). */
  readonly name: string;
  readonly image: ContainerImage;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  /** Env by name, back-end URLs first. */
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly envFrom: readonly k8s.EnvFromSource[];
  /** Names the env sources are known to define; undefined when a Secret or an outside ConfigMap is loaded whole. */
  readonly knownEnvFrom?: readonly string[];
  readonly ports: readonly k8s.ContainerPort[];
  readonly probes: ProbesSpec;
  /** The port an HTTP probe without one checks. */
  readonly probePort?: string;
  readonly resources: ResourcesSpec;
  /** Where the resources were declared, for messages. */
  readonly resourcesField: string;
  readonly preStopSeconds: number;
  readonly securityContext: k8s.SecurityContext;
  readonly mounts: readonly k8s.VolumeMount[];
}

/** The main container and what is wrong with it. */
export function mainContainer(input: MainContainerInput, environment: Environment): { container: k8s.Container; issues: Issue[] } {
  const issues: Issue[] = [...checkEnv(input.env, 'env', input.envFrom.length > 0)];
  issues.push(...checkCapacity(input.resources, environment, input.resourcesField));
  issues.push(
    ...checkProbePorts(
      input.probes,
      input.ports.map((p) => p.name as string),
    ),
  );
  // Variables from a ConfigMap or Secret made elsewhere are unknown here: then $(VAR) is not checked.
  if (input.knownEnvFrom) issues.push(...checkCommandReferences(input, new Set([...Object.keys(input.env), ...input.knownEnvFrom]), ''));
  const probe = (kind: keyof ProbesSpec) => {
    const spec = input.probes[kind];
    if (!spec) return undefined;
    const built = toProbe(spec, input.probePort, `probes.${kind}`);
    issues.push(...built.issues);
    return built.probe;
  };
  const container: k8s.Container = {
    name: input.name,
    image: input.image.reference,
    imagePullPolicy: input.image.pullPolicy,
    command: input.command ? [...input.command] : undefined,
    args: input.args ? [...input.args] : undefined,
    workingDir: input.workingDir,
    ports: input.ports.length ? [...input.ports] : undefined,
    env: Object.keys(input.env).length ? toEnvVars(input.env) : undefined,
    envFrom: input.envFrom.length ? [...input.envFrom] : undefined,
    resources: toResourceRequirements(input.resources),
    startupProbe: probe('startup'),
    livenessProbe: probe('liveness'),
    readinessProbe: probe('readiness'),
    lifecycle: input.preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(input.preStopSeconds)] } } } : undefined,
    securityContext: input.securityContext,
    volumeMounts: [...input.mounts],
  };
  return { container, issues };
}

/** What init containers and sidecars share with the main container. */
export interface ExtraContainerContext {
  /** The workload's image, run by a container that names none. */
  readonly image: ContainerImage;
  /** Resolves an image a container names, pins applied; `field` locates it in messages. */
  readonly resolveImage: (image: string, field: string) => string;
  readonly securityContext: k8s.SecurityContext;
  /** The main container's mounts; the first is `/tmp`, which every container gets. */
  readonly mounts: readonly k8s.VolumeMount[];
  readonly volumes: readonly k8s.Volume[];
  readonly environment: Environment;
}

/** Init containers or sidecars (`field` is `initContainers` or `sidecars`). */
export function extraContainers(
  specs: readonly ContainerSpec[],
  field: string,
  context: ExtraContainerContext,
): { containers: k8s.Container[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const containers = specs.map((spec, i) => {
    const built = extraContainer(spec, `${field}[${i}]`, context);
    issues.push(...built.issues);
    return built.container;
  });
  return { containers, issues };
}

function extraContainer(spec: ContainerSpec, field: string, context: ExtraContainerContext): { container: k8s.Container; issues: Issue[] } {
  const issues: Issue[] = [...checkEnv(spec.env ?? {}, `${field}.env`, false)];
  issues.push(...checkCommandReferences(spec, new Set(Object.keys(spec.env ?? {})), `${field}.`));
  const resources = scaleResources(spec.resources ?? SIDECAR_RESOURCES, context.environment.scaling.resources);
  issues.push(...checkCapacity(resources, context.environment, `${field}.resources`));
  const mounts = spec.mounts ? [context.mounts[0], ...Object.entries(spec.mounts).map(([name, mountPath]) => ({ name, mountPath }))] : [...context.mounts];
  for (const m of mounts) {
    if (!context.volumes.some((v) => v.name === m.name))
      issues.push({ field: `${field}.mounts.${m.name}`, message: 'is not a volume of this workload', fix: 'add it to volumes or fix the name' });
  }
  const container: k8s.Container = {
    name: spec.name,
    image: spec.image ? context.resolveImage(spec.image, `${field}.image`) : context.image.reference,
    imagePullPolicy: context.image.pullPolicy,
    command: spec.command ? [...spec.command] : undefined,
    args: spec.args ? [...spec.args] : undefined,
    workingDir: spec.workingDir,
    env: spec.env && Object.keys(spec.env).length ? toEnvVars(spec.env) : undefined,
    resources: toResourceRequirements(resources),
    securityContext: context.securityContext,
    volumeMounts: mounts,
  };
  return { container, issues };
}

/** `$(VAR)` in a command or its arguments that names no variable of the container: Kubernetes passes the text on unchanged. */
function checkCommandReferences(
  spec: { readonly command?: readonly string[]; readonly args?: readonly string[] },
  defined: ReadonlySet<string>,
  prefix: string,
): Issue[] {
  const issues: Issue[] = [];
  for (const list of ['command', 'args'] as const) {
    (spec[list] ?? []).forEach((text, i) => {
      // `$$` is the escape of a literal `$`, so `$$(VAR)` is no reference.
      for (const match of text.matchAll(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        const name = match[1];
        if (name === undefined || defined.has(name)) continue;
        issues.push({
          field: `${prefix}${list}[${i}]`,
          message: `refers to $(${name}), which no variable of the container defines; Kubernetes would pass the text "$(${name})" on unchanged`,
          fix: `define ${name} in ${prefix}env, or write $$(${name}) for the literal text`,
        });
      }
    });
  }
  return issues;
}

/** Probe ports given by name that name no port of the main container: the kubelet could never run the probe. */
function checkProbePorts(probes: ProbesSpec, declared: readonly string[]): Issue[] {
  const issues: Issue[] = [];
  for (const [kind, probe] of Object.entries(probes) as [string, ProbeSpec | undefined][]) {
    if (!probe) continue;
    const [field, port] = 'http' in probe ? ['port', probe.port] : 'tcp' in probe ? ['tcp', probe.tcp] : ['', undefined];
    if (typeof port !== 'string' || declared.includes(port)) continue;
    issues.push({
      field: `probes.${kind}.${field}`,
      message: `"${port}" names no port of the container (it declares ${declared.length ? declared.map((d) => `"${d}"`).join(', ') : 'none'})`,
      fix: declared.length
        ? `use ${declared.map((d) => `"${d}"`).join(' or ')}, or the port number`
        : 'give the port number, or declare the port (a served port is named "http")',
    });
  }
  return issues;
}

/** Requests or limits above what the environment's largest node offers: such a pod is never scheduled. */
function checkCapacity(spec: ResourcesSpec, env: Environment, field: string): Issue[] {
  const issues: Issue[] = [];
  for (const side of ['requests', 'limits'] as const) {
    for (const key of ['cpu', 'memory'] as const) {
      const value = spec[side][key];
      const max = env.nodeCapacity[key];
      if (parseQuantity(value) <= parseQuantity(max)) continue;
      issues.push({
        field: `${field}.${side}.${key}`,
        message: `${value} is more than any node offers (${env.name}.nodeCapacity.${key} is ${max}); the pod would never be scheduled`,
        fix: `lower it, or set nodeCapacity: { ${key}: '…' } in the ${env.name} environment if its cluster has larger nodes`,
      });
    }
  }
  return issues;
}
