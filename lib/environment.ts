import { z } from 'zod';
import { ShipshapeError, WARNING_CODES, WarningCode, formatFieldPath } from './core/issues';
import { dnsLabel, hostname, labelMap, podSelector } from './core/names';
import { ResourcesSpec, resourcesSchema } from './core/resources';
import { cpuQuantity, memoryQuantity } from './core/quantity';
import { zodIssueMessage } from './core/zod-messages';
import { cidrBlock } from './core/egress';

/**
 * Policy level of an environment. `prod` enforces the prod-tier rules (pinned images, requests and
 * limits, two replicas behind every Service, PDBs, TLS) as errors; `staging` reports them as
 * warnings; `dev` does not check them.
 */
export type Tier = 'dev' | 'staging' | 'prod';

/**
 * What a workload may be exempted from. The first names are the controls of the Pod Security
 * Standards; `writableRootFilesystem` lifts shipshape's own read-only root file system.
 */
export const SECURITY_EXCEPTIONS = [
  'hostNamespaces',
  'privileged',
  'capabilities',
  'hostPath',
  'hostPorts',
  'appArmor',
  'seLinux',
  'procMount',
  'seccomp',
  'sysctls',
  'volumeTypes',
  'privilegeEscalation',
  'runAsNonRoot',
  'runAsUser',
  'writableRootFilesystem',
] as const;

/** Name of one exemption from the hardened defaults (see {@link SECURITY_EXCEPTIONS}). */
export type SecurityExceptionName = (typeof SECURITY_EXCEPTIONS)[number];

/** A declared, reviewed exemption of one workload from the restricted profile. */
export interface SecurityException {
  /** The workload's name (`chat-proc`). */
  readonly workload: string;
  /** What it is allowed to do beyond the restricted profile. */
  readonly allow: readonly SecurityExceptionName[];
  /** Why; written into the output next to the exemption so a reviewer sees it. */
  readonly reason: string;
}

/**
 * A warning a team has reviewed and accepts in this environment, with the reason. It is no longer
 * printed as a warning; the synth summary counts and lists it as acknowledged, with the reason.
 */
export interface Acknowledgement {
  /** The warning's code, printed in brackets at the end of the warning (`probes-same-check`; see {@link WARNING_CODES}). */
  readonly warning: WarningCode;
  /**
   * The name of the construct that raises it, as quoted in the warning (`WebApp "web"` → `web`):
   * a workload, a claim or an edge. Required for `claim-removed`, whose acknowledgement names the
   * one claim whose removal is deliberate.
   * @default every construct of the system that raises this warning
   */
  readonly workload?: string;
  /** Why the warning is accepted; printed next to it in the summary for reviewers. */
  readonly reason: string;
}

/** Per-environment sizing of one workload, overriding what the construct and the scaling factors give. */
export interface WorkloadOverride {
  /** Fixed replica count (workloads without an autoscaler). @default the construct's */
  readonly replicas?: number;
  /** Autoscaler minimum. @default the construct's */
  readonly minReplicas?: number;
  /** Autoscaler maximum. @default the construct's */
  readonly maxReplicas?: number;
  /** Requests and limits of the main container. @default the construct's */
  readonly resources?: ResourcesSpec;
  /**
   * Suspend a ScheduledTask here: its CronJob starts no run until this is removed (a dev cluster
   * that should not run the nightly backups). @default the ScheduledTask's own `suspend`
   */
  readonly suspend?: boolean;
}

/** The cert-manager issuer that signs this environment's certificates. */
export interface TlsIssuer {
  /** Issuer name, e.g. `letsencrypt-prod` or `letsencrypt-staging`. */
  readonly issuer: string;
  /** @default 'ClusterIssuer' */
  readonly kind?: 'ClusterIssuer' | 'Issuer';
  /**
   * How the issuer proves control of the hosts. `http01`: cert-manager starts solver pods in the
   * system's namespace (label `acme.cert-manager.io/http01-solver: "true"`, port 8089) and the ACME
   * server reaches them through the edge, so the network policies admit them from the ingress
   * controller's namespace. `dns01`: the proof is a DNS record and nothing is admitted.
   * @default 'http01'
   */
  readonly solver?: AcmeSolver;
}

/** How an ACME issuer proves control of a host: a challenge served over HTTP, or a DNS record. */
export type AcmeSolver = 'http01' | 'dns01';

