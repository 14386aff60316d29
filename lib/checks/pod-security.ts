/**
 * The Pod Security Standards (Kubernetes v1.28), `baseline` and `restricted` profiles, evaluated
 * on a pod spec in its JSON form. Each control is named as the standard names it; the names double
 * as the names of declared exceptions.
 */

/** The three profiles, from least to most strict. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A control of the standard. */
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
  /** The least strict profile that forbids it. */
  readonly level: 'baseline' | 'restricted';
  /** Where, e.g. `spec.containers[app].securityContext.allowPrivilegeEscalation`. */
  readonly field: string;
  /** What is wrong and the fix. */
  readonly message: string;
}

type Json = Record<string, any>;

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
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface NamedContainer {
  readonly path: string;
  readonly container: Json;
}

function containersOf(pod: Json): NamedContainer[] {
  const lists: [string, Json[] | undefined][] = [
    ['initContainers', pod.initContainers],
    ['containers', pod.containers],
    ['ephemeralContainers', pod.ephemeralContainers],
  ];
  return lists.flatMap(([list, containers]) => (containers ?? []).map((c) => ({ path: `spec.${list}[${c.name}]`, container: c })));
}

/** Every violation of the `baseline` and `restricted` profiles in a pod spec. */
export function evaluatePodSecurity(podSpec: Json, podAnnotations: Record<string, string> = {}): PodSecurityViolation[] {
  const found: PodSecurityViolation[] = [];
  const add = (control: PodSecurityControl, level: 'baseline' | 'restricted', field: string, message: string) =>
    found.push({ control, level, field, message });
  const podContext: Json = podSpec.securityContext ?? {};
  const containers = containersOf(podSpec);

  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (podSpec[key] === true) add('hostNamespaces', 'baseline', `spec.${key}`, `${key} shares the node's namespace with the pod; remove it`);
  }
  for (const volume of podSpec.volumes ?? []) {
    if (volume.hostPath) {
      add('hostPath', 'baseline', `spec.volumes[${volume.name}].hostPath`, `volume "${volume.name}" mounts a path of the node`);
      continue;
    }
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUME_TYPES.has(type)) {
      add('volumeTypes', 'restricted', `spec.volumes[${volume.name}].${type}`, `volume type "${type}" is not allowed; use configMap, secret, emptyDir, persistentVolumeClaim, projected, csi, downwardAPI or ephemeral`);
    }
  }
  for (const [key, value] of Object.entries(podAnnotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      add('appArmor', 'baseline', `metadata.annotations[${key}]`, `AppArmor profile "${value}" is not allowed; use runtime/default or a localhost/ profile`);
    }
  }
  for (const sysctl of podContext.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) add('sysctls', 'baseline', `spec.securityContext.sysctls[${sysctl.name}]`, `sysctl "${sysctl.name}" is not in the safe set`);
  }
  checkSeLinux(podContext.seLinuxOptions, 'spec.securityContext.seLinuxOptions', add);
  if (podContext.seccompProfile?.type === 'Unconfined') {
    add('seccomp', 'baseline', 'spec.securityContext.seccompProfile.type', 'seccomp Unconfined disables system call filtering; use RuntimeDefault');
  }
  if (podContext.runAsUser === 0) add('runAsUser', 'restricted', 'spec.securityContext.runAsUser', 'runs as user 0 (root); use a non-zero user id');

  const podSeccompSet = ['RuntimeDefault', 'Localhost'].includes(podContext.seccompProfile?.type);
  for (const { path, container } of containers) {
    const context: Json = container.securityContext ?? {};
    if (context.privileged === true) add('privileged', 'baseline', `${path}.securityContext.privileged`, 'privileged containers have full access to the node');
    for (const port of container.ports ?? []) {
      if (port.hostPort) add('hostPorts', 'baseline', `${path}.ports[${port.containerPort}].hostPort`, `hostPort ${port.hostPort} binds a port of the node`);
    }
    checkSeLinux(context.seLinuxOptions, `${path}.securityContext.seLinuxOptions`, add);
    if (context.procMount !== undefined && context.procMount !== 'Default') {
      add('procMount', 'baseline', `${path}.securityContext.procMount`, `procMount ${context.procMount} unmasks /proc; use Default`);
    }

    const added: string[] = context.capabilities?.add ?? [];
    const beyondBaseline = added.filter((c) => !BASELINE_CAPABILITIES.has(c));
    if (beyondBaseline.length) {
      add('capabilities', 'baseline', `${path}.securityContext.capabilities.add`, `adds ${beyondBaseline.join(', ')}, beyond the baseline set`);
    } else if (added.some((c) => c !== 'NET_BIND_SERVICE')) {
      add('capabilities', 'restricted', `${path}.securityContext.capabilities.add`, 'only NET_BIND_SERVICE may be added');
    }
    if (!(context.capabilities?.drop ?? []).includes('ALL')) {
      add('capabilities', 'restricted', `${path}.securityContext.capabilities.drop`, 'must drop ALL capabilities');
    }

    if (context.seccompProfile?.type === 'Unconfined') {
      add('seccomp', 'baseline', `${path}.securityContext.seccompProfile.type`, 'seccomp Unconfined disables system call filtering; use RuntimeDefault');
    } else if (!podSeccompSet && !['RuntimeDefault', 'Localhost'].includes(context.seccompProfile?.type)) {
      add('seccomp', 'restricted', `${path}.securityContext.seccompProfile`, 'no seccomp profile: set RuntimeDefault on the pod or the container');
    }
    if (context.allowPrivilegeEscalation !== false) {
      add('privilegeEscalation', 'restricted', `${path}.securityContext.allowPrivilegeEscalation`, 'must set allowPrivilegeEscalation: false');
    }
    const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (nonRoot !== true) add('runAsNonRoot', 'restricted', `${path}.securityContext.runAsNonRoot`, 'must run with runAsNonRoot: true');
    if (context.runAsUser === 0) add('runAsUser', 'restricted', `${path}.securityContext.runAsUser`, 'runs as user 0 (root); use a non-zero user id');
  }
  return found;
}

function checkSeLinux(
  options: Json | undefined,
  field: string,
  add: (control: PodSecurityControl, level: 'baseline', field: string, message: string) => void,
): void {
  if (!options) return;
  if (options.type !== undefined && !SELINUX_TYPES.has(options.type)) add('seLinux', 'baseline', `${field}.type`, `SELinux type "${options.type}" is not allowed`);
  if (options.user || options.role) add('seLinux', 'baseline', field, 'SELinux user and role must not be set');
}

/** The strictest profile a pod still meets, given its violations. */
export function strictestProfile(violations: readonly PodSecurityViolation[]): PodSecurityLevel {
  if (violations.some((v) => v.level === 'baseline')) return 'privileged';
  if (violations.length > 0) return 'baseline';
  return 'restricted';
}

const ORDER: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** The least strict of several profiles: what a namespace holding all those pods can enforce. */
export function weakestProfile(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return ORDER[Math.min(...levels.map((l) => ORDER.indexOf(l)), ORDER.length - 1)];
}
