import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoscaledBackend, EnvironmentInput, SharedConfig, ShipshapeError, SystemChart, SystemDefinition, WebApp, Worker, synthesizeEstate } from '../lib';
import { environment } from './helpers';

/**
 * What a cluster refuses, or cannot run, is refused at synth (issue 15, items 7, 8, 9 and 11):
 * one table per class. Each definition is wrong in one way and must end in a ShipshapeError whose
 * message names the construct (or object), the field and the fix.
 */

const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

type Case = readonly [name: string, expected: RegExp, define: (system: SystemChart) => void, environment?: Partial<EnvironmentInput>];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-refused-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function problems(define: (system: SystemChart) => void, env?: Partial<EnvironmentInput>): string {
  const system: SystemDefinition = { name: 'shop', environments: [environment('prod', env)], define };
  try {
    synthesizeEstate([system], { outdir: path.join(root, 'dist'), stagingDir: path.join(root, 'staging') });
  } catch (error) {
    expect(error, 'a ShipshapeError, not a crash').toBeInstanceOf(ShipshapeError);
    return (error as ShipshapeError).problems.join('\n');
  }
  throw new Error('synth succeeded');
}

function web(props: Partial<ConstructorParameters<typeof WebApp>[2]> = {}) {
  return (s: SystemChart) => void new WebApp(s, 'web', { image: 'ghcr.io/example/web:v1', ...props });
}

const big = 'x'.repeat(600 * 1024);

const sizes: Case[] = [
  [
    'config over 1 MiB',
    /ConfigMap\/shop-prod\/web-config: data: holds 1228\d+ bytes; Kubernetes refuses a ConfigMap over 1 MiB \(1048576 bytes\)\. Fix: /,
    web({ config: { A: big, B: big } }),
  ],
  [
    'files over 1 MiB',
    /ConfigMap\/shop-prod\/web-files: data: holds \d+ bytes; Kubernetes refuses a ConfigMap over 1 MiB/,
    web({ files: { '/etc/a.txt': big, '/etc/b.txt': big } }),
  ],
  [
    'shared config over 1 MiB',
    /ConfigMap\/shop-prod\/settings: data: holds \d+ bytes/,
    (s) => void new SharedConfig(s, 'settings', { data: { A: big, B: big } }),
  ],
];

const labels: Case[] = [
  [
    'nodeSelector key with a space',
    /WebApp "web": scheduling\.nodeSelector\.node type: must be a label key/,
    web({ scheduling: { nodeSelector: { 'node type': 'gpu' } } }),
  ],
  [
    'nodeSelector value with a slash',
    /WebApp "web": scheduling\.nodeSelector\.pool: must be a label value/,
    web({ scheduling: { nodeSelector: { pool: 'a/b' } } }),
  ],
  [
    'toleration key with a space',
    /WebApp "web": scheduling\.tolerations\[0\]\.key: must be a label key/,
    web({ scheduling: { tolerations: [{ key: 'dedicated pool', operator: 'Exists', effect: 'NoSchedule' }] } }),
  ],
  [
    'toleration value too long',
    /WebApp "web": scheduling\.tolerations\[0\]\.value: must be at most 63 characters/,
    web({ scheduling: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'v'.repeat(64), effect: 'NoSchedule' }] } }),
  ],
  [
    'node affinity expression key',
    /WebApp "web": scheduling\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.key: must be a label key/,
    web({
      scheduling: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone!', operator: 'In', values: ['a'] }] }] },
          },
        },
      },
    }),
  ],
  [
    'pod anti-affinity label value',
    /WebApp "web": scheduling\.affinity\.podAntiAffinity\.preferredDuringSchedulingIgnoredDuringExecution\[0\]\.podAffinityTerm\.labelSelector\.matchLabels\.app: must be a label value/,
    web({
      scheduling: {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web app' } } } },
            ],
          },
        },
      },
    }),
  ],
  [
    'monitoring pod selector value',
    /prod\.monitoring\.podSelector\.app: must be a label value/,
    web(),
    { monitoring: { namespace: 'monitoring', podSelector: { app: 'prom etheus' } } },
  ],
];

const probePorts: Case[] = [
  [
    'http probe on an undeclared port name',
    /WebApp "web": probes\.readiness\.port: "admin" names no port of the container \(it declares "http"\) Fix: use "http", or the port number/,
    web({ probes: { liveness: { http: '/live' }, readiness: { http: '/ready', port: 'admin' } } }),
  ],
  [
    'tcp probe on an undeclared port name',
    /Worker "jobs": probes\.liveness\.tcp: "http" names no port of the container \(it declares none\)/,
    (s) => void new Worker(s, 'jobs', { image: 'x/jobs:v1', probes: { liveness: { tcp: 'http' } } }),
  ],
  [
    'port name with upper case',
    /WebApp "web": probes\.liveness\.port: must be a port name/,
    web({ probes: { liveness: { http: '/live', port: 'Admin' }, readiness: { http: '/ready' } } }),
  ],
  [
    'port name of digits only',
    /WebApp "web": probes\.liveness\.port: must be a port name/,
    web({ probes: { liveness: { http: '/live', port: '8080' }, readiness: { http: '/ready' } } }),
  ],
];

const references: Case[] = [
  [
    '$(VAR) in command that names no variable',
    /WebApp "web": command\[1\]: refers to \$\(PORT\), which no variable of the container defines.*Fix: /,
    web({ command: ['serve', '--port=$(PORT)'] }),
  ],
  [
    '$(VAR) in args that names no variable',
    /WebApp "web": args\[0\]: refers to \$\(WORKERS\)/,
    web({ env: { PORT: '8080' }, args: ['--workers=$(WORKERS)', '--port=$(PORT)'] }),
  ],
  [
    '$(VAR) in a sidecar command',
    /WebApp "web": sidecars\[0\]\.command\[0\]: refers to \$\(TARGET\)/,
    web({ sidecars: [{ name: 'proxy', command: ['proxy $(TARGET)'] }] }),
  ],
];