/** Factors applied to what constructs declare, so an environment is sized in one place. */
export interface Scaling {
  /** Multiplies replica counts and autoscaler bounds (rounded up, at least 1). @default 1 */
  readonly replicas?: number;
  /** Multiplies CPU and memory requests and limits. @default 1 */
  readonly resources?: number;
}

/** The storage classes of an environment's cluster that claims use. */
export interface StorageClasses {
  /**
   * The class of every `ReadWriteMany` claim that names none: one that can attach a volume to many
   * nodes (NFS, EFS, CephFS, Azure Files). A cluster's default class is usually `ReadWriteOnce`
   * only, so an RWX claim left to it stays `Pending` and its pods never start.
   * @default none: such a claim falls to the cluster default, with a warning at synth
   */
  readonly readWriteManyClass?: string;
}

/**
 * The most CPU and memory one container can be given in an environment: what the largest node of
 * its cluster can allocate to a pod. A request above it leaves the pod `Pending` for ever (no node
 * fits it); a limit above it is a typo the node would never honour.
 */
export interface NodeCapacity {
  /** CPU of the largest node's allocatable, e.g. `16`. @default '64' */
  readonly cpu?: string;
  /** Memory of the largest node's allocatable, e.g. `64Gi`. @default '256Gi' */
  readonly memory?: string;
}

/** The default {@link NodeCapacity}: a large general-purpose node (64 cores, 256 GiB). */
export const DEFAULT_NODE_CAPACITY: Required<NodeCapacity> = { cpu: '64', memory: '256Gi' };

/** An environment as written by a team (see {@link Environment} for the parsed form). */
export interface EnvironmentInput {
  /** `dev`, `staging`, `prod` or any DNS label; names the output directory `dist/<name>`. */
  readonly name: string;
  /** Policy level. Constructs read the tier, never the name. */
  readonly tier: Tier;
  /** Namespace of the system in this environment (`hcp-dev`): one per system per environment. */
  readonly namespace: string;
  /** The domain every host name derives from (`dev.docs.example.com`). */
  readonly domain: string;
  /** Certificate issuer for every host of this environment. */
  readonly tls: TlsIssuer;
  /** Replica and resource factors. @default { replicas: 1, resources: 1 } */
  readonly scaling?: Scaling;
  /** Per-workload sizing, keyed by workload name. @default {} */
  readonly workloads?: Readonly<Record<string, WorkloadOverride>>;
  /**
   * Image tag (`v27.0.1`) or digest (`sha256:…`) per workload name, or per image repository as the
   * constructs write it (`ghcr.io/mastodon/mastodon`): a repository key pins every workload of the
   * system that runs that image, so one release is one line however many workloads (web, streaming,
   * workers, the migration) share it. A workload's own key wins over its repository's; both win over
   * the construct's tag.
   * @default {}
   */
  readonly images?: Readonly<Record<string, string>>;
  /**
   * The build this environment runs: a tag (`sha-3f2c1a9`, `v27.0.1`) given to every workload's
   * image that the construct leaves untagged and `images` does not pin. CI that pushes a build sets
   * it, so each build changes the pod templates (the Deployments roll) and the MigrationJob's name
   * (it runs once per build); untagged, neither would ever change. A digest identifies one image,
   * so digests are pinned per workload in `images`.
   * @default none: untagged images stay untagged
   */
  readonly build?: string;
  /** Declared exemptions from the restricted Pod Security Standard. @default [] */
  readonly exceptions?: readonly SecurityException[];
  /**
   * Warnings the team has reviewed and accepts here, each with a reason, e.g.
   * `[{ warning: 'probes-same-check', workload: 'web', reason: 'Mastodon serves one /health endpoint' }]`.
   * They live in the environment because warnings differ per environment (a staging tier rule, an
   * untagged migration where no build is set). An acknowledgement that matches no warning of the
   * system in this environment is itself reported, so stale ones do not pile up.
   * @default []
   */
  readonly acknowledge?: readonly Acknowledgement[];
  /**
   * Where the ingress controller's pods run, for the network policies of workloads exposed by an
   * edge of flavour `ingress-nginx`, and what it allows. @default { namespace: 'ingress-nginx', allowedResponseHeaders: [] }
   */
  readonly ingressController?: IngressController;
  /**
   * The Gateway API edge (TlsIngress's default flavour): the Gateway the routes attach to and where
   * its data-plane pods run. Without `name`, each system gets a Gateway of its own, `<system>`, in
   * its namespace; with `name` and `namespace`, the platform team's shared Gateway, to which each
   * system attaches a ListenerSet `<system>` of its own.
   * @default { className: 'eg', dataPlane: { namespace: 'envoy-gateway-system' } } (a Gateway per system, Envoy Gateway's defaults)
   */
  readonly gateway?: GatewayEdge;
  /**
   * Where the KEDA operator's pods run: a Worker scaled on the system's own Redis admits them to
   * that Redis, to read the backlog. @default { namespace: 'keda' }
   */
  readonly kedaOperator?: KedaOperator;
  /**
   * Where the cluster's monitoring (Prometheus or another scraper) runs: the `metrics` port a
   * workload declares admits it. @default { namespace: 'monitoring' }
   */
  readonly monitoring?: Monitoring;
  /**
   * Services of the system's namespace that other charts or teams run (a Redis or Postgres chart,
   * a managed database), keyed by Service name. Workloads reach one through
   * `system.externalService('<name>')`, which admits them (and the KEDA operator and setup Jobs that
   * use it) in the network policies. @default {}
   */
  readonly externalServices?: Readonly<Record<string, ExternalService>>;
  /**
   * How the output reaches the cluster: `flux` (Flux Kustomizations that apply migrations before the
   * applications), `helm` (hook annotations for teams that package dist/ in a chart) or `argocd`
   * (PreSync hooks). @default { flavour: 'flux' }
   */
  readonly delivery?: Delivery;
  /**
   * Application settings that differ per environment (`HCP_DOMAIN`, a bucket name), read in a
   * system's definition with `system.setting('HCP_DOMAIN')`. Never secrets. @default {}
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Egress NetworkPolicies: off by default; `{ enforce: true }` limits each workload to DNS, its
   * wiring and its declared `egress` destinations.
   * @default { enforce: false }
   */
  readonly egress?: Egress;
  /** Storage classes of the cluster, e.g. `{ readWriteManyClass: 'nfs-client' }`. @default {} */
  readonly storage?: StorageClasses;
  /**
   * The most CPU and memory a container may request or be limited to, after scaling: the
   * allocatable of the cluster's largest node. Above it is an error at synth.
   * @default { cpu: '64', memory: '256Gi' }
   */
  readonly nodeCapacity?: NodeCapacity;
}

