/** Identity of a workload, from which its labels and selector derive. */
export interface WorkloadIdentity {
  /** Stable workload name (`backend`), also the name of its objects. */
  readonly name: string;
  /** The system it belongs to (`doc-router`). */
  readonly system: string;
  /** Its role (`frontend`, `backend`, `worker`, `migration`, `datastore`). */
  readonly component: string;
  /** Version shown in `app.kubernetes.io/version` (never in selectors). */
  readonly version?: string;
}

/** Value of `app.kubernetes.io/managed-by` on everything shipshape writes. */
export const MANAGED_BY = 'shipshape';

/**
 * The selector: only labels that never change for the life of the workload, because a
 * Deployment's selector is immutable and a version in it would orphan the old pods.
 */
export function selectorLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.system,
  };
}

/** The full recommended label set. */
export function workloadLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': id.system,
    ...(id.version ? { 'app.kubernetes.io/version': id.version } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Labels of an object that belongs to a system as a whole (a NetworkPolicy, an ExternalSecret), not to one workload. */
export function systemLabels(system: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': system, 'app.kubernetes.io/managed-by': MANAGED_BY };
}
