import type { Acknowledgement } from '../environment';
import { RaisedWarning, formatWarning } from './issues';

/** A warning the environment acknowledges, with the acknowledgement's reason. */
export interface AcknowledgedWarning {
  /** The warning, as it would have been printed. */
  readonly warning: string;
  /** Why the team accepts it. */
  readonly reason: string;
}

/** The warnings of one system in one environment, split by its acknowledgements. */
export interface SortedWarnings {
  /** Warnings still printed, including one per acknowledgement that matched nothing. */
  readonly warnings: string[];
  /** Warnings acknowledged, each with its reason. */
  readonly acknowledged: AcknowledgedWarning[];
}

/** Whether an acknowledgement covers a warning: the same code, and the same construct when it names one. */
function covers(ack: Acknowledgement, warning: RaisedWarning): boolean {
  return ack.warning === warning.code && (ack.workload === undefined || ack.workload === warning.construct);
}

/**
 * Splits the warnings one system raised in an environment into those still printed and those its
 * `acknowledge` entries cover. An acknowledgement that covers nothing becomes a warning itself, so
 * a stale one is removed rather than left to hide a warning that comes back.
 *
 * @param prefix prepended to every line: `<env>/`
 * @param where the environment's name, for the field path of a stale acknowledgement
 * @param system the system's name, for the line of a stale acknowledgement
 */
export function sortWarnings(
  raised: readonly RaisedWarning[],
  acknowledgements: readonly Acknowledgement[],
  prefix: string,
  where: string,
  system: string,
): SortedWarnings {
  const used = new Set<number>();
  const warnings: string[] = [];
  const acknowledged: AcknowledgedWarning[] = [];
  for (const warning of raised) {
    const index = acknowledgements.findIndex((ack) => covers(ack, warning));
    if (index < 0) {
      warnings.push(`${prefix}${formatWarning(warning)}`);
      continue;
    }
    used.add(index);
    acknowledged.push({ warning: `${prefix}${formatWarning(warning)}`, reason: acknowledgements[index].reason });
  }
  acknowledgements.forEach((ack, index) => {
    if (used.has(index)) return;
    const target = ack.workload === undefined ? '' : ` from "${ack.workload}"`;
    warnings.push(
      `${prefix}${system}: ${where}.acknowledge[${index}]: acknowledges warning "${ack.warning}"${target}, but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]`,
    );
  });
  return { warnings, acknowledged };
}
