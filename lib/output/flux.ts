import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GitRepository } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
// Delivery is imported for the TSDoc links.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import type { Delivery, DeliveryRepository } from '../environment';
import type { Layer } from '../system-chart';
import { MANAGED_BY, systemLabels } from '../core/labels';

/** Namespace of the Flux controllers and of the objects that configure them. */
export const FLUX_NAMESPACE = 'flux-system';

/** The directory `dist/<env>/flux/` holding an environment's Flux objects; no system may take its name. */
export const FLUX_DIRECTORY = 'flux';

/**
 * Longest name of a Kustomization: Flux writes it into the label `kustomize.toolkit.fluxcd.io/name`
 * of every object it applies, and a label value holds at most 63 characters.
 */
export const MAX_FLUX_NAME = 63;

/**
 * The default {@link Delivery.scope}: the repository's name from its clone URL, as a DNS label
 * (`https://github.com/org/Shop_Deploy.git` → `shop-deploy`), or `estate` when the URL has none.
 */
export function defaultScope(repositoryUrl: string): string {
  const name =
    repositoryUrl
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .pop() ?? '';
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return label || 'estate';
}

/** The name of an environment's GitRepository: `<scope>-<environment>`. */
export function fluxSourceName(scope: string, environment: string): string {
  return `${scope}-${environment}`;
}

/** The name of a system's Kustomization for one layer: `<scope>-<environment>-<system>-<layer>`. */
export function fluxKustomizationName(scope: string, environment: string, system: string, layer: Layer): string {
  return `${scope}-${environment}-${system}-${layer}`;
}

/**
 * Why the Flux object names of an environment cannot be used, if they cannot: a Kustomization name
 * longer than {@link MAX_FLUX_NAME}, with the longest scope that would fit.
 */
export function fluxNameProblems(scope: string, environment: string, systems: readonly FluxSystem[]): string[] {
  const names = systems.flatMap((s) => s.layers.map((layer) => ({ system: s.name, name: fluxKustomizationName(scope, environment, s.name, layer) })));
  const longest = names.reduce<{ system: string; name: string } | undefined>((a, b) => (a && a.name.length >= b.name.length ? a : b), undefined);
  if (!longest || longest.name.length <= MAX_FLUX_NAME) return [];
  const fits = MAX_FLUX_NAME - (longest.name.length - scope.length);
  const fix = fits >= 1 ? `set delivery.scope to a scope of at most ${fits} characters (it is "${scope}")` : `shorten the name of system "${longest.system}"`;
  return [
    `${environment}.delivery.scope: the Flux Kustomization name "${longest.name}" would be ${longest.name.length} characters long; Flux writes the name into a label of every object it applies, which holds at most ${MAX_FLUX_NAME}; ${fix}`,
  ];
}

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
  /** The prefix of every object name, so that estates sharing a cluster never overwrite each other (see {@link Delivery.scope}). */
  readonly scope: string;
  /** Where the output directory sits inside the repository (`dist`, `deploy/dist`, `.`; see {@link DeliveryRepository.path}). */
  readonly repositoryPath: string;
}

/**
 * GitRepository ignore rules (.gitignore format) that keep only `<repositoryPath>/<environment>/`:
 * each directory on the way is re-included and its other entries excluded again, because git does
 * not re-include a path whose parent directory is excluded.
 */
export function environmentOnly(repositoryPath: string, environment: string): string {
  const steps = [...(repositoryPath === '.' ? [] : repositoryPath.split('/')), environment];
  const rules = ['/*'];
  steps.forEach((_, i) => {
    const dir = steps.slice(0, i + 1).join('/');
    rules.push(`!/${dir}/`);
    if (i < steps.length - 1) rules.push(`/${dir}/*`);
  });
  return `${rules.join('\n')}\n`;
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
    const source = fluxSourceName(props.scope, props.environment);
    new GitRepository(this, 'source', {
      metadata: { name: source, labels },
      spec: {
        url: props.repository.url,
        ref: { branch: props.repository.branch ?? 'main' },
        interval: '1m',
        secretRef: props.repository.secretName ? { name: props.repository.secretName } : undefined,
        // Only the environment's own output is fetched.
        ignore: environmentOnly(props.repositoryPath, props.environment),
      },
    });

    const root = props.repositoryPath === '.' ? '.' : `./${props.repositoryPath}`;
    for (const system of props.systems) {
      let previous: string | undefined;
      for (const layer of system.layers) {
        const name = fluxKustomizationName(props.scope, props.environment, system.name, layer);
        const migrations = layer === 'migrations';
        new Kustomization(this, `${system.name}-${layer}`, {
          metadata: { name, labels: systemLabels(system.name) },
          spec: {
            sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source },
            path: `${root}/${props.environment}/${system.name}/${layer}`,
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
