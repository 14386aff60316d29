import { k8s } from 'cdk8s-plus-28';
import { SecuritySpec } from './workload-props';

/** The user and group a pod runs as when the props name none. */
export const DEFAULT_USER = 1000;

/** The hardened security contexts of a pod: one for every container, one for the pod. */
export interface SecurityContexts {
  /** Every container's: no privilege escalation, read-only root, ALL capabilities dropped. */
  readonly container: k8s.SecurityContext;
  /** The pod's: non-root user and group, the runtime's default seccomp profile. */
  readonly pod: k8s.PodSecurityContext;
}

/**
 * The security contexts the restricted Pod Security profile asks for, with the departures the
 * props declare. Whether a departure is allowed is decided later, against the environment's
 * exceptions; this only writes what was asked.
 */
export function securityContexts(security: SecuritySpec = {}): SecurityContexts {
  const runAsRoot = security.runAsRoot ?? false;
  return {
    container: {
      allowPrivilegeEscalation: security.allowPrivilegeEscalation ?? false,
      readOnlyRootFilesystem: security.readOnlyRootFilesystem ?? true,
      runAsNonRoot: !runAsRoot,
      capabilities: { drop: ['ALL'], add: security.addCapabilities?.length ? [...security.addCapabilities] : undefined },
    },
    pod: {
      runAsNonRoot: !runAsRoot,
      runAsUser: runAsRoot ? 0 : (security.runAsUser ?? DEFAULT_USER),
      runAsGroup: runAsRoot ? 0 : (security.runAsGroup ?? DEFAULT_USER),
      fsGroup: security.fsGroup ?? security.runAsGroup ?? DEFAULT_USER,
      supplementalGroups: security.supplementalGroups?.length ? [...security.supplementalGroups] : undefined,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}
