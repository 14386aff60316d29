import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { Issue, addDeferredCheck, fromZodIssues, reportErrors } from './issues';
import { MANAGED_BY } from './labels';
import { dnsLabel } from './names';
import { memoryQuantity } from './quantity';

/** How a volume may be attached: to one node (RWO) or to many (RWX, e.g. NFS or EFS). */
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany';

/** Props of a {@link PersistentClaim}. */
export interface PersistentClaimProps {
  /** Requested size, e.g. `20Gi`. */
  readonly size: string;
  /** `ReadWriteMany` to share between workloads or replicas. */
  readonly accessMode: AccessMode;
  /** Storage class; the cluster default when unset. */
  readonly storageClassName?: string;
}

/** Schema of {@link PersistentClaimProps}. */
export const claimPropsSchema: z.ZodType<PersistentClaimProps> = z.strictObject({
  size: memoryQuantity,
  accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']),
  storageClassName: z.string().min(1).optional(),
});

interface ClaimUse {
  readonly workload: string;
  readonly maxReplicas: number;
}

/**
 * A PersistentVolumeClaim, shareable between workloads. It checks at synth time that a
 * `ReadWriteOnce` claim is mounted by at most one pod, since a second replica would hang in
 * `ContainerCreating` waiting for the volume to detach from another node.
 */
export class PersistentClaim extends Construct {
  /** The claim's name (the construct id). */
  public readonly name: string;
  /** The access mode. */
  public readonly accessMode: AccessMode;
  /** The underlying PersistentVolumeClaim (absent when the props are invalid). */
  public readonly claim?: k8s.KubePersistentVolumeClaim;
  private readonly uses: ClaimUse[] = [];

  constructor(scope: Construct, id: string, props: PersistentClaimProps) {
    super(scope, id);
    this.name = id;
    const parsed = claimPropsSchema.safeParse(props);
    const issues = parsed.success ? [] : fromZodIssues(parsed.error.issues);
    if (!dnsLabel.safeParse(id).success) issues.push({ field: '(id)', message: 'names the claim and must be a DNS label' });
    reportErrors(this, 'PersistentClaim', issues);
    this.accessMode = parsed.success ? parsed.data.accessMode : 'ReadWriteOnce';
    if (!parsed.success || issues.length) return;
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: { name: id, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      spec: {
        accessModes: [parsed.data.accessMode],
        storageClassName: parsed.data.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(parsed.data.size) } },
      },
    });
    addDeferredCheck(this, 'PersistentClaim', () => this.checkUses());
  }

  /** Records that a workload with up to `maxReplicas` pods mounts this claim. */
  public mountedBy(workload: string, maxReplicas: number): void {
    this.uses.push({ workload, maxReplicas });
  }

  private checkUses(): Issue[] {
    if (this.accessMode !== 'ReadWriteOnce') return [];
    const pods = this.uses.reduce((sum, use) => sum + use.maxReplicas, 0);
    if (pods <= 1) return [];
    const who = this.uses.map((u) => `${u.workload} (up to ${u.maxReplicas} replica${u.maxReplicas === 1 ? '' : 's'})`).join(', ');
    return [
      {
        field: 'accessMode',
        message: `ReadWriteOnce attaches to one node, but ${who} mount it: the extra pods would wait forever for the volume`,
        fix: "use accessMode 'ReadWriteMany' with an RWX storage class, or mount it from a single-replica workload",
      },
    ];
  }
}
