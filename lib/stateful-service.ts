import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { takesDisruptionBudget } from './core/controller';
import { parseProps } from './core/issues';
import { systemLabels } from './core/labels';
import { peers } from './core/network-peers';
import { serviceHost } from './core/names';
import { ResourcesSpec } from './core/resources';
import { HTTP_PORT_NAME, createPodDisruptionBudget, createService, httpUrl, servedPort } from './core/serving';
import { PersistentClaim, PersistentClaimProps } from './persistent-claim';
import { ServedWorkload, Workload } from './core/workload';
import { ServiceSpec, VolumeSpec, WorkloadProps, portNumber, serviceSchema, workloadShape } from './core/workload-props';
import { SINGLETON_ANNOTATION } from './checks/policy';
import { PRUNE_PROTECTION } from './core/prune-protection';

/** How a {@link StatefulService} replaces its pods when the template changes. */
export interface StatefulUpdateStrategy {
  /** `RollingUpdate`: one pod at a time, highest ordinal first; `OnDelete`: only pods you delete. @default 'RollingUpdate' */
  readonly type?: 'RollingUpdate' | 'OnDelete';
  /** `RollingUpdate` only: pods with an ordinal below this keep the old template (a canary). @default 0 */
  readonly partition?: number;
}

/** Props of a {@link StatefulService}. */
export interface StatefulServiceProps extends WorkloadProps {
  /** The port the datastore serves, on both Services. */
  readonly port: number;
  /**
   * Replicas. Not scaled by the environment's `scaling.replicas` factor: a datastore's member count
   * is part of its configuration (a quorum), so only `workloads.<name>.replicas` changes it.
   * One replica is a single-node store, marked as an intended singleton. @default 1
   */
  readonly replicas?: number;
  /**
   * `OrderedReady`: pods start one by one, each after the previous is ready (a primary before its
   * replicas); `Parallel`: all at once, for members that find each other. @default 'OrderedReady'
   */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** How pods are replaced when the template changes. @default { type: 'RollingUpdate', partition: 0 } */
  readonly updateStrategy?: StatefulUpdateStrategy;
  /**
   * Whether the headless Service lists pods before they are ready, so members of a cluster can find
   * each other while starting. The client Service lists only ready pods either way. @default true
   */
  readonly publishNotReadyAddresses?: boolean;
  /**
   * The served port's name and protocol (`{ portName: 'redis', appProtocol: 'redis' }` for a store
   * that does not speak HTTP) and extra named ports, on both Services. A datastore stays inside the
   * cluster: `type` must be `ClusterIP`.
   * @default { type: 'ClusterIP', portName: 'http' }
   */
  readonly service?: ServiceSpec;
}

const DEFAULT_RESOURCES: ResourcesSpec = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

// Pods carry `controller-revision-hash: <name>-<10 characters>`, a label value of at most 63.
const MAX_NAME = 52;

type PerReplicaVolume = VolumeSpec & { readonly claim: PersistentClaimProps };

/** A claim volume given as props: in a StatefulService, a claim of each replica. */
function isPerReplica(volume: VolumeSpec): volume is PerReplicaVolume {
  return 'claim' in volume && !(volume.claim instanceof PersistentClaim);
}

