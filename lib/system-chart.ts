import { Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Environment, EnvironmentInput, defineEnvironment } from './environment';
import { PodSecurityLevel, weakestProfile } from './checks/pod-security';
import { MANAGED_BY } from './core/labels';
import { isDnsLabel } from './core/names';
import { ShipshapeError } from './core/issues';

/** Which delivery stage an object belongs to; each is its own directory under `dist/<env>/`. */
export type Layer = 'infrastructure' | 'migrations' | 'apps';

/** Props of a {@link SystemChart}. */
export interface SystemChartProps {
  /** The environment this chart is synthesized for (parsed or as written). */
  readonly environment: Environment | EnvironmentInput;
}

/** A directed edge of the wiring: `from` talks to `to` on `port`. Network policies derive from these. */
export interface WiringEdge {
  /** Name of the calling workload, or `ingress-controller` for the edge. */
  readonly from: string;
  /** Name of the workload called. */
  readonly to: string;
  /** TCP port on `to`. */
  readonly port: number;
}

const SYSTEM_CHART = Symbol.for('shipshape.SystemChart');

/**
 * One system (a set of workloads that ship together) in one environment. Every shipshape construct
 * lives inside one; it owns the namespace, the environment the constructs read, and the wiring
 * between workloads.
 */
export class SystemChart extends Chart {
  /** The chart enclosing `scope`; throws a clear error when there is none. */
  public static of(scope: IConstruct): SystemChart {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      if ((c as unknown as Record<symbol, boolean>)[SYSTEM_CHART]) return c as SystemChart;
    }
    throw new ShipshapeError([`${scope.node.path}: shipshape constructs must be defined inside a SystemChart`]);
  }

  /** The system's name (the chart id), used as `app.kubernetes.io/part-of`. */
  public readonly system: string;
  /** The parsed environment. */
  public readonly environment: Environment;
  /** The chart holding the Namespace and namespace-wide policies. */
  public readonly infrastructure: Chart;
  /** The chart holding migration Jobs, delivered before the applications. */
  public readonly migrations: Chart;

  private readonly podLevels = new Map<string, PodSecurityLevel>();
  private readonly wiring: WiringEdge[] = [];

  constructor(scope: Construct, system: string, props: SystemChartProps) {
    // Parsing a parsed environment is a no-op, so both forms are accepted the same way.
    const environment = defineEnvironment(props.environment);
    super(scope, system, { namespace: environment.namespace, disableResourceNameHashes: true });
    (this as unknown as Record<symbol, boolean>)[SYSTEM_CHART] = true;
    if (!isDnsLabel(system)) {
      throw new ShipshapeError([`SystemChart "${system}": the system name must be a DNS label (lower-case letters, digits and "-")`]);
    }
    this.system = system;
    this.environment = environment;
    this.infrastructure = new Chart(this, 'infrastructure', { disableResourceNameHashes: true });
    this.migrations = new Chart(this, 'migrations', { namespace: environment.namespace, disableResourceNameHashes: true });

    const enforced = Lazy.any({ produce: () => this.enforcedLevel() });
    new k8s.KubeNamespace(this.infrastructure, 'namespace', {
      metadata: {
        name: environment.namespace,
        labels: {
          'app.kubernetes.io/part-of': system,
          'app.kubernetes.io/managed-by': MANAGED_BY,
          'pod-security.kubernetes.io/enforce': enforced,
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.28',
        },
      },
    });
  }

  /** The chart for a delivery layer. */
  public chartFor(layer: Layer): Chart {
    if (layer === 'infrastructure') return this.infrastructure;
    if (layer === 'migrations') return this.migrations;
    return this;
  }

  /**
   * Registers the Pod Security level a workload's pods meet once its declared exceptions are
   * applied; the namespace enforces the weakest level among its pods, so an exception lowers it
   * visibly rather than having the pods rejected by the cluster.
   */
  public registerPodSecurity(workload: string, level: PodSecurityLevel): void {
    this.podLevels.set(workload, level);
  }

  /** The Pod Security level the namespace enforces. */
  public enforcedLevel(): PodSecurityLevel {
    return weakestProfile(['restricted', ...this.podLevels.values()]);
  }

  /** Records that `from` calls `to` on `port`. */
  public connect(edge: WiringEdge): void {
    if (!this.wiring.some((e) => e.from === edge.from && e.to === edge.to && e.port === edge.port)) this.wiring.push(edge);
  }

  /** Every recorded edge, in definition order. */
  public get edges(): readonly WiringEdge[] {
    return this.wiring;
  }
}
