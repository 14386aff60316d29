import { z } from 'zod';
import { k8s } from 'cdk8s-plus-28';
import { Issue } from './issues';

/** Timing shared by every probe form; Kubernetes defaults apply where unset. */
export interface ProbeTiming {
  /** Seconds before the first check. */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. */
  readonly periodSeconds?: number;
  /** Seconds before a check counts as failed. */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before acting. */
  readonly failureThreshold?: number;
}

/** An HTTP GET probe: success is a 2xx or 3xx status. */
export interface HttpProbe extends ProbeTiming {
  /** Path, e.g. `/healthz/ready`. */
  readonly http: string;
  /** Port number or name. @default the workload's served port */
  readonly port?: number | string;
}

/** A TCP probe: success is an accepted connection. */
export interface TcpProbe extends ProbeTiming {
  /** Port number or name to connect to. */
  readonly tcp: number | string;
}

/** A command run in the container: success is exit code 0. */
export interface ExecProbe extends ProbeTiming {
  /** The command and its arguments. */
  readonly exec: readonly string[];
}

/** One probe, in one of the three forms. */
export type ProbeSpec = HttpProbe | TcpProbe | ExecProbe;

/** The probes of a container. Liveness and readiness should be different checks (see the README). */
export interface ProbesSpec {
  /** Restarts the container when it fails: check only that the process is alive, never its dependencies. */
  readonly liveness?: ProbeSpec;
  /** Takes the pod out of its Service while failing: fail while draining or while a dependency is down. */
  readonly readiness?: ProbeSpec;
  /** Holds the other probes back until a slow starter is up. */
  readonly startup?: ProbeSpec;
}

const timing = {
  initialDelaySeconds: z.number().int().min(0).optional(),
  periodSeconds: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  failureThreshold: z.number().int().min(1).optional(),
};
// IANA_SVC_NAME, as the API server checks a port name: at most 15 lower-case letters, digits and "-", with a letter, no "--".
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A container or Service port name (IANA_SVC_NAME). */
export const portName = z.string().regex(PORT_NAME, 'must be a port name: at most 15 lower-case letters, digits and "-", with a letter, such as "http"');
const port = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(PORT_NAME, 'must be a port name (at most 15 lower-case letters, digits and "-", with a letter, such as "http") or a port number'),
]);

/** Schema of {@link ProbeSpec}. */
export const probeSchema: z.ZodType<ProbeSpec, ProbeSpec> = z.union([
  z.strictObject({ http: z.string().startsWith('/', 'must be an absolute path such as "/healthz"'), port: port.optional(), ...timing }),
  z.strictObject({ tcp: port, ...timing }),
  z.strictObject({ exec: z.array(z.string()).min(1, 'give the command to run'), ...timing }),
]);

/** Schema of {@link ProbesSpec}. */
export const probesSchema: z.ZodType<ProbesSpec, ProbesSpec> = z.strictObject({
  liveness: probeSchema.optional(),
  readiness: probeSchema.optional(),
  startup: probeSchema.optional(),
});

function portValue(value: number | string): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}

/**
 * The Kubernetes form of a probe; an HTTP probe without a port checks `defaultPort`. One that has
 * neither is an issue at `field` (`probes.liveness`), and no probe.
 */
export function toProbe(spec: ProbeSpec, defaultPort: number | string | undefined, field: string): { probe?: k8s.Probe; issues: Issue[] } {
  const common = {
    initialDelaySeconds: spec.initialDelaySeconds,
    periodSeconds: spec.periodSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    failureThreshold: spec.failureThreshold,
  };
  if ('http' in spec) {
    const target = spec.port ?? defaultPort;
    if (target === undefined) {
      return { issues: [{ field: `${field}.port`, message: 'an HTTP probe on a workload that serves no port needs its own port', fix: `set ${field}.port` }] };
    }
    return { probe: { httpGet: { path: spec.http, port: portValue(target) }, ...common }, issues: [] };
  }
  if ('tcp' in spec) return { probe: { tcpSocket: { port: portValue(spec.tcp) }, ...common }, issues: [] };
  return { probe: { exec: { command: [...spec.exec] }, ...common }, issues: [] };
}

/** A short description (`http /healthz`, `tcp 8090`, `exec`), used to compare probes. */
export function describeProbe(spec: ProbeSpec): string {
  if ('http' in spec) return `http ${spec.port ?? ''}${spec.http}`;
  if ('tcp' in spec) return `tcp ${spec.tcp}`;
  return `exec ${spec.exec.join(' ')}`;
}
