import { Construct } from 'constructs';
import { ServiceMonitor } from '../../imports/servicemonitors-monitoring.coreos.com';
import { Issue } from './issues';
import { ObjectIdentity, ServicePort } from './serving';

/** Name of the container and Service port serving metrics, when it is not the served port. */
export const METRICS_PORT_NAME = 'metrics';
/** Label of the one Service of a workload that a ServiceMonitor scrapes. */
export const METRICS_SERVICE_LABEL = 'shipshape.io/metrics';

/** Where a workload's metrics are, resolved. */
export interface MetricsTarget {
  /** The container port number. */
  readonly port: number;
  /** The name of that port on the container and the Service (`metrics`, or the served port's name). */
  readonly portName: string;
  /** The HTTP path. */
  readonly path: string;
  /** Scrape interval, when the workload sets one. */
  readonly interval?: string;
}

/** What the environment says about scraping. */
export interface ScrapeSettings {
  /** `serviceMonitor` (Prometheus Operator) or `annotations` (the `prometheus.io/*` convention). */
  readonly discovery: 'serviceMonitor' | 'annotations';
  /** Labels the Prometheus selects its ServiceMonitors by. */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
}

/**
 * The metrics port of a workload: the served port when they are the same (no second name for it),
 * else a port named `metrics`. The workload's other port names may not be `metrics`.
 */
export function metricsTarget(
  metrics: { readonly port?: number; readonly path?: string; readonly interval?: string },
  served: readonly ServicePort[],
): { target?: MetricsTarget; issues: Issue[] } {
  const port = metrics.port ?? served[0]?.port;
  if (port === undefined) {
    return {
      issues: [
        {
          field: 'metrics.port',
          message: 'this workload serves no port, so the metrics port cannot default to it',
          fix: 'give metrics.port, the port the process serves its metrics on',
        },
      ],
    };
  }
  const same = served.find((p) => p.port === port);
  const clash = served.find((p) => p.name === METRICS_PORT_NAME);
  if (!same && clash) {
    return {
      issues: [
        {
          field: 'service.extraPorts',
          message: `the port name "${METRICS_PORT_NAME}" is taken by port ${clash.port}, but metrics.port is ${port}`,
          fix: `serve the metrics on port ${clash.port} (metrics: { port: ${clash.port} }), or rename that port`,
        },
      ],
    };
  }
  return { target: { port, portName: same?.name ?? METRICS_PORT_NAME, path: metrics.path ?? '/metrics', interval: metrics.interval }, issues: [] };
}

/** The pod annotations of the `prometheus.io/*` scrape convention, for a Prometheus configured to read them. */
export function scrapeAnnotations(target: MetricsTarget): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(target.port), 'prometheus.io/path': target.path };
}

/**
 * A Prometheus Operator ServiceMonitor `<name>` scraping the one Service of the workload labelled
 * {@link METRICS_SERVICE_LABEL}, on the port named as the target's, in the workload's namespace.
 */
export function createServiceMonitor(scope: Construct, identity: ObjectIdentity, target: MetricsTarget, settings: ScrapeSettings): ServiceMonitor {
  return new ServiceMonitor(scope, 'ServiceMonitor', {
    metadata: { name: identity.name, labels: { ...settings.serviceMonitorLabels, ...identity.labels } },
    spec: {
      selector: { matchLabels: { ...identity.selector, [METRICS_SERVICE_LABEL]: 'true' } },
      endpoints: [{ port: target.portName, path: target.path, interval: target.interval }],
    },
  });
}
