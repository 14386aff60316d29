import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readObjects } from '../../tools/dist-objects';
import { Kube, KubeObject, waitFor } from './kube';

export { readObjects };

const here = __dirname;

/** Where `npm run cluster:build` puts the binaries, keyed by version. */
export const CACHE_DIR = process.env.SHIPSHAPE_CLUSTER_CACHE ?? join(homedir(), '.cache', 'shipshape-cluster');

/** The version a go.mod beside this file requires of a module. */
export function pinnedVersion(moduleDir: string, modulePath: string): string {
  const goMod = readFileSync(join(here, moduleDir, 'go.mod'), 'utf8');
  const match = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${modulePath.replace(/[.]/g, '\\.')} (v\\S+)`, 'm'));
  if (!match) throw new Error(`${moduleDir}/go.mod does not require ${modulePath}`);
  return match[1];
}

/** The Kubernetes releases the suite has modules for (test/cluster/k8s-<minor>/). */
export function kubernetesVersions(): string[] {
  return readdirSync(here)
    .filter((d) => d.startsWith('k8s-'))
    .sort()
    .map((d) => pinnedVersion(d, 'k8s.io/kubernetes'));
}

function binary(key: string, name: string): string {
  const path = join(CACHE_DIR, key, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run cluster:build first`);
  return path;
}

