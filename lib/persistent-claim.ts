import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { Issue, addDeferredCheck, fromZodIssues, reportErrors, reportWarning } from './core/issues';
import { SystemChart } from './system-chart';
import { MANAGED_BY } from './core/labels';
import { hostname } from './core/names';
import { memoryQuantity } from './core/quantity';
import { PRUNE_PROTECTION } from './core/prune-protection';

/** How a volume may be attached: to one node (RWO) or to many (RWX, e.g. NFS or EFS). */
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany';

/** Props of a {@link PersistentClaim}. */
export interface PersistentClaimProps {
  /** Requested size, e.g. `20Gi`. */
  readonly size: string;
  /** `ReadWriteMany` to share between workloads or replicas. */
  readonly accessMode: AccessMode;
  /**
   * Storage class.
   * @default for `ReadWriteMany`, the environment's `storage.readWriteManyClass`; otherwise the cluster's default class
   */
  readonly storageClassName?: string;
}

/** Schema of {@link PersistentClaimProps}. */
export const claimPropsSchema: z.ZodType<PersistentClaimProps, PersistentClaimProps> = z.strictObject({
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
 * `ContainerCreating` waiting for the volume to detach from another node. A `ReadWriteMany` claim
 * without a class of its own takes the environment's `storage.readWriteManyClass`; with neither,
 * synth warns, since the cluster's default class is usually RWO only and the claim would stay
 * `Pending`. The claim is annotated so that its delivery tool never deletes it when it leaves the
 * output (Flux `kustomize.toolkit.fluxcd.io/prune: disabled`, Helm `helm.sh/resource-policy:
 * keep`, Argo CD `argocd.argoproj.io/sync-options: Prune=false,Delete=false`): a claim removed
 * from the definitions stays in the cluster, with its data, until deleted by hand; synth reports
 * the removal.
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
    // A claim name is a DNS subdomain; the volume that mounts it has a name of its own (a DNS label).
    if (!hostname.max(253).safeParse(id).success) {
      issues.push({ field: '(id)', message: 'names the claim and must be a DNS subdomain: lower-case letters, digits, "-" and ".", at most 253 characters' });
    }
    reportErrors(this, 'PersistentClaim', issues);
    this.accessMode = parsed.success ? parsed.data.accessMode : 'ReadWriteOnce';
    if (!parsed.success || issues.length) return;
    const storageClassName = parsed.data.storageClassName ?? this.defaultClass(parsed.data.accessMode);
    // Removing the claim from git must never delete its data: the delivery tool leaves it in the
    // cluster (see PRUNE_PROTECTION), and synth reports it (lib/checks/removed-claims.ts).
    const annotations = { ...PRUNE_PROTECTION[SystemChart.of(this).environment.delivery.flavour] };
    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: { name: id, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY }, annotations },
      spec: {
        accessModes: [parsed.data.accessMode],
        storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(parsed.data.size) } },
      },
    });
    addDeferredCheck(this, 'PersistentClaim', () => this.checkUses());
  }

  /** The environment's RWX class for a `ReadWriteMany` claim; a warning when it has none. */
  private defaultClass(accessMode: AccessMode): string | undefined {
    if (accessMode !== 'ReadWriteMany') return undefined;
    const env = SystemChart.of(this).environment;
    const rwx = env.storage.readWriteManyClass;
    if (rwx === undefined) {
      reportWarning(this, 'PersistentClaim', 'rwx-claim-without-class', {
        field: 'storageClassName',
        message: `ReadWriteMany, but neither the claim nor the ${env.name} environment names a storage class: the cluster's default class is usually ReadWriteOnce only, and the claim would stay Pending`,
        fix: `set storage: { readWriteManyClass: '<an RWX class such as nfs-client or efs-sc>' } in the ${env.name} environment, or storageClassName on the claim`,
      });
    }
    return rwx;
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
