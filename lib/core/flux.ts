import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import type { DeliveryRepository } from '../environment';
import type { Layer } from '../system-chart';
import { MANAGED_BY, systemLabels } from './labels';

/** Namespace of the Flux controllers and of the objects that configure them. */
export const FLUX_NAMESPACE = 'flux-system';

/** The directory `dist/<env>/flux/` holding an environment's Flux objects; no system may take its name. */
export const FLUX_DIRECTORY = 'flux';

/** One system's part of an environment's delivery: its own chain of Kustomizations. */
export interface FluxSystem {
  /** The system's name: `dist/<environment>/<system>/<layer>` are the paths applied. */
  readonly name: string;
  /** The system's layers present in the output, in delivery order. */
  readonly layers: readonly Layer[];
  /** Longest one of its migrations may run (the Jobs' activeDeadlineSeconds), so the wait outlasts it. */
  readonly migrationTimeoutSeconds: number;
}

/** Props of {@link FluxDelivery}. */
export interface FluxDeliveryProps {
  /** Environment name: the directory `dist/<environment>`. */
  readonly environment: string;
  /** The systems of the environment, each delivered by its own chain. */
  readonly systems: readonly FluxSystem[];
  /** Where dist/ lives. */
  readonly repository: DeliveryRepository;
}

/**
 * The Flux objects of one environment: a GitRepository and, for each system, one Kustomization per
 * layer, chained `infrastructure → migrations → apps` with `dependsOn` and `wait`. Migrations
 * complete before that system's applications roll out, and a failed migration stops only that
 * system's rollout while its previous release keeps serving; other systems are not held.
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

    for (const system of props.systems) {
      let previous: string | undefined;
      for (const layer of system.layers) {
        const name = `${props.environment}-${system.name}-${layer}`;
        const migrations = layer === 'migrations';
        new Kustomization(this, `${system.name}-${layer}`, {
          metadata: { name, labels: systemLabels(system.name) },
          spec: {
            sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source },
            path: `./dist/${props.environment}/${system.name}/${layer}`,
            interval: '10m',
            retryInterval: '1m',
            // Removes what was deleted from git. A finished migration Job is only pruned once its
            // image (and so its name) leaves git, so the reconciler never re-creates and re-runs it.
            prune: true,
            // Ready only when every object is: a Job when it has completed, a Deployment when rolled out.
            wait: true,
            timeout: migrations ? `${Math.ceil(system.migrationTimeoutSeconds / 60) + 5}m` : '10m',
            // A Job's pod template is immutable: a changed Job is replaced, not patched.
            force: migrations || undefined,
            // Only the layer before it in the same system: another system's failure never holds it.
            dependsOn: previous ? [{ name: previous }] : undefined,
          },
        });
        previous = name;
      }
    }
  }
}