/** Where the Go module cache holds a module's source (kwok's stages, Flux's CRDs). */
export function moduleSource(modulePath: string, version: string): string {
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = join(modCache, modulePath.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`) + `@${version}`);
  if (!existsSync(dir)) execFileSync('go', ['mod', 'download', `${modulePath}@${version}`], { cwd: join(here, 'tools'), stdio: 'ignore' });
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Every component still running; should the suite die without its teardown, they die with it. */
const RUNNING = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of RUNNING) child.kill('SIGKILL');
});

/** The fake nodes: three zones, so that zone and node spread can be satisfied. */
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

/**
 * A Kubernetes control plane on loopback, without containers: Debian's etcd, the API server,
 * controller manager and scheduler built from Kubernetes' own modules, and kwok, which plays the
 * kubelets of three fake nodes (pods become Running and Ready, Job pods complete). Flux's source and
 * kustomize controllers are started on demand. Every process logs to a file in a private temporary
 * directory, which is removed by `stop()`.
 */
export class ControlPlane {
  readonly dir = mkdtempSync(join(tmpdir(), 'shipshape-cluster-'));
  readonly token = randomBytes(16).toString('hex');
  private readonly processes: { name: string; child: ChildProcess; log: string }[] = [];
  kube!: Kube;
  kubeconfig!: string;
  server!: string;

  constructor(readonly version: string) {}

  /** Starts every component and waits until nodes are Ready and the default ServiceAccount exists. */
  async start(): Promise<void> {
    const [etcdClient, etcdPeer, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    this.launch('etcd', 'etcd', [
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--logger=zap',
      '--log-level=warn',
    ]);

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = this.file('sa.key', privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    const saPub = this.file('sa.pub', publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const tokens = this.file('tokens.csv', `${this.token},admin,admin,system:masters\n`);
    this.server = `https://127.0.0.1:${apiPort}`;
    const k8s = `kubernetes-${this.version}`;
    this.launch('kube-apiserver', binary(k8s, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      `--cert-dir=${join(this.dir, 'pki')}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // A loopback address is not a valid endpoint; nothing in the suite needs the kubernetes Service.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.0.0.0/16',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokens}`,
      `--service-account-issuer=${this.server}/`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ]);
    this.kubeconfig = this.file(
      'kubeconfig',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: local, cluster: {server: "' + this.server + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: admin, user: {token: "' + this.token + '"}}]',
        'contexts: [{name: shipshape-local, context: {cluster: local, user: admin}}]',
        'current-context: shipshape-local',
        '',
      ].join('\n'),
    );
    this.kube = new Kube({ server: this.server, token: this.token });
    await waitFor(
      'the API server to be ready',
      120_000,
      async () => {
        const res = await this.kube.request('GET', '/readyz').catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      async () => this.logTail('kube-apiserver'),
    );

    this.launch('kube-controller-manager', binary(k8s, 'kube-controller-manager'), [
      `--kubeconfig=${this.kubeconfig}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${join(this.dir, 'pki', 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      '--leader-elect=false',
      '--secure-port=0',
      // kwok renews the fake nodes' leases; on a busy 2-core machine a renewal can come late, and the
      // default 40 s grace would mark a node NotReady, which turns its pods unready for good.
      '--node-monitor-grace-period=10m',
      // Every controller the output relies on (deployment, replicaset, job, endpointslice, disruption,
      // horizontalpodautoscaling, persistentvolume-binder, garbagecollector …) is in the default set.
      '--controllers=*',
    ]);
    this.launch('kube-scheduler', binary(k8s, 'kube-scheduler'), [
      `--kubeconfig=${this.kubeconfig}`,
      `--authentication-kubeconfig=${this.kubeconfig}`,
      `--authorization-kubeconfig=${this.kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);
    const kwokVersion = pinnedVersion('tools', 'sigs.k8s.io/kwok');
    this.launch(
      'kwok',
      binary(`kwok-${kwokVersion}`, 'kwok'),
      [
        `--kubeconfig=${this.kubeconfig}`,
        '--manage-all-nodes=true',
        '--cidr=10.244.0.0/16',
        '--node-lease-duration-seconds=40',
        `--config=${this.file('kwok-stages.yaml', kwokStages(kwokVersion))}`,
        '--server-address=',
      ],
      { KUBE_FEATURE_WatchListClient: 'false' },
    );

    await this.kube.discover();
    for (const [i, zone] of ZONES.entries()) await this.createNode(`node-${i + 1}`, zone);
    await waitFor(
      'the fake nodes to be Ready',
      60_000,
      async () => {
        const nodes = await this.kube.list('v1', 'Node');
        const ready = nodes.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === ZONES.length ? true : undefined;
      },
      async () => this.logTail('kwok'),
    );
  }

  /** Adds labels to every fake node. */
  async labelNodes(labels: Record<string, string>): Promise<void> {
    for (const node of await this.kube.list('v1', 'Node')) {
      const res = await this.kube.request(
        'PATCH',
        this.kube.path('v1', 'Node', undefined, node.metadata.name),
        { metadata: { labels } },
        'application/merge-patch+json',
      );
      if (res.status >= 300) throw new Error(`labelling node ${node.metadata.name}: ${res.body?.message}`);
    }
  }

  private async createNode(name: string, zone: string): Promise<void> {
    const res = await this.kube.apply({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': zone,
          type: 'kwok',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      },
      spec: {},
      status: { allocatable: { cpu: '64', memory: '256Gi', pods: '250' }, capacity: { cpu: '64', memory: '256Gi', pods: '250' } },
    });
    if (res.status >= 300) throw new Error(`creating node ${name}: ${JSON.stringify(res.body)}`);
  }

  /**
   * Installs CustomResourceDefinitions and waits until they are served. CRDs written for newer
   * servers carry fields an older one does not know (`selectableFields`, 1.30+), dropped here, which
   * only costs the older server a feature; a CRD the server refuses outright (a CEL rule over 1.28's
   * cost budget) is returned with the reason, and objects of its kind cannot be applied there.
   */
  async installCrds(crds: KubeObject[]): Promise<{ installed: KubeObject[]; refused: string[] }> {
    const refused: string[] = [];
    const installed: KubeObject[] = [];
    const minor = Number(this.version.split('.')[1]);
    for (const crd of crds) {
      // selectableFields (Kubernetes 1.30+) is unknown to older servers, even with validation off.
      const versions = crd.spec.versions.map((v: any) => (minor < 30 ? { ...v, selectableFields: undefined } : v));
      const res = await this.kube.apply({ ...crd, spec: { ...crd.spec, versions } }, { strict: false });
      if (res.status >= 300) refused.push(`${crd.metadata.name}: ${String(res.body?.message ?? res.status).slice(0, 300)}`);
      else installed.push(crd);
    }
    crds = installed;
    const pending = async () => {
      const names: string[] = [];
      for (const crd of crds) {
        const got = await this.kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd.metadata.name);
        if (!got?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True')) {
          const other = (got?.status?.conditions ?? [])
            .filter((c: any) => c.status !== 'True' || c.type !== 'Established')
            .map((c: any) => `${c.type}=${c.status} ${c.message ?? ''}`);
          names.push(`${crd.metadata.name}${got ? '' : ' (not stored)'} ${other.join('; ')}`);
        }
      }
      return names;
    };
    await waitFor(
      'the CRDs to be established',
      60_000,
      async () => ((await pending()).length ? undefined : true),
      async () => (await pending()).join('\n'),
    );
    await this.kube.discover();
    return { installed, refused };
  }

  /** Starts Flux's source-controller and kustomize-controller against this API server. */
  async startFlux(): Promise<void> {
    const [storage, scMetrics, scHealth, kcMetrics, kcHealth] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const env = { KUBECONFIG: this.kubeconfig, RUNTIME_NAMESPACE: 'flux-system', KUBE_FEATURE_WatchListClient: 'false' };
    const sc = pinnedVersion('tools', 'github.com/fluxcd/source-controller');
    const kc = pinnedVersion('tools', 'github.com/fluxcd/kustomize-controller');
    const storagePath = join(this.dir, 'flux-storage');
    mkdirSync(storagePath);
    this.launch(
      'source-controller',
      binary(`source-controller-${sc}`, 'source-controller'),
      [
        `--storage-path=${storagePath}`,
        `--storage-addr=127.0.0.1:${storage}`,
        `--storage-adv-addr=127.0.0.1:${storage}`,
        '--events-addr=',
        `--metrics-addr=127.0.0.1:${scMetrics}`,
        `--health-addr=127.0.0.1:${scHealth}`,
        '--log-level=info',
      ],
      env,
    );
    this.launch(
      'kustomize-controller',
      binary(`kustomize-controller-${kc}`, 'kustomize-controller'),
      [
        '--events-addr=',
        // How soon a Kustomization whose dependency was not ready looks again (Flux's default is 30 s);
        // shorter here so a three-step chain does not spend the suite's time waiting.
        '--requeue-dependency=5s',
        // A Kustomization with wait: true holds a worker until its objects are healthy; with Flux's
        // default of 4 workers, three environments' 33 Kustomizations would queue behind each other.
        '--concurrent=20',
        `--metrics-addr=127.0.0.1:${kcMetrics}`,
        `--health-addr=127.0.0.1:${kcHealth}`,
        '--log-level=info',
      ],
      { ...env, SOURCE_CONTROLLER_LOCALHOST: `127.0.0.1:${storage}` },
    );
  }

  /** The components that have exited, with the end of their logs: none should have. */
  exited(): string[] {
    return this.processes.filter((p) => p.child.exitCode !== null).map((p) => this.logTail(p.name, 5));
  }

  /** The last lines a component logged, for error messages. */
  logTail(name: string, lines = 15): string {
    const entry = this.processes.find((p) => p.name === name);
    if (!entry || !existsSync(entry.log)) return `(no log for ${name})`;
    const exited = entry.child.exitCode !== null ? ` (exited with ${entry.child.exitCode})` : '';
    return `${name}${exited}, last lines of its log:\n` + readFileSync(entry.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Stops every process, last started first, and removes the temporary directory. */
  async stop(): Promise<void> {
    for (const { child } of [...this.processes].reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (!process.env.SHIPSHAPE_CLUSTER_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  private launch(name: string, command: string, args: string[], env: Record<string, string> = {}): void {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    child.on('error', () => undefined);
    RUNNING.add(child);
    child.once('exit', () => RUNNING.delete(child));
    this.processes.push({ name, child, log });
  }

  private file(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }
}

/**
 * kwok v0.8 ships no default stages: concatenate the ones kwokctl loads (node initialisation and
 * lease heartbeat; pods become Ready, Job pods complete, deleted pods go) and the chaos stage that
 * fails a pod carrying its label, with which a test makes a migration fail.
 */
function kwokStages(version: string): string {
  const stages = join(moduleSource('sigs.k8s.io/kwok', version), 'kustomize', 'stage');
  return [
    'node/fast/node-initialize.yaml',
    'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
    'pod/fast/pod-ready.yaml',
    'pod/fast/pod-complete.yaml',
    'pod/fast/pod-delete.yaml',
    'pod/chaos/pod-container-running-failed.yaml',
  ]
    .map((f) =>
      readFileSync(join(stages, f), 'utf8')
        .replace(/^---\n/, '')
        .trimEnd(),
    )
    .join('\n---\n');
}

/** The label that makes kwok fail a pod's containers (kwok's own chaos stage). */
export const KWOK_FAIL_LABEL = 'pod-container-running-failed.stage.kwok.x-k8s.io';
