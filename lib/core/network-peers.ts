import { k8s } from 'cdk8s-plus-28';
import type { Environment } from '../environment';
import { selectorLabels } from './labels';

/**
 * Who a NetworkPolicy admits: a workload of the system (or a service the environment declares), or
 * pods of the cluster outside it, each located by the environment:
 * - `edge`: the pods that carry outside traffic in (the ingress controller, or a Gateway's data plane);
 * - `keda`: the KEDA operator, reading a queue's length;
 * - `monitoring`: the scraper, reading a `metrics` port;
 * - `any`: every source (a NodePort Service's clients arrive through any node).
 */
export type Peer = WorkloadPeer | OutsidePeer;

/** A workload of the system, or a service the environment declares, by name. */
export interface WorkloadPeer {
  /** Always `workload`. */
  readonly kind: 'workload';
  /** The workload's (or declared service's) name. */
  readonly name: string;
}

/** Pods outside the system, located by the environment, or (`any`) every source. */
export interface OutsidePeer {
  /** Which outside pods: `edge`, `keda`, `monitoring` or `any`. */
  readonly kind: 'edge' | 'keda' | 'monitoring' | 'any';
}

/** Where admitted traffic goes: a workload (or declared service) by name, or cert-manager's HTTP-01 solver pods. */
export type Destination = WorkloadPeer | AcmeSolverDestination;

/** cert-manager's HTTP-01 solver pods, which the ACME server reaches through the edge. */
export interface AcmeSolverDestination {
  /** Always `acme-http01-solver`. */
  readonly kind: 'acme-http01-solver';
}

/** One permission: `from` may reach `to` on TCP `port`. Every NetworkPolicy rule is one of these. */
export interface TrafficRule {
  /** Who connects. */
  readonly from: Peer;
  /** What it connects to. */
  readonly to: Destination;
  /** TCP port on `to`. */
  readonly port: number;
}

/** The peers, as values to pass to {@link TrafficRule}. */
export const peers = {
  /** A workload of the system, or a service the environment declares, by name. */
  workload: (name: string): Peer => ({ kind: 'workload', name }),
  /** The edge: the ingress controller's (or Gateway data plane's) pods. */
  edge: { kind: 'edge' } as Peer,
  /** The KEDA operator. */
  keda: { kind: 'keda' } as Peer,
  /** The cluster's monitoring. */
  monitoring: { kind: 'monitoring' } as Peer,
  /** Every source. */
  any: { kind: 'any' } as Peer,
} as const;

/** A short name of a peer for keys and messages: the workload's name, else what it stands for (the edge's name in the wiring list depends on its system: see `edgeLabel` in core/gateway.ts). */
export function peerLabel(peer: Peer): string {
  switch (peer.kind) {
    case 'workload':
      return peer.name;
    case 'edge':
      return 'edge';
    case 'keda':
      return 'keda-operator';
    case 'monitoring':
      return 'monitoring';
    case 'any':
      return '*';
  }
}

const inNamespace = (namespace: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': namespace } });

/**
 * The NetworkPolicy peers of a source (undefined for `any`: a rule without `from` admits every
 * source). The edge's pods are located by the edges the system has (see `edgePeers` in
 * core/gateway.ts): a Gateway's data plane, the ingress controller, or both.
 */
export function peerSelectors(peer: Peer, environment: Environment, system: string, edge: k8s.NetworkPolicyPeer[]): k8s.NetworkPolicyPeer[] | undefined {
  switch (peer.kind) {
    case 'workload':
      return [{ podSelector: { matchLabels: selectorLabels({ name: peer.name, system, component: '' }) } }];
    case 'edge':
      return edge;
    // Namespace and pod in one peer: the operator's pods (labelled so by KEDA's chart and manifests) in that namespace.
    case 'keda':
      return [
        { namespaceSelector: inNamespace(environment.kedaOperator.namespace), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } } },
      ];
    case 'monitoring':
      return [
        {
          namespaceSelector: inNamespace(environment.monitoring.namespace),
          podSelector: environment.monitoring.podSelector ? { matchLabels: { ...environment.monitoring.podSelector } } : undefined,
        },
      ];
    case 'any':
      return undefined;
  }
}
