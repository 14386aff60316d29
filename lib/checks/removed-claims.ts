import type { Environment } from '../environment';
import type { KubeObject } from '../output/output';
import { AcknowledgedWarning, matchAcknowledgements } from '../core/acknowledgements';
import { RaisedWarning, formatWarning } from '../core/issues';
import { DeliveryFlavour, PRUNED_BY, isPruneProtected, protectionText } from '../core/prune-protection';
import type { PreviousOutput } from './immutable-fields';

/** What {@link removedClaims} found: errors refuse the synth, the rest goes to the summary. */
export interface RemovedClaims {
  /** Claims the delivery tool would delete, their removal not acknowledged. */
  readonly errors: string[];
  /** Protected claims left orphaned, and acknowledgements of a removal that matched none. */
  readonly warnings: string[];
  /** Removals the environments acknowledge, each with its reason. */
  readonly acknowledged: AcknowledgedWarning[];
}

const CODE = 'claim-removed';

const TOOL: Readonly<Record<DeliveryFlavour, string>> = { flux: 'Flux', helm: 'Helm', argocd: 'Argo CD' };

/** A removed claim, where it was and who acknowledges its removal. */
interface Removal {
  readonly claim: KubeObject;
  readonly env: string;
  /** The system whose directory held it. */
  readonly system: string;
  /** The system whose environment acknowledges it: its own, or the first of the environment when it is gone. */
  readonly acknowledgedBy: string;
  readonly flavour: DeliveryFlavour;
  /** Whether the previous copy carried its flavour's prune protection: then it is orphaned, not deleted. */
  readonly isProtected: boolean;
}

const isClaim = (object: KubeObject) => object.kind === 'PersistentVolumeClaim';
const claimKey = (object: KubeObject) => `${object.metadata.namespace}/${object.metadata.name}`;

/**
 * The PersistentVolumeClaims of the previous output that the new output lacks, per environment
 * (renamed, their construct removed, replaced by a StatefulSet's own claims). The delivery tool
 * applies `dist/` with pruning, so it would delete such a claim, and with the `Delete` reclaim
 * policy of dynamically provisioned volumes its data. That is an error, unless the previous copy
 * carried its flavour's prune protection (every PersistentClaim does since it was added): then the
 * claim stays in the cluster, orphaned, and it is a warning. Either is acknowledged in the
 * environment with `acknowledge: [{ warning: 'claim-removed', workload: '<claim>', reason }]`: one
 * entry per claim, reviewed in the commit that removes it, and reported as unused from the next
 * synth on, so it does not outlive the removal.
 *
 * Only environments still in the output are checked: an environment's Kustomizations whose paths
 * are gone fail to build, and prune nothing.
 *
 * @param environments the parsed environment of every system, by environment name, then system name
 * @param outdir the output directory, as the messages name it
 */
export function removedClaims(
  previous: PreviousOutput,
  next: ReadonlyMap<string, readonly KubeObject[]>,
  environments: ReadonlyMap<string, ReadonlyMap<string, Environment>>,
  outdir: string,
): RemovedClaims {
  const found: RemovedClaims = { errors: [], warnings: [], acknowledged: [] };
  for (const [env, systems] of environments) {
    const present = new Set((next.get(env) ?? []).filter(isClaim).map(claimKey));
    const names = [...systems.keys()].sort();
    const removals = (previous.objects.get(env) ?? [])
      .filter((object) => isClaim(object) && !present.has(claimKey(object)))
      .map((claim): Removal => {
        const system = previous.systemOf.get(claim) ?? names[0];
        const acknowledgedBy = names.includes(system) ? system : names[0];
        const flavour = systems.get(acknowledgedBy)!.delivery.flavour;
        return { claim, env, system, acknowledgedBy, flavour, isProtected: isPruneProtected(claim, flavour) };
      });
    for (const name of names) {
      const own = removals.filter((removal) => removal.acknowledgedBy === name);
      const raised = new Map(own.map((removal) => [raise(removal, outdir), removal]));
      const matched = matchAcknowledgements([...raised.keys()], systems.get(name)!.acknowledge, `${env}/`, env, name, (code) => code === CODE);
      for (const warning of matched.unmatched) {
        (raised.get(warning)!.isProtected ? found.warnings : found.errors).push(`${env}/${formatWarning(warning)}`);
      }
      found.warnings.push(...matched.unused);
      found.acknowledged.push(...matched.acknowledged);
    }
  }
  return found;
}

/** The finding for one removed claim, as a warning the environment can acknowledge. */
function raise(removal: Removal, outdir: string): RaisedWarning {
  const { claim, env, system, acknowledgedBy, flavour, isProtected } = removal;
  const { name, namespace } = claim.metadata;
  const where = acknowledgedBy === system ? `system ${system}` : `system ${acknowledgedBy} (system ${system} is no longer in ${env})`;
  const acknowledge = `acknowledge: [{ warning: '${CODE}', workload: '${name}', reason: '…' }] in the ${env} environment of ${where}`;
  const text = isProtected
    ? `PersistentVolumeClaim ${namespace}/${name} is no longer in the output; it carries ${protectionText(flavour)}, so ${TOOL[flavour]} leaves it in the cluster with its data, orphaned. Fix: delete it by hand once its data is no longer needed (kubectl delete pvc ${name} -n ${namespace}), and ${acknowledge}`
    : `PersistentVolumeClaim ${namespace}/${name} is in the previous output (${outdir}/${env}) but not in this one, and is not protected from pruning: ${PRUNED_BY[flavour]} would delete the claim, and with a Delete reclaim policy (the default of dynamically provisioned volumes) its data. Fix: keep the claim (a PersistentClaim "${name}" in system ${system}), deliver it once so that it carries ${protectionText(flavour)} and remove it after that (it then stays in the cluster, orphaned); or move its data first, then ${acknowledge}`;
  return { code: CODE, construct: name, path: system, text };
}
