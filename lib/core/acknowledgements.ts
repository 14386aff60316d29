import type { Acknowledgement } from '../environment';
import { RaisedWarning, WarningCode, formatWarning } from './issues';

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
 * Codes raised by the checks of the new output against the previous one (in `synthesizeEstate`),
 * not by a construct: their acknowledgements are matched there, where the previous output is known.
 */
export const PREVIOUS_OUTPUT_CODES: ReadonlySet<WarningCode> = new Set<WarningCode>(['claim-removed']);

/** The warnings of one system in one environment, matched with its acknowledgements. */
export interface MatchedWarnings {
  /** Warnings no acknowledgement covers, as raised. */
  readonly unmatched: RaisedWarning[];
  /** Warnings acknowledged, each with its reason. */
  readonly acknowledged: AcknowledgedWarning[];
  /** One warning per considered acknowledgement that covered nothing. */
  readonly unused: string[];
}

/**
 * Matches the warnings one system raised in an environment with its `acknowledge` entries whose
 * code `considers` accepts; the others are left to another matcher. An acknowledgement that covers
 * nothing becomes a warning itself, so a stale one is removed rather than left to hide a warning
 * that comes back.
 *
 * @param prefix prepended to every line: `<env>/`
 * @param where the environment's name, for the field path of a stale acknowledgement
 * @param system the system's name, for the line of a stale acknowledgement
 */
export function matchAcknowledgements(
  raised: readonly RaisedWarning[],
  acknowledgements: readonly Acknowledgement[],
  prefix: string,
  where: string,
  system: string,
  considers: (code: WarningCode) => boolean,
): MatchedWarnings {
  const used = new Set<number>();
  const unmatched: RaisedWarning[] = [];
  const acknowledged: AcknowledgedWarning[] = [];
  for (const warning of raised) {
    const index = acknowledgements.findIndex((ack) => considers(ack.warning) && covers(ack, warning));
    if (index < 0) {
      unmatched.push(warning);
      continue;
    }
    used.add(index);
    acknowledged.push({ warning: `${prefix}${formatWarning(warning)}`, reason: acknowledgements[index].reason });
  }
  const unused: string[] = [];
  acknowledgements.forEach((ack, index) => {
    if (used.has(index) || !considers(ack.warning)) return;
    const target = ack.workload === undefined ? '' : ` from "${ack.workload}"`;
    unused.push(
      `${prefix}${system}: ${where}.acknowledge[${index}]: acknowledges warning "${ack.warning}"${target}, but the system raises no such warning here. Fix: remove it, so that the warning is seen if it comes back [acknowledgement-unused]`,
    );
  });
  return { unmatched, acknowledged, unused };
}

/**
 * Splits the warnings one system's constructs raised in an environment into those still printed
 * and those its `acknowledge` entries cover (see {@link matchAcknowledgements}). Acknowledgements
 * of {@link PREVIOUS_OUTPUT_CODES} are left to the checks against the previous output.
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
  const matched = matchAcknowledgements(raised, acknowledgements, prefix, where, system, (code) => !PREVIOUS_OUTPUT_CODES.has(code));
  return { warnings: [...matched.unmatched.map((w) => `${prefix}${formatWarning(w)}`), ...matched.unused], acknowledged: matched.acknowledged };
}
