import { z } from 'zod';
import { k8s } from 'cdk8s-plus-28';
import { Issue } from './issues';
import { keyedUnion } from './zod-messages';

/** Timing shared by every probe form; Kubernetes defaults apply where unset. */
export interface ProbeTiming {
  /** Seconds before the first check. @default 0 (Kubernetes') */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 (Kubernetes') */
  readonly periodSeconds?: number;
  /** Seconds before a check counts as failed. @default 1 (Kubernetes') */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before acting. @default 3 (Kubernetes') */
  readonly failureThreshold?: number;
}

/** An HTTP GET probe: success is a 2xx or 3xx status. */
export interface HttpProbe extends ProbeTiming {
  /** Path, e.g. `/healthz/ready`. */
  readonly http: string;
  /** Port number or name. @default the workload's served port */
  readonly port?: number | string;
  /** `HTTPS` for a server that only speaks TLS; the kubelet does not verify its certificate. @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
  /** Request headers, e.g. `{ Host: 'api.example.com' }` for a server that routes by host. @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A TCP probe: success is an accepted connection. */
export interface TcpProbe extends ProbeTiming {
  /** Port number or name to connect to. */
  readonly tcp: number | string;
}

/** A gRPC health check (`grpc.health.v1.Health/Check`): success is `SERVING`. */
export interface GrpcProbe extends ProbeTiming {
  /** The port number (the kubelet takes no port name here). */
  readonly grpc: number;
  /** The service name asked about. @default '' (the server as a whole) */
  readonly service?: string;
}

/** A command run in the container: success is exit code 0. */
export interface ExecProbe extends ProbeTiming {
  /** The command and its arguments. */
  readonly exec: readonly string[];
}

/** One probe, in one of the four forms. */
export type ProbeSpec = HttpProbe | TcpProbe | GrpcProbe | ExecProbe;

/** The probes of a container. Liveness and readiness should be different checks (see the README). */
export interface ProbesSpec {
  /** Restarts the container when it fails: check only that the process is alive, never its dependencies. @default none: the container is restarted only when it exits */
  readonly liveness?: ProbeSpec;
  /** Takes the pod out of its Service while failing: fail while draining or while a dependency is down. @default none: ready as soon as it starts (each construct sets its own probes when `probes` is left out) */
  readonly readiness?: ProbeSpec;
  /** Holds the other probes back until a slow starter is up. @default none */
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
// An HTTP token (RFC 9110), as the API server checks a probe header's name.
const HEADER_NAME = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;
/** A container or Service port name (IANA_SVC_NAME). */
export const portName = z.string().regex(PORT_NAME, 'must be a port name: at most 15 lower-case letters, digits and "-", with a letter, such as "http"');
const port = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(PORT_NAME, 'must be a port name (at most 15 lower-case letters, digits and "-", with a letter, such as "http") or a port number'),
]);

const probeForms = {
  http: z.strictObject({
    http: z.string().startsWith('/', 'must be an absolute path such as "/healthz"'),
    port: port.optional(),
    scheme: z.enum(['HTTP', 'HTTPS'], 'must be "HTTP" or "HTTPS"').optional(),
    headers: z
      .record(z.string(), z.string())
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers))
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'must be an HTTP header name such as "Host"' });
      })
      .optional(),
    ...timing,
  }),
  tcp: z.strictObject({ tcp: port, ...timing }),
  grpc: z.strictObject({
    grpc: z.number('must be the port number (a gRPC probe takes no port name)').int().min(1).max(65535),
    service: z.string().optional(),
    ...timing,
  }),
  exec: z.strictObject({ exec: z.array(z.string()).min(1, 'give the command to run'), ...timing }),
};

/** Schema of {@link ProbeSpec}: the form is told by its key and checked alone. */
export const probeSchema = keyedUnion<ProbeSpec>('a probe', probeForms);

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
    const httpHeaders = spec.headers ? Object.entries(spec.headers).map(([name, value]) => ({ name, value })) : undefined;
    return { probe: { httpGet: { path: spec.http, port: portValue(target), scheme: spec.scheme, httpHeaders }, ...common }, issues: [] };
  }
  if ('tcp' in spec) return { probe: { tcpSocket: { port: portValue(spec.tcp) }, ...common }, issues: [] };
  if ('grpc' in spec) return { probe: { grpc: { port: spec.grpc, service: spec.service }, ...common }, issues: [] };
  return { probe: { exec: { command: [...spec.exec] }, ...common }, issues: [] };
}

/** A short description (`http /healthz`, `tcp 8090`, `grpc 9090`, `exec`), used to compare probes. */
export function describeProbe(spec: ProbeSpec): string {
  if ('http' in spec)
    return `${spec.scheme === 'HTTPS' ? 'https' : 'http'} ${spec.port ?? ''}${spec.http}${spec.headers ? ` ${JSON.stringify(spec.headers)}` : ''}`;
  if ('tcp' in spec) return `tcp ${spec.tcp}`;
  if ('grpc' in spec) return `grpc ${spec.grpc}${spec.service ? ` ${spec.service}` : ''}`;
  return `exec ${spec.exec.join(' ')}`;
}
