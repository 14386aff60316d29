import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { checksum, sortedRecord } from './core/checksum';
import { dnsLabel } from './core/names';
import { MANAGED_BY } from './core/labels';
import { Issue, fromZodIssues, reportErrors } from './core/issues';
import { secretLikeEntries } from './core/env';

/** Props of a {@link SharedConfig}. */
export interface SharedConfigProps {
  /** Non-secret settings, exposed to every workload that uses this config as environment variables. */
  readonly data: Readonly<Record<string, string>>;
}

/**
 * A ConfigMap read by several workloads (as Doc Router's front end and back end share one).
 * Workloads that use it carry a checksum of its content, so changing it rolls their pods.
 */
export class SharedConfig extends Construct {
  /** The ConfigMap's name (the construct id). */
  public readonly name: string;
  /** The data, sorted by key. */
  public readonly data: Readonly<Record<string, string>>;
  /** The underlying ConfigMap. */
  public readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: SharedConfigProps) {
    super(scope, id);
    this.name = id;
    const issues: Issue[] = [];
    if (!dnsLabel.safeParse(id).success) issues.push({ field: '(id)', message: 'names the ConfigMap and must be a DNS label' });
    const data = z.record(z.string(), z.string()).safeParse(props?.data);
    if (!data.success) issues.push(...fromZodIssues(data.error.issues, ['data']));
    for (const key of secretLikeEntries(props?.data ?? {})) {
      issues.push({
        field: `data.${key}`,
        message: 'looks like a secret value; a ConfigMap is readable by anyone who can read the namespace',
        fix: `keep it in a Secret and reference it (secrets: [...] or env: { ${key}: { secret, key } })`,
      });
    }
    reportErrors(this, 'SharedConfig', issues);
    this.data = data.success ? sortedRecord(data.data) : {};
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: id, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      data: { ...this.data },
    });
  }

  /** SHA-256 of the content; changes whenever any key or value changes. */
  public get checksum(): string {
    return checksum(this.data);
  }
}
