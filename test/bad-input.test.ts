import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AutoscaledBackend,
  EnvironmentInput,
  ExternalSecretSource,
  MigrationJob,
  PersistentClaim,
  ScheduledTask,
  SharedConfig,
  ShipshapeError,
  StatefulService,
  SystemChart,
  SystemDefinition,
  TlsIngress,
  WebApp,
  Worker,
  synthesizeEstate,
} from '../lib';
import { environment } from './helpers';

/**
 * The bad-input catalogue: each definition below is wrong in one way. Each must end in a
 * ShipshapeError whose message names the field, and must leave the output directory untouched.
 */

const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

interface Case {
  readonly name: string;
  readonly expected: RegExp;
  readonly environment?: Partial<EnvironmentInput>;
  readonly define: (system: SystemChart) => void;
}

function valid(system: SystemChart): { api: AutoscaledBackend; web: WebApp } {
  const api = new AutoscaledBackend(system, 'api', { image: 'ghcr.io/example/api:v1.0.0', probes: PROBES });
  const web = new WebApp(system, 'web', { image: 'ghcr.io/example/web:v1.0.0', backends: { API_URL: api } });
  return { api, web };
}

const cases: Case[] = [
  // The environment model.
  {
    name: 'environment: domain with upper case',
    environment: { domain: 'Shop.Example.com' },
    expected: /prod\.domain: must be a lower-case DNS name/,
    define: valid,
  },
  { name: 'environment: namespace not a DNS label', environment: { namespace: 'shop_prod' }, expected: /prod\.namespace: must be a DNS label/, define: valid },
  { name: 'environment: unknown tier', environment: { tier: 'production' as any }, expected: /prod\.tier: Invalid option/, define: valid },
  { name: 'environment: missing TLS issuer', environment: { tls: undefined as any }, expected: /prod\.tls: Invalid input: expected object/, define: valid },
  {
    name: 'environment: issuer kind misspelt',
    environment: { tls: { issuer: 'le', kind: 'ClusterIsuer' as any } },
    expected: /prod\.tls\.kind: Invalid option/,
    define: valid,
  },
  {
    name: 'environment: a claim removal acknowledged without naming the claim',
    environment: { acknowledge: [{ warning: 'claim-removed', reason: 'the data moved to the new claims' }] },
    expected: /prod\.acknowledge\[0\]: acknowledges "claim-removed" without workload: name the claim whose removal is acknowledged/,
    define: valid,
  },
  {
    name: 'environment: acknowledgement naming no construct',
    environment: { acknowledge: [{ warning: 'claim-removed', workload: 'Redis Data', reason: 'the data moved to the new claims' }] },
    expected: /prod\.acknowledge\[0\]\.workload: must be the name the warning quotes: a workload or edge \(a DNS label such as "web"\) or a claim/,
    define: valid,
  },
  { name: 'environment: negative replica factor', environment: { scaling: { replicas: -1 } }, expected: /prod\.scaling\.replicas: Too small/, define: valid },
  {
    name: 'environment: image pin with a space',
    environment: { images: { api: 'v1 beta' } },
    expected: /prod\.images\.api: must be an image tag/,
    define: valid,
  },
  {
    name: 'environment: malformed digest',
    environment: { images: { api: 'sha256:abc' } },
    expected: /prod\.images\.api: must be an image tag .* or a digest/,
    define: valid,
  },
  {
    name: 'environment: latest pinned in prod',
    environment: { images: { api: 'latest' } },
    expected: /prod\.images\.api: "ghcr.io\/example\/api:latest" is the mutable tag "latest"/,
    define: valid,
  },
  {
    name: 'environment: min above max',
    environment: { workloads: { api: { minReplicas: 5, maxReplicas: 2 } } },
    expected: /prod\.workloads\.api\.minReplicas: minReplicas must not exceed maxReplicas/,
    define: valid,
  },
  {
    name: 'environment: exception without reason',
    environment: { exceptions: [{ workload: 'api', allow: ['hostPath'], reason: 'x' }] },
    expected: /prod\.exceptions\[0\]\.reason: say why/,
    define: valid,
  },
  {
    name: 'environment: KEDA operator namespace not a DNS label',
    environment: { kedaOperator: { namespace: 'KEDA' } },
    expected: /prod\.kedaOperator\.namespace: must be a DNS label/,
    define: valid,
  },
  {
    name: 'environment: ACME solver misspelt',
    environment: { tls: { issuer: 'le', solver: 'http-01' as any } },
    expected: /prod\.tls\.solver: must be "http01" \(solver pods answer through the edge\) or "dns01"/,
    define: valid,
  },
  {
    name: 'environment: allowed response header with a colon',
    environment: { ingressController: { namespace: 'ingress-nginx', allowedResponseHeaders: ['X-Frame-Options:'] } },
    expected: /prod\.ingressController\.allowedResponseHeaders\[0\]: must be a header name/,
    define: valid,
  },
  {
    name: 'environment: monitoring namespace not a DNS label',
    environment: { monitoring: { namespace: 'Monitoring' } },
    expected: /prod\.monitoring\.namespace: must be a DNS label/,
    define: valid,
  },
  {
    name: 'environment: empty monitoring pod selector',
    environment: { monitoring: { namespace: 'monitoring', podSelector: {} } },
    expected: /prod\.monitoring\.podSelector: give at least one label/,
    define: valid,
  },
  {
    name: 'environment: external service with neither pods nor host',
    environment: { externalServices: { redis: { port: 6379 } } },
    expected: /prod\.externalServices\.redis\.podSelector: give exactly one of podSelector .* or externalName/,
    define: valid,
  },
  {
    name: 'environment: external service with a bad label key',
    environment: { externalServices: { redis: { port: 6379, podSelector: { 'app/kubernetes/name': 'redis' } } } },
    expected: /prod\.externalServices\.redis\.podSelector\.app\/kubernetes\/name: must be a label key/,
    define: valid,
  },
  {
    name: 'environment: external service that is not declared',
    expected: /prod\.externalServices\.postgres: the system uses external service "postgres", which the prod environment does not declare/,
    define: (s) => void s.externalService('postgres'),
  },
  { name: 'environment: unknown field', environment: { replicas: 3 } as any, expected: /prod: Unrecognized key: "replicas"/, define: valid },
  { name: 'environment: missing setting', expected: /prod\.settings\.BUCKET: the system reads setting "BUCKET"/, define: (s) => void s.setting('BUCKET') },

  // Shared workload props, through WebApp.
  {
    name: 'WebApp: port out of range',
    expected: /WebApp "web": port: Too big/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', port: 70000, replicas: 2 }),
  },
  {
    name: 'WebApp: port as a string',
    expected: /WebApp "web": port: Invalid input: expected number, received string/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', port: '3000' as any }),
  },
  {
    name: 'WebApp: missing image',
    expected: /WebApp "web": image: Invalid input: expected string, received undefined/,
    define: (s) => void new WebApp(s, 'web', {} as any),
  },
  {
    name: 'WebApp: untagged image in prod',
    expected: /WebApp "web": image: "x\/web" is untagged/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web' }),
  },
  {
    name: 'WebApp: one replica in prod',
    expected: /WebApp "web": replicas: runs 1 replica behind a Service/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', replicas: 1 }),
  },
  {
    name: 'WebApp: CPU quantity misspelt',
    expected: /resources\.requests\.cpu: must be a positive CPU quantity/,
    define: (s) =>
      void new WebApp(s, 'web', { image: 'x/web:v1', resources: { requests: { cpu: '100 m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }),
  },
  {
    name: 'WebApp: request above limit',
    expected: /resources\.requests\.memory: request 2Gi is above the limit 1Gi/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '1Gi' } } }),
  },
  {
    name: 'WebApp: secret value in env',
    expected: /env\.DB_PASSWORD: looks like a secret value.*Fix: reference it instead/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', env: { DB_PASSWORD: 'hunter2' } }),
  },
  {
    name: 'WebApp: password inside a URL in config',
    expected: /config\.DATABASE_URL: looks like a secret value/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', config: { DATABASE_URL: 'postgres://u:p4ss@db/app' } }),
  },
  {
    name: 'Worker: metrics without a port to default to',
    expected: /Worker "jobs": metrics\.port: this workload serves no port.*Fix: give metrics\.port/,
    define: (s) => void new Worker(s, 'jobs', { image: 'x/jobs:v1', metrics: {} }),
  },
  // Issue 16, item 11: the props users of cdk8s-plus and app-template expect.
  {
    name: 'WebApp: metrics interval not a duration',
    expected: /WebApp "web": metrics\.interval: must be a duration such as "30s"/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', metrics: { interval: '30 seconds' } }),
  },
  {
    name: 'environment: monitoring discovery misspelt',
    environment: { monitoring: { namespace: 'monitoring', discovery: 'ServiceMonitor' as any } },
    expected: /prod\.monitoring\.discovery: must be "serviceMonitor" \(Prometheus Operator\) or "annotations"/,
    define: valid,
  },
  {
    name: 'WebApp: a selector label set by hand',
    expected: /WebApp "web": metadata\.labels\.app\.kubernetes\.io\/instance: is written by shipshape and cannot be overridden/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', metadata: { labels: { 'app.kubernetes.io/instance': 'other' } } }),
  },
  {
    name: 'WebApp: pod annotation key with a space',
    expected: /WebApp "web": podMetadata\.annotations\.my key: must be an annotation key/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', podMetadata: { annotations: { 'my key': 'x' } } }),
  },
  {
    name: 'WebApp: pull secret not a DNS name',
    expected: /WebApp "web": imagePullSecrets\[0\]: must be a Secret name/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', imagePullSecrets: ['Registry_Creds'] }),
  },
  {
    name: 'WebApp: service appProtocol with a space',
    expected: /WebApp "web": service\.appProtocol: must be an application protocol/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', service: { appProtocol: 'h2 c' } }),
  },
  {
    name: 'WebApp: extra port named like the served one',
    expected: /WebApp "web": service\.extraPorts\[0\]\.name: "http" names another port/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', service: { extraPorts: [{ name: 'http', port: 8081 }] } }),
  },
  {
    name: 'WebApp: gRPC probe on a port name',
    expected: /WebApp "web": probes\.liveness\.grpc: must be the port number/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', probes: { liveness: { grpc: 'grpc' as any } } }),
  },
  {
    name: 'WebApp: probe with two forms',
    expected: /WebApp "web": probes\.readiness: give exactly one of http, tcp, grpc or exec for a probe \(it has http and tcp\)/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', probes: { readiness: { http: '/', tcp: 80 } as any } }),
  },
  {
    name: 'WebApp: custom metric of no known form',
    expected: /WebApp "web": autoscaling\.customMetrics\[0\]: give exactly one of pods or external for a custom metric/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', autoscaling: { minReplicas: 2, maxReplicas: 4, customMetrics: [{ object: {} } as any] } }),
  },
  {
    name: 'AutoscaledBackend: custom metric target not a quantity',
    expected: /AutoscaledBackend "api": autoscaling\.customMetrics\[0\]\.pods\.averageValue: must be a quantity/,
    define: (s) =>
      void new AutoscaledBackend(s, 'api', {
        image: 'x/api:v1',
        probes: PROBES,
        autoscaling: { customMetrics: [{ pods: { metric: 'rps', averageValue: 'fifty' } }] },
      }),
  },
  {
    name: 'Worker: Kafka brokers without a port',
    expected: /Worker "w": scaling\.triggers\[0\]\.kafka\.bootstrapServers: must be host:port/,
    define: (s) =>
      void new Worker(s, 'w', {
        image: 'x/w:v1',
        scaling: { maxReplicas: 3, triggers: [{ kafka: { bootstrapServers: 'kafka', consumerGroup: 'g', topic: 't', lagThreshold: 10 } }] },
      }),
  },
  {
    name: 'Worker: cron trigger with a malformed schedule',
    expected: /Worker "w": scaling\.triggers\[0\]\.cron\.start: must be a cron expression of five fields/,
    define: (s) =>
      void new Worker(s, 'w', {
        image: 'x/w:v1',
        scaling: { maxReplicas: 3, triggers: [{ cron: { timezone: 'Europe/Berlin', start: '8am', end: '0 18 * * *', desiredReplicas: 2 } }] },
      }),
  },
  {
    name: 'Worker: RabbitMQ trigger without its credentials',
    expected: /Worker "w": scaling\.triggers\[0\]\.rabbitmq\.host: Invalid input: expected object/,
    define: (s) => void new Worker(s, 'w', { image: 'x/w:v1', scaling: { maxReplicas: 3, triggers: [{ rabbitmq: { queueName: 'q', value: 5 } as any }] } }),
  },
  {
    name: 'WebApp: egress destination with a bare address',
    expected: /WebApp "web": egress\[0\]\.cidr: must be a CIDR block/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', egress: [{ cidr: '203.0.113.7', ports: [443] }] }),
  },
  {
    name: 'environment: egress DNS namespace not a DNS label',
    environment: { egress: { enforce: true, dns: { namespace: 'Kube-System', podSelector: { 'k8s-app': 'kube-dns' } } } },
    expected: /prod\.egress\.dns\.namespace: must be a DNS label/,
    define: valid,
  },
  {
    name: 'environment: enforced egress to a host without address ranges',
    environment: { egress: { enforce: true }, externalServices: { db: { port: 5432, externalName: 'db.example.com' } } },
    expected: /prod\.externalServices\.db\.cidrs: "api" connects to "db" outside the cluster/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: PROBES, connectsTo: [s.externalService('db')] }),
  },
  {
    name: 'environment: address ranges of a service in the namespace',
    environment: { externalServices: { redis: { port: 6379, podSelector: { app: 'redis' }, cidrs: ['10.0.0.0/8'] } } },
    expected: /prod\.externalServices\.redis\.cidrs: applies only to a host outside the cluster/,
    define: valid,
  },
  {
    name: 'WebApp: metrics path not absolute',
    expected: /WebApp "web": metrics\.path: must be an absolute HTTP path/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', metrics: { path: 'metrics' } }),
  },
  {
    name: 'WebApp: $(VAR) before its definition',
    expected: /env\.URL: refers to \$\(HOST\), which is not defined before it/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', env: { URL: 'http://$(HOST)', HOST: 'a' } }),
  },
  {
    name: 'WebApp: relative probe path',
    expected: /probes\.readiness/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', probes: { readiness: { http: 'ready' } } }),
  },
  {
    name: 'WebApp: preStop longer than grace',
    expected: /shutdown\.preStopSeconds: the preStop pause \(30 s\) uses the whole grace period/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', shutdown: { gracePeriodSeconds: 20, preStopSeconds: 30 } }),
  },
  {
    name: 'WebApp: RWO claim on several replicas',
    expected: /volumes\[0\]\.claim: claim "web-data" is ReadWriteOnce but this workload runs up to 2 replicas/,
    define: (s) =>
      void new WebApp(s, 'web', { image: 'x/web:v1', volumes: [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteOnce' } }] }),
  },
  {
    name: 'WebApp: duplicate volume names',
    expected: /volume "cache" appears twice/,
    define: (s) =>
      void new WebApp(s, 'web', {
        image: 'x/web:v1',
        volumes: [
          { name: 'cache', mountPath: '/a', emptyDir: {} },
          { name: 'cache', mountPath: '/b', emptyDir: {} },
        ],
      }),
  },
  {
    name: 'WebApp: hostPath without an exception',
    expected: /spec\.volumes\[sock\]\.hostPath: .*Fix: remove the setting, or declare it in the prod environment/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', volumes: [{ name: 'sock', mountPath: '/s', hostPath: { path: '/var/run/docker.sock' } }] }),
  },
  {
    name: 'WebApp: root without an exception',
    expected: /"runAsNonRoot"/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', security: { runAsRoot: true } }),
  },
  {
    name: 'WebApp: unknown prop',
    expected: /WebApp "web": \(props\): Unrecognized key: "replica"/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', replica: 3 } as any),
  },
  {
    name: 'WebApp: id not a DNS label',
    expected: /WebApp "Web_App": \(id\): "Web_App" names the workload's objects and must be a DNS label/,
    define: (s) => void new WebApp(s, 'Web_App', { image: 'x/web:v1' }),
  },
  {
    name: 'WebApp: duplicate workload names',
    expected: /another workload of system "shop" is already named "web"/,
    define: (s) => {
      new WebApp(s, 'web', { image: 'x/web:v1' });
      new WebApp(nested(s), 'web', { image: 'x/web:v1' });
    },
  },
  {
    name: 'WebApp: back end given as a URL',
    expected: /backends\.API_URL: must be a served shipshape workload/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', backends: { API_URL: 'http://api:8000' as any } }),
  },
  {
    name: 'WebApp: mount of an unknown volume in a sidecar',
    expected: /sidecars\[0\]\.mounts\.cache: is not a volume of this workload/,
    define: (s) => void new WebApp(s, 'web', { image: 'x/web:v1', sidecars: [{ name: 'proxy', mounts: { cache: '/cache' } }] }),
  },

  // AutoscaledBackend.
  {
    name: 'AutoscaledBackend: HPA that can never scale down',
    expected: /resources\.requests\.memory: a baseline of 400Mi .* could never scale down to its minimum.*Fix: request at least 750Mi/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: PROBES, autoscaling: { baselineMemory: '400Mi' } }),
  },
  {
    name: 'AutoscaledBackend: missing readiness probe',
    expected: /probes: an API needs both a liveness and a readiness probe/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: { liveness: { http: '/live' } } }),
  },
  {
    name: 'AutoscaledBackend: same liveness and readiness',
    expected: /probes\.liveness: liveness and readiness are the same check/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: { liveness: { http: '/docs' }, readiness: { http: '/docs' } } }),
  },
  {
    name: 'AutoscaledBackend: target above 100 %',
    expected: /autoscaling\.memoryUtilization/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: PROBES, autoscaling: { memoryUtilization: 120 } }),
  },
  {
    name: 'AutoscaledBackend: zero processes',
    expected: /processes: Too small/,
    define: (s) => void new AutoscaledBackend(s, 'api', { image: 'x/api:v1', probes: PROBES, processes: 0 }),
  },

  // Worker.
  {
    name: 'ScheduledTask: a schedule of six fields',
    expected: /ScheduledTask "backup": schedule: has 6 fields; a schedule has five/,
    define: (s) => void new ScheduledTask(s, 'backup', { image: 'x/backup:v1', schedule: '0 0 2 * * *' }),
  },
  {
    name: 'ScheduledTask: a sidecar',
    expected: /ScheduledTask "backup": sidecars: a sidecar keeps running .* the Job never completes/,
    define: (s) => void new ScheduledTask(s, 'backup', { image: 'x/backup:v1', schedule: '@daily', sidecars: [{ name: 'proxy' }] } as any),
  },
  {
    name: 'StatefulService: a per-replica claim that is ReadWriteMany',
    expected: /StatefulService "db": volumes\[0\]\.claim\.accessMode: a claim given as props is each replica's own/,
    define: (s) =>
      void new StatefulService(s, 'db', {
        image: 'x/db:v1',
        port: 5432,
        volumes: [{ name: 'data', mountPath: '/data', claim: { size: '1Gi', accessMode: 'ReadWriteMany' } }],
      }),
  },
  {
    name: 'Worker: singleton asked to scale',
    expected: /Worker "beat": scaling: a singleton runs exactly one instance/,
    define: (s) => void new Worker(s, 'beat', { image: 'x/w:v1', singleton: true, scaling: { maxReplicas: 3, cpuUtilization: 70 } }),
  },
  {
    name: 'Worker: singleton with two replicas',
    expected: /Worker "beat": replicas: a singleton runs exactly one instance/,
    define: (s) => void new Worker(s, 'beat', { image: 'x/w:v1', singleton: true, replicas: 2 }),
  },
  {
    name: 'Worker: queue and CPU scaling at once',
    expected: /scaling\.redisList: give either KEDA triggers \(redisList, triggers\) or HPA metrics/,
    define: (s) =>
      void new Worker(s, 'w', { image: 'x/w:v1', scaling: { maxReplicas: 3, cpuUtilization: 50, redisList: { address: 'redis:6379', listName: 'q' } } }),
  },
  {
    name: 'Worker: Redis address without port',
    expected: /scaling\.redisList\.address: must be host:port/,
    define: (s) => void new Worker(s, 'w', { image: 'x/w:v1', scaling: { maxReplicas: 3, redisList: { address: 'redis', listName: 'q' } } }),
  },
  {
    name: 'Worker: connected to without a port',
    expected: /Worker "w": port: another workload connects to this worker, but it serves no port/,
    define: (s) => {
      const w = new Worker(s, 'w', { image: 'x/w:v1' });
      new WebApp(s, 'web', { image: 'x/web:v1', connectsTo: [w.served] });
    },
  },

  // MigrationJob.
  {
    name: 'MigrationJob: a ConfigMap in a migration',
    expected: /MigrationJob "migrate": configMaps: a migration runs before the release is applied/,
    define: (s) => {
      const { api } = valid(s);
      new MigrationJob(s, 'migrate', { app: api, command: ['migrate'], configMaps: ['settings'] } as any);
    },
  },
  {
    name: 'MigrationJob: unbounded retries',
    expected: /MigrationJob "migrate": backoffLimit: Too big/,
    define: (s) => {
      const { api } = valid(s);
      new MigrationJob(s, 'migrate', { app: api, command: ['migrate'], backoffLimit: 100 });
    },
  },
  {
    name: 'MigrationJob: no command',
    expected: /command: give the migration command/,
    define: (s) => {
      const { api } = valid(s);
      new MigrationJob(s, 'migrate', { app: api, command: [] });
    },
  },
  {
    name: 'MigrationJob: app is not a workload',
    expected: /app: must be the shipshape workload whose schema this migrates/,
    define: (s) => void new MigrationJob(s, 'migrate', { app: 'api' as any, command: ['migrate'] }),
  },

  // TlsIngress.
  {
    name: 'TlsIngress: host outside the domain',
    expected: /TlsIngress "edge": hosts\[0\]: "evil\.com" is outside the environment domain/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', { hosts: ['evil.com'], routes: [{ path: '/', backend: web }] });
    },
  },
  {
    name: 'TlsIngress: port that is not the back end port',
    expected: /TlsIngress "edge": routes\[0\]\.port: .*8080/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', { routes: [{ path: '/', backend: web, port: 8080 }] });
    },
  },
  {
    name: 'TlsIngress: duplicate route',
    expected: /TlsIngress "edge": routes\[1\]/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', {
        routes: [
          { path: '/', backend: web },
          { path: '/', backend: web },
        ],
      });
    },
  },
  {
    name: 'TlsIngress: relative path',
    expected: /TlsIngress "edge": routes\[0\]\.path/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', { routes: [{ path: 'api', backend: web }] });
    },
  },
  {
    name: 'TlsIngress: a burst Envoy Gateway cannot express',
    expected: /TlsIngress "edge": rateLimit\.burst: a burst of 10 above 2/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', { rateLimit: { requestsPerSecond: 2, burst: 10 }, routes: [{ path: '/', backend: web }] });
    },
  },
  {
    name: 'TlsIngress: the same host and path in two edges',
    expected: /TlsIngress "again": routes\[0\]\.path: .*\/ \(Prefix\) is already routed by TlsIngress "edge"/,
    define: (s) => {
      const { web } = valid(s);
      new TlsIngress(s, 'edge', { routes: [{ path: '/', backend: web }] });
      new TlsIngress(s, 'again', { routes: [{ path: '/', backend: web }] });
    },
  },

  // Building blocks.
  {
    name: 'SharedConfig: secret in a ConfigMap',
    expected: /SharedConfig "settings": data\.API_TOKEN: looks like a secret value/,
    define: (s) => void new SharedConfig(s, 'settings', { data: { API_TOKEN: 'abc123' } }),
  },
  {
    name: 'PersistentClaim: size not a quantity',
    expected: /PersistentClaim "data": size: must be a positive memory quantity/,
    define: (s) => void new PersistentClaim(s, 'data', { size: 'ten gigs', accessMode: 'ReadWriteMany' }),
  },
  {
    name: 'ExternalSecretSource: nothing to fetch',
    expected: /ExternalSecretSource "app-secrets": keys: give keys, extract, or both/,
    define: (s) => void new ExternalSecretSource(s, 'app-secrets', { store: { name: 'vault' } }),
  },
];

/** A nested scope, so a second workload of the same name can be defined without a construct id clash. */
function nested(scope: SystemChart): Construct {
  return new Construct(scope, 'nested');
}

function snapshotDir(dir: string): Map<string, string> {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  return new Map(files.sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe('bad input catalogue', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-bad-'));
  const outdir = path.join(root, 'dist');
  let before: Map<string, string>;

  beforeAll(() => {
    const good: SystemDefinition = { name: 'shop', environments: [environment('prod')], define: (s) => void valid(s) };
    synthesizeEstate([good], { outdir, stagingDir: path.join(root, 'staging') });
    before = snapshotDir(outdir);
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const system: SystemDefinition = { name: 'shop', environments: [environment('prod', c.environment)], define: c.define };
    let thrown: unknown;
    try {
      synthesizeEstate([system], { outdir, stagingDir: path.join(root, 'staging') });
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'a ShipshapeError, not a crash').toBeInstanceOf(ShipshapeError);
    expect((thrown as ShipshapeError).problems.join('\n')).toMatch(c.expected);
    expect(snapshotDir(outdir), 'dist/ unchanged').toEqual(before);
  });
});
