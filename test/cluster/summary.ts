import { join } from 'node:path';

/** Where the suite leaves its counts for the reporter that prints the summary line last. */
export const SUMMARY_FILE = join(__dirname, '..', '..', '.cluster-summary.json');

/** The counts of one cluster run, over every API server and environment. */
export interface Summary {
  applied: number;
  rejected: number;
  podSecurityWarnings: number;
  deployments: number;
  deploymentsAvailable: number;
  statefulSets: number;
  statefulSetsReady: number;
  jobs: number;
  jobsComplete: number;
  cronJobs: number;
  cronJobRunsComplete: number;
  /** `flux ok`, or `flux failed: <reason>`, or `not run`. */
  flux: string;
}

/** The suite's last line. */
export function summaryLine(s: Summary): string {
  const flux = s.flux === 'flux ok' ? 'flux ok' : 'flux failed';
  return `cluster: ${s.applied} applied, ${s.rejected} rejected, ${s.podSecurityWarnings} pod-security warnings, ${s.deploymentsAvailable}/${s.deployments} deployments available, ${s.statefulSetsReady}/${s.statefulSets} statefulsets ready, ${s.jobsComplete}/${s.jobs} jobs complete, ${s.cronJobRunsComplete}/${s.cronJobs} cronjob runs complete, ${flux}`;
}
