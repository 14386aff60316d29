import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import type { DeliveryRepository } from '../environment';
import type { Layer } from '../system-chart';
import { MANAGED_BY } from './labels';

/** Namespace of the Flux controllers and of the objects that configure them. */
export const FLUX_NAMESPACE = 'flux-system';

/** Props of {@link FluxDelivery}. */
export interface FluxDeliveryProps {
  /** Environment name: `dist/<environment>/<layer>` are the paths applied. */
  readonly environment: string;
  /** Layers present in the output, in delivery order. */
  readonly layers: readonly Layer[];
  /** Where dist/ lives. */
  readonly repository: DeliveryRepository;
  /** Longest a migration may run (the Jobs' activeDeadlineSeconds), so the wait outlasts it. */
  readonly migrationTimeoutSeconds: number;
}

/**
 * The Flux objects of one environment: a GitRepository and one Kustomization per layer, chained
 * with `dependsOn` and `wait`, so migrations complete before the applications roll out and a failed
 * migration stops the rollout while the previous release keeps serving.
 */
export class FluxDelivery extends Chart {
  constructor(scope: Construct, id: string, props: FluxDeliveryProps) {
    super(scope, id, { namespace: FLUX_NAMESPACE, disableResourceNameHashes: true });
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY };
    const source = `${props.environment}-estate`;
    new GitRepository(this, 'source', {
      metadata: { name: source, labels },
      spec: {
        url: props.repository.url,
        ref: { branch: props.repository.branch ?? 'main' },
        interval: '1m',
        secretRef: props.repository.secretName ? { name: props.repository.secretName } : undefined,
        // Only the environment's own output is fetched.
        ignore: `/*\n!/dist/${props.environment}/\n`,
      },
    });

    let previous: string | undefined;
    for (const layer of props.layers) {
      const name = `${props.environment}-${layer}`;
      const migrations = layer === 'migrations';
      new Kustomization(this, layer, {
        metadata: { name, labels },
        spec: {
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source },
          path: `./dist/${props.environment}/${layer}`,
          interval: '10m',
          retryInterval: '1m',
          // Removes what was deleted from git. A finished migration Job is only pruned once its
          // image (and so its name) leaves git, so the reconciler never re-creates and re-runs it.
          prune: true,
          // Ready only when every object is: a Job when it has completed, a Deployment when rolled out.
          wait: true,
          timeout: migrations ? `${Math.ceil(props.migrationTimeoutSeconds / 60) + 5}m` : '10m',
          // A Job's pod template is immutable: a changed Job is replaced, not patched.
          force: migrations || undefined,
          dependsOn: previous ? [{ name: previous }] : undefined,
        },
      });
      previous = name;
    }
  }
}