/** A parsed, validated environment: every default filled in. */
export interface Environment {
  /** The output directory `dist/<name>`. */
  readonly name: string;
  /** Policy level. */
  readonly tier: Tier;
  /** The system's namespace in this environment. */
  readonly namespace: string;
  /** The domain every host name derives from. */
  readonly domain: string;
  /** The certificate issuer, kind and solver filled in. */
  readonly tls: Required<TlsIssuer>;
  /** Replica and resource factors, defaults filled in. */
  readonly scaling: Required<Scaling>;
  /** Per-workload sizing. */
  readonly workloads: Readonly<Record<string, WorkloadOverride>>;
  /** Image tag or digest per workload name or image repository. */
  readonly images: Readonly<Record<string, string>>;
  /** The tag of untagged, unpinned workload images. @default none: untagged images stay as the definition names them */
  readonly build?: string;
  /** Declared exemptions from the restricted profile. */
  readonly exceptions: readonly SecurityException[];
  /** Warnings reviewed and accepted in this environment. */
  readonly acknowledge: readonly Acknowledgement[];
  /** Where the ingress controller runs and what it allows. */
  readonly ingressController: Required<IngressController>;
  /** The Gateway API edge: a shared Gateway, or the class of the one written per system; where its data plane runs. */
  readonly gateway: ParsedGatewayEdge;
  /** Where the KEDA operator runs. */
  readonly kedaOperator: KedaOperator;
  /** Where the monitoring runs and how it finds targets. */
  readonly monitoring: Monitoring & Required<Pick<Monitoring, 'discovery' | 'serviceMonitorLabels'>>;
  /** Services of the namespace that other charts or teams run, by Service name. */
  readonly externalServices: Readonly<Record<string, ExternalService>>;
  /** Per-environment application settings. */
  readonly settings: Readonly<Record<string, string>>;
  /** How the output reaches the cluster. */
  readonly delivery: Delivery;
  /** Egress enforcement and where DNS runs. */
  readonly egress: Required<Egress>;
  /** Storage classes of the cluster. */
  readonly storage: StorageClasses;
  /** The most CPU and memory one container may have. */
  readonly nodeCapacity: Required<NodeCapacity>;
}

