import { z } from 'zod';

/** RFC 1123 label: what Kubernetes requires of Service and Namespace names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^(?:(?=[^/]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS label (lower case, digits and `-`, at most 63 characters). */
export const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters (a DNS label)')
  .regex(DNS_LABEL, 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit');

/** A DNS host name such as `docs.example.com`. */
export const hostname = z.string().regex(HOSTNAME, 'must be a lower-case DNS name such as "example.com"');

/** A Kubernetes label value (at most 63 characters). */
export const labelValue = z
  .string()
  .max(63, 'must be at most 63 characters (a label value)')
  .regex(LABEL_VALUE, 'must be a label value: letters, digits, "-", "_" and ".", starting and ending with a letter or digit');

const LABEL_KEY_MESSAGE =
  'must be a label key such as "app.kubernetes.io/name": an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or "."';
const LABEL_VALUE_MESSAGE = 'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** Whether `key` is a valid label key (an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters). */
export function isLabelKey(key: string): boolean {
  return LABEL_KEY.test(key);
}

/** A Kubernetes label key such as `app.kubernetes.io/name` or `dedicated`. */
export const labelKey = z.string().regex(LABEL_KEY, LABEL_KEY_MESSAGE);

/**
 * Labels as a map: each key a label key and each value a label value. The keys are checked here
 * rather than by the record's key schema, whose message zod replaces with "Invalid key in record".
 */
export const labelMap = z.record(z.string(), labelValue).superRefine((labels, ctx) => {
  for (const key of Object.keys(labels)) if (!LABEL_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: LABEL_KEY_MESSAGE });
});

/**
 * Annotations as a map: each key a label key (a qualified name, as the API server checks it), any
 * string value.
 */
export const annotationMap = z.record(z.string(), z.string()).superRefine((annotations, ctx) => {
  for (const key of Object.keys(annotations))
    if (!LABEL_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: LABEL_KEY_MESSAGE.replace('a label key', 'an annotation key') });
});

type Path = (string | number)[];
type IssueSink = (path: Path, message: string) => void;

function checkMatchLabels(value: unknown, path: Path, report: IssueSink): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (!LABEL_KEY.test(key)) report([...path, key], LABEL_KEY_MESSAGE);
    if (typeof v !== 'string' || !isLabelValue(v)) report([...path, key], LABEL_VALUE_MESSAGE);
  }
}

/**
 * Label syntax inside an affinity: the keys and values of every `matchLabels`, the keys and the
 * `In`/`NotIn` values of every `matchExpressions`, and every `topologyKey` (node and pod affinity
 * alike). The API server refuses any of them malformed; `matchFields` name fields, not labels.
 */
export function checkAffinityLabels(value: unknown, path: Path, report: IssueSink): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkAffinityLabels(item, [...path, i], report));
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = [...path, key];
    if (key === 'matchLabels') checkMatchLabels(v, at, report);
    else if (key === 'topologyKey') {
      if (typeof v !== 'string' || !LABEL_KEY.test(v)) report(at, LABEL_KEY_MESSAGE);
    } else if (key === 'matchExpressions' && Array.isArray(v)) {
      v.forEach((expression: Record<string, unknown>, i) => {
        if (typeof expression?.key !== 'string' || !LABEL_KEY.test(expression.key)) report([...at, i, 'key'], LABEL_KEY_MESSAGE);
        if (expression?.operator === 'In' || expression?.operator === 'NotIn') {
          (Array.isArray(expression.values) ? expression.values : []).forEach((item: unknown, j: number) => {
            if (typeof item !== 'string' || !isLabelValue(item)) report([...at, i, 'values', j], LABEL_VALUE_MESSAGE);
          });
        }
      });
    } else if (key !== 'matchFields') checkAffinityLabels(v, at, report);
  }
}

/** Labels that select pods: at least one, each key a label key and each value a label value. */
export const podSelector = labelMap.superRefine((labels, ctx) => {
  if (Object.keys(labels).length === 0)
    ctx.addIssue({ code: 'custom', message: 'give at least one label; an empty selector would select every pod of the namespace' });
});

/** Whether `value` is a valid DNS label. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** Whether `value` is a valid label value. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** The in-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}
