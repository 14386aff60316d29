import { checkApiRules } from './api-rules';
import { CheckIssue, KubeJson } from './objects';
import { checkPolicy } from './policy';
import { checkReferences } from './references';

export { CheckIssue } from './objects';

/** Every cluster check (API-server rules, references, policy) over the objects of one environment. */
export function checkEnvironment(objects: readonly KubeJson[]): CheckIssue[] {
  return [...checkApiRules(objects), ...checkReferences(objects), ...checkPolicy(objects)];
}

/** One line: `Deployment/ns/web: spec.replicas: message. Fix: …`. */
export function formatCheckIssue(issue: CheckIssue): string {
  return `[${issue.check}] ${issue.object}: ${issue.field}: ${issue.message}${issue.fix ? `. Fix: ${issue.fix}` : ''}`;
}
