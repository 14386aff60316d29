import { Construct } from 'constructs';
import { z } from 'zod';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
} from '../../imports/externalsecrets-external-secrets.io';
import { fromZodIssues, reportErrors } from './issues';
import { systemLabels } from './labels';
import { dnsLabel } from './names';
import { SystemChart } from '../system-chart';

/** Where a key lives in the external store. */
export interface RemoteKey {
  /** The key (path) in the store. */
  readonly key: string;
  /** A property inside a structured value (a JSON field, a Vault secret field). @default none: the whole value */
  readonly property?: string;
}

/** A SecretStore or ClusterSecretStore of the External Secrets Operator. */
export interface SecretStoreReference {
  /** Its name. */
  readonly name: string;
  /** @default 'ClusterSecretStore' */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
}

/** Props of an {@link ExternalSecretSource}. */
export interface ExternalSecretSourceProps {
  /** The (Cluster)SecretStore that holds the values. */
  readonly store: SecretStoreReference;
  /** Keys of the resulting Secret mapped to where each value lives in the store. @default none (give `keys` or `extract`) */
  readonly keys?: Readonly<Record<string, string | RemoteKey>>;
  /** Copy every property of one structured store entry into the Secret. @default none (give `keys` or `extract`) */
  readonly extract?: string;
  /** How often to re-read the store. @default '1h' */
  readonly refreshInterval?: string;
}

const schema = z
  .strictObject({
    store: z.strictObject({ name: z.string().min(1), kind: z.enum(['SecretStore', 'ClusterSecretStore']).default('ClusterSecretStore') }),
    keys: z.record(z.string().min(1), z.union([z.string().min(1), z.strictObject({ key: z.string().min(1), property: z.string().optional() })])).optional(),
    extract: z.string().min(1).optional(),
    refreshInterval: z
      .string()
      .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'must be a duration such as "1h" or "15m"')
      .default('1h'),
  })
  .refine((p) => p.keys !== undefined || p.extract !== undefined, { message: 'give keys, extract, or both', path: ['keys'] });

/**
 * A Secret that the External Secrets Operator creates from an external store. Only the reference
 * is in the output; the values never pass through this program or `dist/`.
 */
export class ExternalSecretSource extends Construct {
  /** Name of the Secret the operator creates (the construct id); pass this object wherever a secret is referenced. */
  public readonly secretName: string;
  /** The underlying `external-secrets.io/v1` ExternalSecret (absent when the props are invalid). */
  public readonly externalSecret?: ExternalSecret;

  constructor(scope: Construct, id: string, props: ExternalSecretSourceProps) {
    // Delivered with the infrastructure, so the Secret exists before migrations and applications need it.
    const system = SystemChart.of(scope);
    super(system.infrastructure, id);
    this.secretName = id;
    const parsed = schema.safeParse(props);
    const issues = parsed.success ? [] : fromZodIssues(parsed.error.issues);
    if (!dnsLabel.safeParse(id).success) issues.push({ field: '(id)', message: 'names the Secret and must be a DNS label' });
    reportErrors(this, 'ExternalSecretSource', issues);
    if (!parsed.success || issues.length) return;
    const p = parsed.data;
    this.externalSecret = new ExternalSecret(this, 'Resource', {
      metadata: { name: id, namespace: system.environment.namespace, labels: systemLabels(system.system) },
      spec: {
        refreshInterval: p.refreshInterval,
        secretStoreRef: {
          name: p.store.name,
          kind: p.store.kind === 'SecretStore' ? ExternalSecretSpecSecretStoreRefKind.SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE,
        },
        target: { name: id, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER },
        data: p.keys
          ? Object.keys(p.keys)
              .sort()
              .map((secretKey) => {
                const remote = p.keys![secretKey];
                return { secretKey, remoteRef: typeof remote === 'string' ? { key: remote } : { ...remote } };
              })
          : undefined,
        dataFrom: p.extract ? [{ extract: { key: p.extract } }] : undefined,
      },
    });
  }
}
