/**
 * The Pod Security Standards at Kubernetes v1.28, `baseline` and `restricted` profiles, evaluated on
 * a pod spec in its JSON form (`io.k8s.api.core.v1.PodSpec`), the way the PodSecurity admission
 * controller evaluates a pod against a namespace labelled `enforce-version: v1.28`.
 *
 * Each violation names the control it breaks and the lowest profile that forbids it, so one
 * evaluation tells both whether a pod is admitted and which level its namespace can enforce.
 */

import type { KubeJson } from './objects';

/** The three profiles, from least to most strict. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * A named control of the standard; used as the name of a declared exception too.
 *
 * The Windows `HostProcess` control of the standard is reported as `privileged`: a HostProcess
 * container runs with the node's privileges, and a separate name would be one more exception to
 * declare for the same grant.
 */
export type PodSecurityControl =
  | 'hostNamespaces'
  | 'privileged'
  | 'capabilities'
  | 'hostPath'
  | 'hostPorts'
  | 'appArmor'
  | 'seLinux'
  | 'procMount'
  | 'seccomp'
  | 'sysctls'
  | 'volumeTypes'
  | 'privilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser';

/** One way a pod falls short of a profile. */
export interface PodSecurityViolation {
  /** The control broken. */
  readonly control: PodSecurityControl;
  /** The lowest (least strict) profile that forbids it. */
  readonly level: 'baseline' | 'restricted';
  /**
   * Where, as a path inside the pod with containers, volumes, ports and sysctls named in brackets,
   * e.g. `spec.containers[app].securityContext.allowPrivilegeEscalation`.
   */
  readonly field: string;
  /** What is wrong and the fix, in one sentence. */
  readonly message: string;
}

type Json = KubeJson;
type Report = (control: PodSecurityControl, level: PodSecurityViolation['level'], field: string, message: string) => void;

/** Capabilities the baseline profile lets a container add: the container runtimes' default set. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
/** Sysctls namespaced to the pod and isolated from other pods, as of v1.28 (the TCP keepalive ones arrive in v1.29). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_syncookies',
]);
/** SELinux types a pod may ask for; `container_engine_t` only joins in v1.31. */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
/** Volume sources the restricted profile allows: none of them reaches the node or a storage system directly. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface ContainerAt {
  /** e.g. `spec.initContainers[migrate]`. */
  readonly path: string;
  readonly securityContext: Json;
  readonly ports: readonly Json[];
}

/** Every container the standard covers: init, regular and ephemeral. */
function containersOf(podSpec: Json): ContainerAt[] {
  return (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((list) =>
    ((podSpec[list] ?? []) as Json[]).map((c, i) => ({
      path: `spec.${list}[${c.name ?? i}]`,
      securityContext: c.securityContext ?? {},
      ports: c.ports ?? [],
    })),
  );
}

/**
 * Every violation of the `baseline` and `restricted` profiles (v1.28) in a pod spec.
 *
 * @param podSpec the pod spec as Kubernetes JSON (`containers`, `initContainers`, `ephemeralContainers`, `securityContext`, `volumes`, …)
 * @param podAnnotations the pod's annotations, where v1.28 sets AppArmor profiles
 * @returns one violation per offending field and level; empty when the pod meets `restricted`
 */
export function evaluatePodSecurity(podSpec: KubeJson, podAnnotations: Record<string, string> = {}): PodSecurityViolation[] {
  const found: PodSecurityViolation[] = [];
  const report: Report = (control, level, field, message) => found.push({ control, level, field, message });
  const podContext: Json = podSpec.securityContext ?? {};
  const containers = containersOf(podSpec);
  // Since v1.25 the standard exempts Windows pods from the restricted controls that only mean something on Linux.
  const linux = podSpec.os?.name !== 'windows';

  checkHostNamespaces(podSpec, report);
  checkPrivileged(podContext, containers, report);
  checkCapabilities(containers, linux, report);
  checkVolumes(podSpec.volumes ?? [], report);
  checkHostPorts(containers, report);
  checkAppArmor(podAnnotations, report);
  checkSeLinux(podContext, containers, report);
  checkProcMount(containers, report);
  checkSeccomp(podContext, containers, linux, report);
  checkSysctls(podContext, report);
  if (linux) checkPrivilegeEscalation(containers, report);
  checkRunAsNonRoot(podContext, containers, report);
  checkRunAsUser(podContext, containers, report);
  return found;
}

function checkHostNamespaces(podSpec: Json, report: Report): void {
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (podSpec[key] === true) {
      report('hostNamespaces', 'baseline', `spec.${key}`, `${key}: true shares a namespace of the node with the pod; remove it`);
    }
  }
}