const images: Case[] = [
  [
    'upper-case repository',
    /WebApp "web": image: "ghcr.io\/Example\/web:v1" is not a valid image reference: repository name must be lowercase/,
    web({ image: 'ghcr.io/Example/web:v1' }),
  ],
  [
    'malformed digest',
    /WebApp "web": image: "ghcr.io\/example\/web@sha256:abc" is not a valid image reference: .*digest/,
    web({ image: 'ghcr.io/example/web@sha256:abc' }),
  ],
  ['double slash', /WebApp "web": image: "ghcr.io\/\/web:v1" is not a valid image reference/, web({ image: 'ghcr.io//web:v1' })],
  [
    'sidecar image with a space',
    /WebApp "web": sidecars\[0\]\.image: "proxy:v1 beta" is not a valid image reference/,
    web({ sidecars: [{ name: 'proxy', image: 'proxy:v1 beta' }] }),
  ],
];

const milli: Case[] = [
  [
    'memory request in milli-units',
    /WebApp "web": resources\.requests\.memory: "512m" is 0\.512 bytes.*Fix: write "512Mi"/,
    web({ resources: { requests: { cpu: '100m', memory: '512m' }, limits: { cpu: '1', memory: '1Gi' } } }),
  ],
  [
    'memory limit in milli-units',
    /WebApp "web": resources\.limits\.memory: "1024m" is 1\.024 bytes/,
    web({ resources: { requests: { cpu: '100m', memory: '1m' }, limits: { cpu: '1', memory: '1024m' } } }),
  ],
  [
    'emptyDir size in milli-units',
    /WebApp "web": volumes\[0\]\.emptyDir\.sizeLimit: "64m" is 0\.064 bytes/,
    web({ volumes: [{ name: 'cache', mountPath: '/cache', emptyDir: { sizeLimit: '64m' } }] }),
  ],
];

const tooLarge: Case[] = [
  [
    'CPU above the default node maximum',
    /WebApp "web": resources\.limits\.cpu: 100 is more than any node offers \(prod\.nodeCapacity\.cpu is 64\); the pod would never be scheduled Fix: lower it, or set nodeCapacity/,
    web({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '100', memory: '1Gi' } } }),
  ],
  [
    'memory above the default node maximum',
    /WebApp "web": resources\.requests\.memory: 300Gi is more than any node offers \(prod\.nodeCapacity\.memory is 256Gi\)/,
    web({ resources: { requests: { cpu: '1', memory: '300Gi' }, limits: { cpu: '1', memory: '300Gi' } } }),
  ],
  [
    'memory above a configured maximum',
    /WebApp "web": resources\.limits\.memory: 16Gi is more than any node offers \(prod\.nodeCapacity\.memory is 8Gi\)/,
    web({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '16Gi' } } }),
    { nodeCapacity: { cpu: '4', memory: '8Gi' } },
  ],
  [
    'scaled above a configured maximum',
    /AutoscaledBackend "api": resources\.limits\.cpu: 6 is more than any node offers \(prod\.nodeCapacity\.cpu is 4\)/,
    (s) =>
      void new AutoscaledBackend(s, 'api', {
        image: 'x/api:v1',
        probes: PROBES,
        resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
      }),
    { nodeCapacity: { cpu: '4', memory: '8Gi' }, scaling: { resources: 3 } },
  ],
  [
    'configured maximum not a quantity',
    /prod\.nodeCapacity\.memory: must be a positive memory quantity/,
    web(),
    { nodeCapacity: { cpu: '4', memory: 'lots' } },
  ],
];

const unknownKeys: Case[] = [
  [
    'images key that names no workload',
    /prod\.images\.wbe: names no workload of system "shop" and no image repository its workloads run; did you mean "web"\?/,
    web(),
    { images: { wbe: 'v1' } },
  ],
  [
    'workloads key that names no workload',
    /prod\.workloads\.wev: names no workload of system "shop"; did you mean "web"\?/,
    web(),
    { workloads: { wev: { replicas: 3 } } },
  ],
  [
    'exception for no workload',
    /prod\.exceptions\[0\]\.workload: "webb" names no workload of system "shop"; did you mean "web"\?/,
    web(),
    { exceptions: [{ workload: 'webb', allow: ['hostPath'], reason: 'needs the docker socket' }] },
  ],
  [
    'setting nobody reads',
    /prod\.settings\.BUKET: no definition reads this setting; did you mean "BUCKET"\?/,
    (s) => web({ env: { BUCKET: s.setting('BUCKET') } })(s),
    { settings: { BUCKET: 'b', BUKET: 'b' } },
  ],
  [
    'key far from every name',
    /prod\.images\.zzzzzz: names no workload of system "shop" and no image repository its workloads run \(its workloads: web; their images: ghcr\.io\/example\/web\)/,
    web(),
    { images: { zzzzzz: 'v1' } },
  ],
];

describe.each([
  ['ConfigMaps over 1 MiB', sizes],
  ['label syntax wherever labels are used', labels],
  ['probe ports', probePorts],
  ['$(VAR) in command and args', references],
  ['image references', images],
  ['memory in milli-units', milli],
  ['more CPU or memory than a node offers', tooLarge],
  ['environment keys that name nothing', unknownKeys],
] as const)('refused at synth: %s', (_class, table) => {
  it.each(table.map((c) => [c[0], c] as const))('%s', (_name, [, expected, define, env]) => {
    expect(problems(define, env)).toMatch(expected);
  });
});