/** The cluster's ingress controller: where its pods run, which the exposed workloads' NetworkPolicies admit, and what it allows. */
export interface IngressController {
  /** Namespace name, matched by its `kubernetes.io/metadata.name` label. */
  readonly namespace: string;
  /**
   * Response headers the controller's `global-allowed-response-headers` setting lists, spelled as
   * there (ingress-nginx compares names exactly). Current ingress-nginx answers 503 for every
   * Ingress whose `custom-headers` ConfigMap holds a header that setting does not list, so the
   * `ingress-nginx` flavour of TlsIngress sets through `custom-headers` only the security headers listed
   * here, and warns about the others.
   * @default [] (a stock controller: no custom-headers annotation)
   */
  readonly allowedResponseHeaders?: readonly string[];
}

/**
 * The Gateway an environment's edges attach to: a shared one the platform team owns (`name` and
 * `namespace`), or one per system that shipshape writes (of class `className`).
 */
export interface GatewayEdge {
  /** The shared Gateway's name; give it with `namespace`. @default none: each system gets its own Gateway */
  readonly name?: string;
  /** The shared Gateway's namespace. @default none */
  readonly namespace?: string;
  /** GatewayClass of the Gateway written per system; a shared Gateway has its own. @default 'eg' (Envoy Gateway's quick-start class) */
  readonly className?: string;
  /**
   * Where the Gateway's data-plane (Envoy) pods run, which the exposed workloads' NetworkPolicies
   * admit. Envoy Gateway runs them in its own namespace, labelled with the Gateway they serve.
   * @default { namespace: 'envoy-gateway-system' }, pods labelled `gateway.envoyproxy.io/owning-gateway-name` and `-namespace` with the Gateway's
   */
  readonly dataPlane?: GatewayDataPlane;
}

/** Where a Gateway's data-plane pods run. */
export interface GatewayDataPlane {
  /** Namespace name, matched by its `kubernetes.io/metadata.name` label. */
  readonly namespace: string;
  /** Labels of the data-plane pods. @default Envoy Gateway's labels of the Gateway's proxies */
  readonly podSelector?: Readonly<Record<string, string>>;
}

/** A parsed {@link GatewayEdge}: the class and data-plane namespace filled in. */
export interface ParsedGatewayEdge {
  /** The shared Gateway's name, when there is one. @default absent: a Gateway per system */
  readonly name?: string;
  /** The shared Gateway's namespace, when there is one. @default absent: a Gateway per system */
  readonly namespace?: string;
  /** GatewayClass of the per-system Gateway; absent with a shared Gateway. @default absent with a shared Gateway */
  readonly className?: string;
  /** Where the data-plane pods run. */
  readonly dataPlane: GatewayDataPlane;
}

/** Where the cluster's monitoring runs; workloads admit it to the `metrics` port they declare. */
export interface Monitoring {
  /** Namespace name, matched by its `kubernetes.io/metadata.name` label. */
  readonly namespace: string;
  /**
   * Labels of the scraper's pods (`{ 'app.kubernetes.io/name': 'prometheus' }`), to admit only
   * them instead of every pod of the namespace.
   * @default every pod of the namespace
   */
  readonly podSelector?: Readonly<Record<string, string>>;
  /**
   * How the scraper finds the workloads that declare `metrics`: `serviceMonitor`, a Prometheus
   * Operator ServiceMonitor per workload (the cluster needs its CRD); `annotations`, the
   * `prometheus.io/scrape`, `/port` and `/path` pod annotations a plain Prometheus configuration
   * reads. One of the two, so no target is scraped twice.
   * @default 'serviceMonitor'
   */
  readonly discovery?: 'serviceMonitor' | 'annotations';
  /**
   * Labels every ServiceMonitor carries, matching the Prometheus's `serviceMonitorSelector`
   * (kube-prometheus-stack selects `release: <its release name>` by default).
   * @default none
   */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
}

