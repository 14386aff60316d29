import { existsSync, readFileSync, rmSync } from 'node:fs';
import { JsonReporter } from 'vitest/node';
import { SUMMARY_FILE, Summary, summaryLine } from './summary';

/**
 * Vitest's JSON reporter (for .ci/run's counts), followed by the cluster suite's one-line summary.
 * Reporters run side by side, so a separate one could print before the JSON reporter's own last
 * line; extending it makes the summary the last line of `npm run test:cluster`. The reason Flux
 * failed, if it did, goes on the line before.
 */
export default class ClusterSummaryReporter extends JsonReporter {
  override async onTestRunEnd(...args: Parameters<JsonReporter['onTestRunEnd']>): Promise<void> {
    await super.onTestRunEnd(...args);
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
