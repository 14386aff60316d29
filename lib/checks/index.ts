import { checkApiRules } from './api-rules';
import { checkCredentials } from './credentials';
import { CheckIssue, KubeJson } from './objects';
import { checkPolicy } from './policy';
import { checkReferences } from './references';
import { validateAgainstSchemas } from './schema-validation';

export { CheckIssue } from './objects';

/** What the checks found in one environment. */
export interface EnvironmentCheck {
  /** Every problem. */
  readonly issues: CheckIssue[];
  /** Why a check did not run (the schema files are absent), as one line. */
  readonly skipped: string[];
}

/**
 * Every cluster check over the objects of one environment: strict schemas, API-server rules,
 * references, policy and credentials written in clear.
 */
export function checkEnvironment(objects: readonly KubeJson[], sharedDir?: string): EnvironmentCheck {
  const schemas = validateAgainstSchemas(objects, { sharedDir });
  const schemaIssues: CheckIssue[] = schemas.issues.map((i) => ({
    check: 'schema',
    object: `${i.kind}/${i.namespace ? `${i.namespace}/` : ''}${i.name}`,
    field: i.path || '/',
    message: i.message,
  }));
  return {
    issues: [...schemaIssues, ...checkApiRules(objects), ...checkReferences(objects), ...checkPolicy(objects), ...checkCredentials(objects)],
    skipped: schemas.skipped ? [schemas.skipped] : [],
  };
}

/** One line: `Deployment/ns/web: spec.replicas: message. Fix: …`. */
export function formatCheckIssue(issue: CheckIssue): string {
  return `[${issue.check}] ${issue.object}: ${issue.field}: ${issue.message}${issue.fix ? `. Fix: ${issue.fix}` : ''}`;
}
