import { SECURITY_EXCEPTIONS } from '../environment';
import { PodSecurityLevel, evaluatePodSecurity, strictestProfile, weakestProfile } from './pod-security';
import { CheckIssue, KubeJson, containersOf, issueFor, podTemplates, selects } from './objects';

/**
 * Admission policy: the restricted Pod Security Standard for every pod template unless an
 * exception is declared on it, namespace labels that enforce the strictest level the pods meet,
 * and the prod-tier rules for namespaces labelled `shipshape.io/tier: prod`.
 */

/** Namespace label carrying the environment's tier, which selects the prod-tier rules. */
export const TIER_LABEL = 'shipshape.io/tier';
/** Annotation of a workload that must run exactly one pod (a scheduler, a single-node datastore); exempt from the two-replica rule. */
export const SINGLETON_ANNOTATION = 'shipshape.io/singleton';
/** Pod-template annotation listing declared exceptions as `name: reason; name: reason`. */
export const EXCEPTIONS_ANNOTATION = 'shipshape.io/security-exceptions';

const issue = issueFor('policy');
const EXCEPTION_NAME = new RegExp(`(?:^|; )(${SECURITY_EXCEPTIONS.join('|')}): `, 'g');

/** The exception names declared on a pod template. */
export function declaredExceptions(template: KubeJson): Set<string> {
  const value: string = template.metadata?.annotations?.[EXCEPTIONS_ANNOTATION] ?? '';
  return new Set([...value.matchAll(EXCEPTION_NAME)].map((m) => m[1]));
}

/** A digest, or a tag other than `latest` (a colon after the last `/`, so a registry port is not a tag). */
function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') && image.slice(colon + 1) !== 'latest';
}

/** Runs the policy checks over one environment's objects. */
export function checkPolicy(objects: readonly KubeJson[]): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const templates = podTemplates(objects);
  const levels = new Map<string, PodSecurityLevel[]>();

  for (const { object, path, template } of templates) {
    const declared = declaredExceptions(template);
    const violations = evaluatePodSecurity(template.spec ?? {}, template.metadata?.annotations ?? {});
    for (const v of violations.filter((v) => !declared.has(v.control))) {
      issues.push(
        issue(
          object,
          `${path}.${v.field.replace(/^spec\./, 'spec.')}`,
          `${v.message} (Pod Security "${v.level}", control ${v.control})`,
          `declare the exception "${v.control}" for this workload in the environment, or remove the setting`,
        ),
      );
    }
    for (const { container, path: cPath } of containersOf(template.spec ?? {}, `${path}.spec`)) {
      if (container.securityContext?.readOnlyRootFilesystem !== true && !declared.has('writableRootFilesystem')) {
        issues.push(
          issue(
            object,
            `${cPath}.securityContext.readOnlyRootFilesystem`,
            'the root file system is writable',
            'set readOnlyRootFilesystem: true with an emptyDir for writable paths, or declare writableRootFilesystem',
          ),
        );
      }
    }
    const ns = object.metadata?.namespace;
    levels.set(ns, [...(levels.get(ns) ?? []), strictestProfile(violations.filter((v) => declared.has(v.control)))]);
  }

  for (const namespace of objects.filter((o) => o.kind === 'Namespace')) {
    const expected = weakestProfile(levels.get(namespace.metadata.name) ?? []);
    const labels = namespace.metadata?.labels ?? {};
    const enforced = labels['pod-security.kubernetes.io/enforce'];
    if (enforced !== expected) {
      issues.push(
        issue(
          namespace,
          'metadata.labels[pod-security.kubernetes.io/enforce]',
          `is "${enforced}", but the strictest level every pod in it meets is "${expected}"`,
          `label it "${expected}" (shipshape does so from the declared exceptions)`,
        ),
      );
    }
    if (labels[TIER_LABEL] === 'prod') issues.push(...checkProdTier(objects.filter((o) => o.metadata?.namespace === namespace.metadata.name)));
  }
  return issues;
}

function minReplicas(workload: KubeJson, objects: readonly KubeJson[]): number {
  if (workload.spec?.replicas !== undefined) return workload.spec.replicas;
  const name = workload.metadata.name;
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.name === name);
  if (hpa) return hpa.spec.minReplicas ?? 1;
  const scaled = objects.find((o) => o.kind === 'ScaledObject' && o.spec?.scaleTargetRef?.name === name);
  if (scaled) return scaled.spec.minReplicaCount ?? 0;
  return 1;
}

/** The prod-tier rules of the brief, over the objects of one prod namespace. */
export function checkProdTier(objects: readonly KubeJson[]): CheckIssue[] {
  const issues: CheckIssue[] = [];
  for (const { object, path, template } of podTemplates(objects)) {
    for (const { container, path: cPath } of containersOf(template.spec ?? {}, `${path}.spec`)) {
      if (!isPinned(container.image ?? ''))
        issues.push(
          issue(
            object,
            `${cPath}.image`,
            `"${container.image}" is not pinned to a release tag or digest`,
            'pin the image in the environment: images: { <workload>: "v1.2.3" }',
          ),
        );
      if (container.imagePullPolicy !== 'IfNotPresent')
        issues.push(issue(object, `${cPath}.imagePullPolicy`, `is "${container.imagePullPolicy}", not IfNotPresent`));
      for (const side of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory'] as const) {
          if (container.resources?.[side]?.[resource] === undefined)
            issues.push(
              issue(object, `${cPath}.resources.${side}.${resource}`, `no ${resource} ${side === 'requests' ? 'request' : 'limit'}`, 'set requests and limits'),
            );
        }
      }
    }
    if (object.kind === 'Job' || object.kind === 'CronJob') continue;
    const fewest = minReplicas(object, objects);
    const served = objects.some((o) => o.kind === 'Service' && selects(o.spec?.selector, template.metadata?.labels));
    const singleton = object.metadata?.annotations?.[SINGLETON_ANNOTATION] === 'true';
    if (served && fewest < 2 && !singleton) {
      issues.push(issue(object, 'spec.replicas', `runs ${fewest} replica behind a Service`, 'run at least 2 replicas (or an autoscaler with minReplicas 2)'));
    }
    if (fewest >= 2 && !objects.some((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec?.selector?.matchLabels, template.metadata?.labels))) {
      issues.push(issue(object, 'spec', `runs ${fewest} replicas without a PodDisruptionBudget`, 'add a PDB'));
    }
  }
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    const tlsHosts = new Set((ingress.spec?.tls ?? []).flatMap((t: KubeJson) => t.hosts ?? []));
    (ingress.spec?.rules ?? []).forEach((rule: KubeJson, i: number) => {
      if (!rule.host || !tlsHosts.has(rule.host))
        issues.push(issue(ingress, `spec.rules[${i}].host`, `host "${rule.host ?? '*'}" is served without TLS`, 'list it under spec.tls'));
    });
  }
  return issues;
}