function checkPrivileged(podContext: Json, containers: readonly ContainerAt[], report: Report): void {
  if (podContext.windowsOptions?.hostProcess === true) {
    report(
      'privileged',
      'baseline',
      'spec.securityContext.windowsOptions.hostProcess',
      'a HostProcess pod runs with the privileges of the Windows node; remove hostProcess',
    );
  }
  for (const { path, securityContext } of containers) {
    if (securityContext.privileged === true) {
      report('privileged', 'baseline', `${path}.securityContext.privileged`, 'a privileged container has full access to the node; remove privileged: true');
    }
    if (securityContext.windowsOptions?.hostProcess === true) {
      report(
        'privileged',
        'baseline',
        `${path}.securityContext.windowsOptions.hostProcess`,
        'a HostProcess container runs with the privileges of the Windows node; remove hostProcess',
      );
    }
  }
}

function checkCapabilities(containers: readonly ContainerAt[], linux: boolean, report: Report): void {
  for (const { path, securityContext } of containers) {
    const added: string[] = securityContext.capabilities?.add ?? [];
    const beyondBaseline = added.filter((c) => !BASELINE_CAPABILITIES.has(c));
    if (beyondBaseline.length > 0) {
      report(
        'capabilities',
        'baseline',
        `${path}.securityContext.capabilities.add`,
        `adds ${beyondBaseline.join(', ')}, beyond the default set a container runtime grants; remove ${beyondBaseline.length > 1 ? 'them' : 'it'}`,
      );
    }
    if (!linux) continue;
    // Capabilities the baseline tolerates but restricted does not; the ones reported above are left out so each is named once.
    const beyondRestricted = added.filter((c) => c !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.has(c));
    if (beyondRestricted.length > 0) {
      report(
        'capabilities',
        'restricted',
        `${path}.securityContext.capabilities.add`,
        `adds ${beyondRestricted.join(', ')}, but only NET_BIND_SERVICE may be added; remove ${beyondRestricted.length > 1 ? 'them' : 'it'}`,
      );
    }
    if (!(securityContext.capabilities?.drop ?? []).includes('ALL')) {
      report('capabilities', 'restricted', `${path}.securityContext.capabilities.drop`, 'keeps the default capabilities; set capabilities.drop: [ALL]');
    }
  }
}

function checkVolumes(volumes: readonly Json[], report: Report): void {
  for (const volume of volumes) {
    const at = `spec.volumes[${volume.name}]`;
    if (volume.hostPath != null) {
      // A hostPath volume breaks volumeTypes too; reporting it once, at the lower level, keeps one exception enough.
      report(
        'hostPath',
        'baseline',
        `${at}.hostPath`,
        `volume "${volume.name}" mounts ${volume.hostPath.path ?? 'a path'} of the node; use an emptyDir, configMap, secret or persistentVolumeClaim instead`,
      );
      continue;
    }
    for (const type of Object.keys(volume)) {
      if (type === 'name' || RESTRICTED_VOLUME_TYPES.has(type) || volume[type] == null) continue;
      report(
        'volumeTypes',
        'restricted',
        `${at}.${type}`,
        `volume "${volume.name}" is of type ${type}; mount it through a persistentVolumeClaim (or use configMap, secret, emptyDir, projected, downwardAPI, csi or ephemeral)`,
      );
    }
  }
}

function checkHostPorts(containers: readonly ContainerAt[], report: Report): void {
  for (const { path, ports } of containers) {
    for (const port of ports) {
      if (port.hostPort) {
        report(
          'hostPorts',
          'baseline',
          `${path}.ports[${port.name ?? port.containerPort}].hostPort`,
          `hostPort ${port.hostPort} binds a port of the node; remove it and reach the pod through a Service`,
        );
      }
    }
  }
}

function checkAppArmor(podAnnotations: Record<string, string>, report: Report): void {
  for (const [key, profile] of Object.entries(podAnnotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || profile === '' || profile === 'runtime/default' || profile.startsWith('localhost/')) continue;
    report(
      'appArmor',
      'baseline',
      `metadata.annotations[${key}]`,
      `AppArmor profile "${profile}" overrides the default confinement; use runtime/default or a localhost/ profile`,
    );
  }
}

function checkSeLinux(podContext: Json, containers: readonly ContainerAt[], report: Report): void {
  const contexts = [
    { at: 'spec.securityContext', context: podContext },
    ...containers.map((c) => ({ at: `${c.path}.securityContext`, context: c.securityContext })),
  ];
  for (const { at, context } of contexts) {
    const options: Json = context.seLinuxOptions ?? {};
    if (options.type != null && !SELINUX_TYPES.has(options.type)) {
      report(
        'seLinux',
        'baseline',
        `${at}.seLinuxOptions.type`,
        `SELinux type "${options.type}" escapes the container policy; use container_t, container_init_t or container_kvm_t, or leave it unset`,
      );
    }
    for (const key of ['user', 'role']) {
      if (options[key]) {
        report('seLinux', 'baseline', `${at}.seLinuxOptions.${key}`, `a custom SELinux ${key} ("${options[key]}") is not allowed; remove it`);
      }
    }
  }
}

