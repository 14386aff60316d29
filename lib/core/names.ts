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

/** Labels that select pods: at least one, each key a label key and each value a label value. */
export const podSelector = z
  .record(z.string(), labelValue)
  .superRefine((labels, ctx) => {
    // Checked here rather than by the record's key schema, whose message zod replaces with "Invalid key in record".
    for (const key of Object.keys(labels)) {
      if (!LABEL_KEY.test(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be a label key such as "app.kubernetes.io/name": an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or "."' });
      }
    }
    if (Object.keys(labels).length === 0) ctx.addIssue({ code: 'custom', message: 'give at least one label; an empty selector would select every pod of the namespace' });
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
