/** The controller that runs a workload's pods. */
export type ControllerKind = 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';

/** A pod's restart policy; a Job's pods may not use `Always`. */
export type RestartPolicy = 'Always' | 'Never' | 'OnFailure';

/** Whether the controller runs pods to completion (a Job, a CronJob's Jobs) rather than keeping them running. */
export function runsToCompletion(kind: ControllerKind): boolean {
  return kind === 'Job' || kind === 'CronJob';
}

/**
 * The restart policy a controller's pods get. Long-running controllers leave it unset (the API's
 * `Always`, the only value they accept); a Job's pods default to `Never`, so a failed attempt is a
 * new pod counted against `backoffLimit` rather than a restart in place.
 */
export function restartPolicyOf(kind: ControllerKind, asked: 'Never' | 'OnFailure' | undefined): RestartPolicy | undefined {
  return runsToCompletion(kind) ? (asked ?? 'Never') : undefined;
}

/** Whether pods are spread across zones and nodes: two or more replicas of a long-running controller. */
export function spreadsPods(kind: ControllerKind, maxReplicas: number): boolean {
  return !runsToCompletion(kind) && maxReplicas >= 2;
}

/**
 * Whether a PodDisruptionBudget protects the pods: a long-running controller that never runs fewer
 * than two (with one, a budget allowing none to go would block every node drain).
 */
export function takesDisruptionBudget(kind: ControllerKind, fewestReplicas: number): boolean {
  return !runsToCompletion(kind) && fewestReplicas >= 2;
}

/**
 * Whether a claim volume given as props (not a shared `PersistentClaim`) becomes a claim of
 * each replica of its own: a StatefulSet's `volumeClaimTemplates` (`<volume>-<name>-<ordinal>`).
 */
export function claimsPerReplica(kind: ControllerKind): boolean {
  return kind === 'StatefulSet';
}