function checkProcMount(containers: readonly ContainerAt[], report: Report): void {
  for (const { path, securityContext } of containers) {
    const procMount = securityContext.procMount;
    if (procMount != null && procMount !== 'Default') {
      report('procMount', 'baseline', `${path}.securityContext.procMount`, `procMount ${procMount} unmasks /proc; use Default or leave it unset`);
    }
  }
}

function checkSeccomp(podContext: Json, containers: readonly ContainerAt[], linux: boolean, report: Report): void {
  const forbidden = (type: unknown) => type != null && !SECCOMP_TYPES.has(type as string);
  const podType = podContext.seccompProfile?.type;
  if (forbidden(podType)) {
    report('seccomp', 'baseline', 'spec.securityContext.seccompProfile.type', `seccomp profile ${podType} turns off system call filtering; use RuntimeDefault`);
  }
  for (const { path, securityContext } of containers) {
    const type = securityContext.seccompProfile?.type;
    if (forbidden(type)) {
      report(
        'seccomp',
        'baseline',
        `${path}.securityContext.seccompProfile.type`,
        `seccomp profile ${type} turns off system call filtering; use RuntimeDefault`,
      );
    } else if (linux && type == null && podType == null) {
      // A container inheriting a bad pod-level profile is covered by the pod's report; only one with no profile at all is new.
      report(
        'seccomp',
        'restricted',
        `${path}.securityContext.seccompProfile.type`,
        'runs without a seccomp profile; set seccompProfile.type: RuntimeDefault on the pod or on this container',
      );
    }
  }
}

function checkSysctls(podContext: Json, report: Report): void {
  for (const { name } of (podContext.sysctls ?? []) as Json[]) {
    if (!SAFE_SYSCTLS.has(name)) {
      report(
        'sysctls',
        'baseline',
        `spec.securityContext.sysctls[${name}]`,
        `sysctl ${name} is not in the safe set and can affect the node or other pods; remove it or tune it on the node`,
      );
    }
  }
}

function checkPrivilegeEscalation(containers: readonly ContainerAt[], report: Report): void {
  for (const { path, securityContext } of containers) {
    // Unset means allowed, so only an explicit false passes.
    if (securityContext.allowPrivilegeEscalation !== false) {
      report(
        'privilegeEscalation',
        'restricted',
        `${path}.securityContext.allowPrivilegeEscalation`,
        'lets a process gain privileges through setuid binaries; set allowPrivilegeEscalation: false',
      );
    }
  }
}

function checkRunAsNonRoot(podContext: Json, containers: readonly ContainerAt[], report: Report): void {
  const podValue = podContext.runAsNonRoot;
  if (podValue === false) {
    report('runAsNonRoot', 'restricted', 'spec.securityContext.runAsNonRoot', 'runAsNonRoot: false lets the containers run as root; set it to true');
  }
  for (const { path, securityContext } of containers) {
    const value = securityContext.runAsNonRoot;
    if (value === false) {
      report('runAsNonRoot', 'restricted', `${path}.securityContext.runAsNonRoot`, 'runAsNonRoot: false lets the container run as root; set it to true');
    } else if (value == null && podValue == null) {
      // A container inheriting the pod's explicit false is covered by the pod's report.
      report('runAsNonRoot', 'restricted', `${path}.securityContext.runAsNonRoot`, 'may run as root; set runAsNonRoot: true on the pod or on this container');
    }
  }
}

function checkRunAsUser(podContext: Json, containers: readonly ContainerAt[], report: Report): void {
  const contexts = [
    { at: 'spec.securityContext', context: podContext },
    ...containers.map((c) => ({ at: `${c.path}.securityContext`, context: c.securityContext })),
  ];
  for (const { at, context } of contexts) {
    if (context.runAsUser === 0) {
      report('runAsUser', 'restricted', `${at}.runAsUser`, 'runAsUser: 0 runs as root; use a non-zero user id such as 1000');
    }
  }
}

/**
 * The strictest profile a pod still meets, given its violations: `restricted` if none, `baseline`
 * if only restricted-level ones, else `privileged`.
 */
export function strictestProfile(violations: readonly PodSecurityViolation[]): PodSecurityLevel {
  if (violations.some((v) => v.level === 'baseline')) return 'privileged';
  return violations.length > 0 ? 'baseline' : 'restricted';
}

const ORDER: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/**
 * The least strict of several profiles: the strictest a namespace holding all those pods can
 * enforce. `restricted` when there are none, since an empty namespace can enforce anything.
 */
export function weakestProfile(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return levels.reduce<PodSecurityLevel>((weakest, level) => (ORDER.indexOf(level) < ORDER.indexOf(weakest) ? level : weakest), 'restricted');
}