const schema = z
  .strictObject({
    ...workloadShape,
    port: portNumber,
    replicas: z.number().int().min(1).max(100).default(1),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).default('OrderedReady'),
    updateStrategy: z
      .strictObject({ type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'), partition: z.number().int().min(0).optional() })
      .refine((s) => s.partition === undefined || s.type === 'RollingUpdate', {
        path: ['partition'],
        message: "applies only to type 'RollingUpdate'. Fix: remove partition",
      })
      .default({ type: 'RollingUpdate' }),
    publishNotReadyAddresses: z.boolean().default(true),
    service: serviceSchema
      .refine((s) => s.type === 'ClusterIP', {
        path: ['type'],
        message: "a datastore is served inside the cluster only. Fix: remove type (the default is 'ClusterIP')",
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    (p.volumes ?? []).forEach((volume, i) => {
      if (isPerReplica(volume) && volume.claim.accessMode === 'ReadWriteMany') {
        ctx.addIssue({
          code: 'custom',
          path: ['volumes', i, 'claim', 'accessMode'],
          message:
            "a claim given as props is each replica's own, mounted by one pod. Fix: use accessMode 'ReadWriteOnce', or pass a shared PersistentClaim for data every replica reads",
        });
      }
    });
  }) satisfies z.ZodType<unknown, StatefulServiceProps>;

/**
 * An in-cluster datastore (Redis, Meilisearch, a database): a StatefulSet whose pods keep their
 * names (`<name>-0`, `<name>-1`) and their claims. Every claim volume given as props
 * (`claim: { size, accessMode: 'ReadWriteOnce' }`) is a claim of each replica
 * (`volumeClaimTemplates`, named `<volume>-<name>-<ordinal>`, kept when the StatefulSet is deleted
 * or scaled down); a shared {@link PersistentClaim} stays one claim. A headless Service
 * `<name>-headless` gives each pod a DNS name (`<name>-0.<name>-headless.<namespace>.svc`), a
 * client Service `<name>` balances over the ready pods, a PodDisruptionBudget lets one pod go at a
 * time from two replicas, and pods are spread across zones and nodes. The pods are hardened and
 * wired like every workload's; other workloads reach it through `connectsTo` or `backends`, and
 * replicas reach each other on the port.
 *
 * Defaults: 1 replica, `OrderedReady`, `RollingUpdate`, readiness a TCP check of the port,
 * 100m/256Mi requested and 1/1Gi limited, a 5 s preStop pause in a 60 s grace period (time to
 * flush to disk).
 */
export class StatefulService extends Workload implements ServedWorkload {
  /** The served port. */
  public readonly port: number;
  /** The StatefulSet (absent when the props are invalid). */
  public readonly statefulSet?: k8s.KubeStatefulSet;
  /** The client Service `<name>`: the ready pods. */
  public readonly service?: k8s.KubeService;
  /** The headless Service `<name>-headless`: one DNS name per pod. */
  public readonly headlessService?: k8s.KubeService;
  /** The PodDisruptionBudget, from two replicas. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: StatefulServiceProps) {
    super(scope, id, 'StatefulService');
    if (id.length > MAX_NAME) {
      this.report([
        {
          field: '(id)',
          message: `"${id}" is ${id.length} characters; its pods' revision label adds 11, and a label has at most 63`,
          fix: `use an id of at most ${MAX_NAME} characters`,
        },
      ]);
    }
    const p = parseProps(this, 'StatefulService', schema, props);
    this.port = servedPort(p, props, 0);
    if (!p) return;

    const replicas = this.environment.workloads[this.name]?.replicas ?? p.replicas;
    const template = this.buildPodTemplate(
      { ...p, probes: p.probes ?? { readiness: { tcp: p.service?.portName ?? HTTP_PORT_NAME } } },
      {
        component: 'datastore',
        port: this.port,
        service: p.service,
        maxReplicas: replicas,
        controller: 'StatefulSet',
        defaultGracePeriodSeconds: 60,
        defaultPreStopSeconds: 5,
        defaultResources: DEFAULT_RESOURCES,
      },
    );
    const identity = { name: this.name, labels: this.labels, selector: this.selector };
    // The headless Service gives each pod a DNS record; it is the StatefulSet's serviceName.
    this.headlessService = createService(
      this,
      { ...identity, serviceName: this.headlessServiceName, ports: this.servicePorts, headless: true, publishNotReadyAddresses: p.publishNotReadyAddresses },
      'HeadlessService',
    );
    this.service = createService(this, { ...identity, ports: this.servicePorts, annotations: p.service?.annotations });
    this.statefulSet = this.createStatefulSet(p, template, replicas);
    if (takesDisruptionBudget('StatefulSet', replicas)) this.podDisruptionBudget = createPodDisruptionBudget(this, identity);
    // Members of a replicated store (a primary and its replicas, a cluster) talk to each other.
    if (replicas > 1) this.system.allowTraffic({ from: peers.workload(this.name), to: { kind: 'workload', name: this.name }, port: this.port });
  }

  /** The StatefulSet, its per-replica claims, and the singleton mark when it runs one replica. */
  private createStatefulSet(p: z.output<typeof schema>, template: k8s.PodTemplateSpec, replicas: number): k8s.KubeStatefulSet {
    const annotations = { ...this.deploymentAnnotations, ...(replicas === 1 ? { [SINGLETON_ANNOTATION]: 'true' } : {}) };
    const { type, partition } = p.updateStrategy;
    return new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.name, labels: this.labels, annotations: Object.keys(annotations).length ? annotations : undefined },
      spec: {
        serviceName: this.headlessServiceName,
        replicas,
        podManagementPolicy: p.podManagementPolicy,
        updateStrategy: type === 'OnDelete' ? { type } : { type, rollingUpdate: partition ? { partition } : undefined },
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selector } },
        template,
        volumeClaimTemplates: this.claimTemplates(p.volumes ?? []),
        // The data outlives the StatefulSet and a scale-down; deleting a claim is a decision, not a side effect.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      },
    });
  }

  /**
   * One claim per replica for every claim volume given as props. Labelled only with what never
   * changes (no version): the templates are immutable, so a label that moved with each release
   * would make every release unappliable.
   *
   * These claims are made by the StatefulSet controller, not applied by the delivery tool: Flux
   * keeps in a Kustomization's inventory only what it applied, so its garbage collection never
   * deletes them, and Helm deletes only what its release manifest holds. The retention policy
   * `Retain` keeps them when the StatefulSet itself is pruned. So no prune protection for Flux or
   * Helm, which would also be a change to an immutable field of every existing StatefulSet. Argo CD
   * is the exception: with label tracking it takes every object labelled
   * `app.kubernetes.io/instance: <application>` as its own, these claims included (the labels are
   * copied from the template), and prunes them as missing from git (argoproj/argo-cd#1729, #4242).
   */
  private claimTemplates(volumes: readonly VolumeSpec[]): k8s.KubePersistentVolumeClaimProps[] | undefined {
    const annotations = this.environment.delivery.flavour === 'argocd' ? { ...PRUNE_PROTECTION.argocd } : undefined;
    const templates = volumes.filter(isPerReplica).map((volume) => ({
      metadata: { name: volume.name, labels: { ...this.selector, ...systemLabels(this.system.system) }, annotations },
      spec: {
        accessModes: [volume.claim.accessMode],
        storageClassName: volume.claim.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(volume.claim.size) } },
      },
    }));
    return templates.length ? templates : undefined;
  }

  /** `<name>-headless`: the StatefulSet's governing Service. */
  public get headlessServiceName(): string {
    return `${this.name}-headless`;
  }

  /** `<name>-<ordinal>.<name>-headless.<namespace>.svc.cluster.local`: one replica's own host. */
  public podHost(ordinal: number): string {
    return `${this.name}-${ordinal}.${serviceHost(this.headlessServiceName, this.environment.namespace)}`;
  }

  /** `http://<name>.<namespace>.svc.cluster.local:<port>`: the client Service. */
  public get url(): string {
    return httpUrl(this.host, this.port);
  }
}