/**
 * A service of the system's namespace that another chart or team runs. Give `podSelector` for pods
 * another chart runs in the namespace, or `externalName` for a host outside the cluster.
 */
export interface ExternalService {
  /** The Service port its clients connect to. */
  readonly port: number;
  /**
   * Labels of its pods, run by another chart in this namespace. The network policies admit its
   * clients to these pods, and the Namespace lists the service in `shipshape.io/external-services`
   * (a bootstrap checklist, like external Secrets).
   * @default none (give this or externalName)
   */
  readonly podSelector?: Readonly<Record<string, string>>;
  /**
   * A host outside the cluster (a managed database): an `ExternalName` Service of this name points
   * at it, so clients use the same in-namespace name; no policy is needed to leave the namespace.
   * @default none (give this or podSelector)
   */
  readonly externalName?: string;
  /**
   * The address ranges behind `externalName`, for the egress policies of an environment that
   * enforces egress (a NetworkPolicy cannot name a host).
   * @default none (needed only with egress.enforce)
   */
  readonly cidrs?: readonly string[];
}

/** Egress NetworkPolicies of the system's workloads. */
export interface Egress {
  /**
   * Give each workload an egress policy `egress-<name>` allowing only DNS, the workloads and
   * declared services it is wired to (`backends`, `connectsTo`, queues), and the destinations its
   * `egress` prop declares. Off by default, so that a cluster turns it on per environment (staging
   * first) once the workloads declare what they reach outside the system.
   * @default false
   */
  readonly enforce?: boolean;
  /**
   * Where the cluster's DNS runs, which every isolated workload may ask.
   * @default { namespace: 'kube-system', podSelector: { 'k8s-app': 'kube-dns' } } (CoreDNS as kubeadm, EKS, GKE and AKS label it)
   */
  readonly dns?: ClusterDns;
}

/** Where the cluster's DNS pods run. */
export interface ClusterDns {
  /** Their namespace. */
  readonly namespace: string;
  /** Their labels. */
  readonly podSelector: Readonly<Record<string, string>>;
}

/** The namespace of the KEDA operator, whose pods (`app.kubernetes.io/name: keda-operator`) read queue lengths. */
export interface KedaOperator {
  /** Namespace name, matched by its `kubernetes.io/metadata.name` label. */
  readonly namespace: string;
}

/** The Git repository Flux reads `dist/` from. */
export interface DeliveryRepository {
  /** Clone URL (`https://github.com/org/estate` or `ssh://git@…`). */
  readonly url: string;
  /** @default 'main' */
  readonly branch?: string;
  /** A Secret in flux-system with the credentials, for a private repository. @default none: a public repository */
  readonly secretName?: string;
  /**
   * Where the output directory (`dist/`, holding `<env>/`) sits inside the repository, as a relative
   * path with `/` (`dist`, `deploy/dist`; `.` when the environments are at the root). The
   * Kustomizations' paths (`./deploy/dist/prod/<system>/<layer>`) and the GitRepository's ignore
   * rules are built from it.
   * @default the synth's `outdir` relative to the root of the git work tree that holds it; outside
   * a git work tree, `outdir` relative to the current directory, or `dist` when it lies elsewhere
   */
  readonly path?: string;
}

