import type { Delivery } from '../environment';
import type { KubeObject } from '../output/output';

/** How an environment's output reaches the cluster (see {@link Delivery.flavour}). */
export type DeliveryFlavour = Delivery['flavour'];

/**
 * The annotations that keep each delivery tool from deleting an object that leaves the output, put
 * on every PersistentVolumeClaim shipshape writes: a claim removed from git (renamed, its construct
 * removed, replaced by a StatefulSet's own claims) would otherwise be deleted with its data, since
 * dynamically provisioned volumes are reclaimed with `Delete` by default.
 *
 * - `flux`: "You can disable pruning for certain resources by either labelling or annotating them
 *   with `kustomize.toolkit.fluxcd.io/prune: disabled`" (Flux kustomize-controller, Kustomization
 *   spec, "Prune": https://fluxcd.io/flux/components/kustomize/kustomizations/#prune). Garbage
 *   collection covers both an object missing from the new revision and every object of a deleted
 *   Kustomization (its default `deletionPolicy: MirrorPrune`); the annotation exempts the claim from
 *   both.
 * - `helm`: `helm.sh/resource-policy: keep` "instructs Helm to skip deleting this resource when a
 *   helm operation (such as helm uninstall, helm upgrade or helm rollback) would result in its
 *   deletion" (https://helm.sh/docs/howto/charts_tips_and_tricks/#tell-helm-not-to-uninstall-a-resource).
 * - `argocd`: the resource sync options `Prune=false` (not pruned when removed from git) and
 *   `Delete=false` (kept when the Application is deleted, "e.g. for Persistent Volume Claims")
 *   (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-prune-resources).
 */
export const PRUNE_PROTECTION: Readonly<Record<DeliveryFlavour, Readonly<Record<string, string>>>> = {
  flux: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
  helm: { 'helm.sh/resource-policy': 'keep' },
  argocd: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' },
};

/** What deletes an object that leaves the output, per delivery flavour, for messages. */
export const PRUNED_BY: Readonly<Record<DeliveryFlavour, string>> = {
  flux: "Flux's prune (the Kustomizations have prune: true)",
  helm: 'the next helm upgrade',
  argocd: "Argo CD's prune",
};

/** The protection of a flavour as it is written in YAML: `key: value`. */
export function protectionText(flavour: DeliveryFlavour): string {
  return Object.entries(PRUNE_PROTECTION[flavour])
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ');
}

/**
 * Whether the delivery tool of `flavour` leaves `object` in the cluster when it leaves the output,
 * read as the tool reads it: Flux also honours the label, Argo CD reads `Prune=false` among
 * comma-separated options. Case and spaces are ignored.
 */
export function isPruneProtected(object: KubeObject, flavour: DeliveryFlavour): boolean {
  const annotations: Record<string, unknown> = object.metadata?.annotations ?? {};
  const labels: Record<string, unknown> = object.metadata?.labels ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : undefined);
  if (flavour === 'flux') {
    const key = 'kustomize.toolkit.fluxcd.io/prune';
    return text(annotations[key]) === 'disabled' || text(labels[key]) === 'disabled';
  }
  if (flavour === 'helm') {
    return text(annotations['helm.sh/resource-policy']) === 'keep';
  }
  const options = text(annotations['argocd.argoproj.io/sync-options']) ?? '';
  return options.split(',').some((option) => option.trim() === 'prune=false');
}
