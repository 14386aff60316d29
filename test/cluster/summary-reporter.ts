import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Reporter } from 'vitest/reporters';
import { SUMMARY_FILE, Summary, summaryLine } from './summary';

/**
 * Prints the cluster suite's one-line summary after vitest's own report, so that it is the last
 * line of `npm run test:cluster`; the reason Flux failed, if it did, goes on the line before.
 */
export default class ClusterSummaryReporter implements Reporter {
  onTestRunEnd(): void {
    if (!existsSync(SUMMARY_FILE)) {
      console.log('cluster: no summary was written: the suite did not run (see above)');
      return;
    }
    const summary = JSON.parse(readFileSync(SUMMARY_FILE, 'utf8')) as Summary;
    rmSync(SUMMARY_FILE);
    if (summary.flux !== 'flux ok') console.log(summary.flux === 'not run' ? 'flux: the Flux scenario did not run' : summary.flux);
    console.log(summaryLine(summary));
  }
}