/** Delivery flavour of an environment. */
export interface Delivery {
  /** `flux`, `helm` or `argocd`. */
  readonly flavour: 'flux' | 'helm' | 'argocd';
  /** The repository holding dist/; without it, Flux objects are not written (synth warns). @default none: no Flux objects (synth warns) */
  readonly repository?: DeliveryRepository;
  /**
   * The prefix of every Flux object name (a DNS label), so that several estates reconciled into
   * one cluster never overwrite each other's objects: the GitRepository is `<scope>-<env>`, a
   * system's Kustomizations `<scope>-<env>-<system>-<layer>`. Names are stable (no hash), and a
   * Kustomization name must fit in 63 characters, because Flux writes it into a label of every
   * object it applies. Two estates whose repositories share a name, or two estates in one
   * repository, that deliver into one cluster set distinct scopes.
   * @default the repository's name, from `repository.url` (`https://github.com/org/shop-deploy.git` → `shop-deploy`)
   */
  readonly scope?: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Whether `ref` is an image digest (`sha256:` and 64 hex digits). */
export function isDigest(ref: string): boolean {
  return DIGEST.test(ref);
}

const tagOrDigest = z.string().refine((v) => TAG.test(v) || DIGEST.test(v), 'must be an image tag such as "v1.2.3" or a digest "sha256:<64 hex digits>"');

const positiveInt = z.number().int().min(1);

/** The name of a construct as a warning quotes it: a workload's or edge's (a DNS label) or a claim's (a DNS subdomain). */
const constructName = z
  .string()
  .refine(
    (v) => v.length <= 253 && hostname.safeParse(v).success,
    'must be the name the warning quotes: a workload or edge (a DNS label such as "web") or a claim (a DNS subdomain such as "data")',
  );

/** A key of `images`: a workload name (a DNS label) or an image repository, `[registry[:port]/]path`. */
const IMAGE_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
const imageKey = z
  .string()
  .regex(IMAGE_KEY, 'must be a workload name such as "web" or an image repository such as "ghcr.io/mastodon/mastodon" (lower case, no tag)');

/** A directory inside a repository: a relative path with `/`, without `.` or `..` steps; or `.`, the root. */
export const repositoryPathSchema = z
  .string()
  .refine(
    (v) => v === '.' || v.split('/').every((step) => /^[A-Za-z0-9._-]+$/.test(step) && step !== '.' && step !== '..'),
    'must be a directory inside the repository, relative to its root, such as "dist" or "deploy/dist" (no leading "/" or "./", no "..", no trailing "/"; "." for the root)',
  );

/** The zod schema of an environment; `parse` returns an {@link Environment}. */
export const EnvironmentSchema: z.ZodType<Environment, EnvironmentInput> = z.strictObject({
  name: dnsLabel,
  tier: z.enum(['dev', 'staging', 'prod']),
  namespace: dnsLabel,
  domain: hostname,
  tls: z.strictObject({
    issuer: dnsLabel,
    kind: z.enum(['ClusterIssuer', 'Issuer']).default('ClusterIssuer'),
    solver: z.enum(['http01', 'dns01'], { message: 'must be "http01" (solver pods answer through the edge) or "dns01" (a DNS record)' }).default('http01'),
  }),
  scaling: z
    .strictObject({
      replicas: z.number().positive().max(100).default(1),
      resources: z.number().positive().max(100).default(1),
    })
    .default({ replicas: 1, resources: 1 }),
  workloads: z
    .record(
      dnsLabel,
      z
        .strictObject({
          replicas: positiveInt.optional(),
          minReplicas: positiveInt.optional(),
          maxReplicas: positiveInt.optional(),
          resources: resourcesSchema.optional(),
          suspend: z.boolean().optional(),
        })
        .refine((o) => o.minReplicas === undefined || o.maxReplicas === undefined || o.minReplicas <= o.maxReplicas, {
          message: 'minReplicas must not exceed maxReplicas',
          path: ['minReplicas'],
        }),
    )
    .default({}),
  images: z.record(imageKey, tagOrDigest).default({}),
  build: z
    .string()
    .regex(TAG, 'must be an image tag such as "sha-3f2c1a9" or "v27.0.1" (a digest identifies one image: pin digests per workload in images)')
    .refine((v) => v !== 'latest', 'must name one build; "latest" moves without a commit, so nothing would roll or migrate')
    .optional(),
  exceptions: z
    .array(
      z.strictObject({
        workload: dnsLabel,
        allow: z.array(z.enum(SECURITY_EXCEPTIONS)).min(1, 'name at least one exemption'),
        reason: z.string().min(10, 'say why in at least a short sentence; it is written next to the exemption for reviewers'),
      }),
    )
    .default([]),
  acknowledge: z
    .array(
      z
        .strictObject({
          warning: z.enum(WARNING_CODES, { message: `must be the code of a warning, printed in brackets at its end: one of ${WARNING_CODES.join(', ')}` }),
          workload: constructName.optional(),
          reason: z
            .string({ error: 'is required: say why the warning is accepted, so a reviewer sees it' })
            .min(10, 'say why the warning is accepted, in at least a short sentence; it is printed next to it for reviewers'),
        })
        // A removal deletes data (or orphans it): one acknowledgement covers one claim, never every claim of the system.
        .refine((ack) => ack.warning !== 'claim-removed' || ack.workload !== undefined, {
          message:
            'acknowledges "claim-removed" without workload: name the claim whose removal is acknowledged (workload: \'<claim name>\'), one entry per claim',
        }),
    )
    .default([]),
  ingressController: z
    .strictObject({
      namespace: dnsLabel,
      allowedResponseHeaders: z
        .array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a header name as ingress-nginx accepts it: letters, digits, "-" and "_"'))
        .default([]),
    })
    .default({ namespace: 'ingress-nginx', allowedResponseHeaders: [] }),
  gateway: z
    .strictObject({
      name: dnsLabel.optional(),
      namespace: dnsLabel.optional(),
      className: dnsLabel.optional(),
      dataPlane: z.strictObject({ namespace: dnsLabel, podSelector: podSelector.optional() }).default({ namespace: 'envoy-gateway-system' }),
    })
    .superRefine((g, ctx) => {
      if ((g.name === undefined) !== (g.namespace === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [g.name === undefined ? 'name' : 'namespace'],
          message: 'a shared Gateway is named by both name and namespace; leave both out for a Gateway per system',
        });
      }
      if (g.name !== undefined && g.className !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['className'], message: 'applies only to the Gateway written per system; the shared Gateway has its own class' });
      }
    })
    // Only the per-system Gateway has a class to fill in, so a parsed environment parses again unchanged.
    .transform((g) => (g.name === undefined ? { ...g, className: g.className ?? 'eg' } : g))
    .default({ className: 'eg', dataPlane: { namespace: 'envoy-gateway-system' } }),
  kedaOperator: z.strictObject({ namespace: dnsLabel }).default({ namespace: 'keda' }),
  monitoring: z
    .strictObject({
      namespace: dnsLabel,
      podSelector: podSelector.optional(),
      discovery: z
        .enum(['serviceMonitor', 'annotations'], 'must be "serviceMonitor" (Prometheus Operator) or "annotations" (prometheus.io/* on the pods)')
        .default('serviceMonitor'),
      serviceMonitorLabels: labelMap.default({}),
    })
    .default({ namespace: 'monitoring', discovery: 'serviceMonitor', serviceMonitorLabels: {} }),
  externalServices: z
    .record(
      dnsLabel,
      z
        .strictObject({
          port: z.number().int().min(1).max(65535),
          podSelector: podSelector.optional(),
          externalName: hostname.optional(),
          cidrs: z.array(cidrBlock).optional(),
        })
        .refine((s) => (s.podSelector === undefined) !== (s.externalName === undefined), {
          message: 'give exactly one of podSelector (the pods another chart runs in this namespace) or externalName (a host outside the cluster)',
          path: ['podSelector'],
        })
        .refine((s) => s.cidrs === undefined || s.externalName !== undefined, {
          message: 'applies only to a host outside the cluster (externalName); pods in the namespace are selected by podSelector',
          path: ['cidrs'],
        }),
    )
    .default({}),
  settings: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable-like name'), z.string()).default({}),
  delivery: z
    .strictObject({
      flavour: z.enum(['flux', 'helm', 'argocd']),
      repository: z
        .strictObject({
          url: z.string().regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/, 'must be an https://, ssh:// or git@ clone URL'),
          branch: z.string().min(1).default('main'),
          secretName: dnsLabel.optional(),
          path: repositoryPathSchema.optional(),
        })
        .optional(),
      scope: dnsLabel.optional(),
    })
    .default({ flavour: 'flux' }),
  egress: z
    .strictObject({
      enforce: z.boolean().default(false),
      dns: z.strictObject({ namespace: dnsLabel, podSelector }).default({ namespace: 'kube-system', podSelector: { 'k8s-app': 'kube-dns' } }),
    })
    .default({ enforce: false, dns: { namespace: 'kube-system', podSelector: { 'k8s-app': 'kube-dns' } } }),
  // Storage class names are DNS subdomains.
  storage: z.strictObject({ readWriteManyClass: hostname.max(253).optional() }).default({}),
  nodeCapacity: z
    .strictObject({ cpu: cpuQuantity.default(DEFAULT_NODE_CAPACITY.cpu), memory: memoryQuantity.default(DEFAULT_NODE_CAPACITY.memory) })
    .default(DEFAULT_NODE_CAPACITY),
}) satisfies z.ZodType<Environment, EnvironmentInput>;

/**
 * Parses and validates an environment. Every problem is reported at once, each prefixed with the
 * environment's name and the field path (`prod.domain: …`).
 */
export function defineEnvironment(input: EnvironmentInput | Environment): Environment {
  const parsed = parseEnvironment(input);
  if (parsed.problems.length) throw new ShipshapeError(parsed.problems);
  return parsed.environment!;
}

/** An environment as far as it is valid, and what is wrong with it. */
export interface ParsedEnvironment {
  /** The environment without its invalid fields (their defaults instead), when the rest is valid; else `undefined`. */
  readonly environment?: Environment;
  /** One line per problem, with the environment's name and the field path. */
  readonly problems: string[];
}

/**
 * Parses an environment; where fields are wrong, also parses it without them, so the constructs
 * can be built with what is valid and their own errors reported beside the environment's. An
 * optional field falls back to its default, a bad entry of a map or list is left out; a
 * required field that is wrong leaves no environment to build with.
 */
export function parseEnvironment(input: EnvironmentInput | Environment): ParsedEnvironment {
  const result = EnvironmentSchema.safeParse(input);
  if (result.success) return { environment: result.data, problems: [] };
  const label = typeof (input as { name?: unknown })?.name === 'string' ? (input as { name: string }).name : 'environment';
  const problems = result.error.issues.map((issue) =>
    issue.path.length === 0 ? `${label}: ${zodIssueMessage(issue)}` : `${label}.${formatFieldPath(issue.path)}: ${zodIssueMessage(issue)}`,
  );
  return { environment: withoutInvalidFields(input, result.error.issues), problems };
}

/** The environment with the fields zod refused removed, parsed again; `undefined` when that does not make it valid. */
function withoutInvalidFields(input: unknown, issues: readonly z.core.$ZodIssue[]): Environment | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  let candidate: unknown;
  try {
    candidate = structuredClone(input);
  } catch {
    return undefined;
  }
  let current = issues;
  // Removing a field can reveal a problem of its parent (a required field now missing): a few rounds at most.
  for (let round = 0; round < 4; round++) {
    // The last entries of a list first, so removing one does not shift the others.
    const removed = [...current]
      .sort((a, b) => comparePaths(b.path, a.path))
      .map((issue) => removeAt(candidate, issue))
      .some(Boolean);
    if (!removed) return undefined;
    const again = EnvironmentSchema.safeParse(candidate);
    if (again.success) return again.data;
    current = again.error.issues;
  }
  return undefined;
}

function comparePaths(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] === 'number' && typeof b[i] === 'number' ? (a[i] as number) - (b[i] as number) : String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}

/** Removes what an issue points at (the unknown keys it names, or the value at its path); whether anything was removed. */
function removeAt(root: unknown, issue: z.core.$ZodIssue): boolean {
  const path = issue.code === 'unrecognized_keys' ? issue.path : issue.path.slice(0, -1);
  const keys: PropertyKey[] = issue.code === 'unrecognized_keys' ? issue.keys : issue.path.slice(-1);
  let parent: unknown = root;
  for (const key of path) parent = typeof parent === 'object' && parent !== null ? (parent as Record<PropertyKey, unknown>)[key] : undefined;
  if (typeof parent !== 'object' || parent === null || keys.length === 0) return false;
  const present = keys.filter((key) => key in parent);
  if (Array.isArray(parent)) for (const index of [...present].map(Number).sort((a, b) => b - a)) parent.splice(index, 1);
  else for (const key of present) delete (parent as Record<PropertyKey, unknown>)[key];
  return present.length > 0;
}

/** The replica count for a workload: the environment's override, else the construct's count times the factor. */
export function resolveReplicas(env: Environment, workload: string, declared: number): number {
  return env.workloads[workload]?.replicas ?? scaleCount(declared, env.scaling.replicas);
}

/** Autoscaler bounds for a workload in an environment. */
export function resolveReplicaRange(env: Environment, workload: string, min: number, max: number): { min: number; max: number } {
  const override = env.workloads[workload];
  const resolvedMin = override?.minReplicas ?? scaleCount(min, env.scaling.replicas);
  const resolvedMax = override?.maxReplicas ?? Math.max(resolvedMin, scaleCount(max, env.scaling.replicas));
  return { min: resolvedMin, max: resolvedMax };
}

function scaleCount(count: number, factor: number): number {
  return Math.max(1, Math.ceil(count * factor - 1e-9));
}
