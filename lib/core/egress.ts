import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import type { Environment } from '../environment';
import { Issue } from './issues';
import { selectorLabels, systemLabels } from './labels';
import { dnsLabel, podSelector } from './names';
import { keyedUnion } from './zod-messages';

/** A destination outside the system a workload may reach when the environment enforces egress. */
export type EgressDestination = CidrDestination | NamespaceDestination;

/** Addresses outside the cluster (a SaaS API, a managed database), as a CIDR block. */
export interface CidrDestination {
  /** The block, e.g. `10.20.0.0/16`, or `0.0.0.0/0` for anywhere. */
  readonly cidr: string;
  /** Blocks inside it to leave out, e.g. the cluster's own ranges. @default none */
  readonly except?: readonly string[];
  /** TCP ports. */
  readonly ports: readonly number[];
}

/** Pods of another namespace of the cluster. */
export interface NamespaceDestination {
  /** The namespace's name. */
  readonly namespace: string;
  /** Labels of the pods there. @default every pod of the namespace */
  readonly podSelector?: Readonly<Record<string, string>>;
  /** TCP ports. */
  readonly ports: readonly number[];
}

// IPv4 or IPv6 with a prefix length; the API server checks the address itself.
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
/** A CIDR block such as `10.0.0.0/8`. */
export const cidrBlock = z.string().regex(CIDR, 'must be a CIDR block such as "10.0.0.0/8" or "0.0.0.0/0"');
const ports = z.array(z.number().int().min(1).max(65535)).min(1, 'give the TCP ports the workload connects to');

/** Schema of an {@link EgressDestination}. */
export const egressDestinationSchema = keyedUnion<EgressDestination>('an egress destination', {
  cidr: z.strictObject({ cidr: cidrBlock, except: z.array(cidrBlock).optional(), ports }),
  namespace: z.strictObject({ namespace: dnsLabel, podSelector: podSelector.optional(), ports }),
});

/** One egress rule: to whom, on which ports. */
interface EgressRule {
  readonly to: k8s.NetworkPolicyPeer[];
  readonly ports: readonly number[];
  /** Over UDP as well as TCP (DNS, asked over UDP and over TCP for long answers). @default false */
  readonly udp?: boolean;
}

/**
 * The egress NetworkPolicies of a system, written only when its environment enforces egress
 * (`egress.enforce`): each workload gets `egress-<name>`, which selects its pods (and so denies
 * them every other destination) and allows DNS, the workloads and declared services it is wired
 * to, and the destinations it declares. Pods other charts run in the namespace are left alone.
 */
export class EgressPolicies {
  private readonly rules = new Map<string, EgressRule[]>();
  // Wiring may name a workload before it is isolated (defined later): kept until synth.
  private readonly wired: { from: string; rule: EgressRule }[] = [];
  private readonly issues: Issue[] = [];

  constructor(
    private readonly scope: Construct,
    private readonly environment: Environment,
    private readonly system: string,
  ) {}

  /** Whether the environment enforces egress. */
  public get enforced(): boolean {
    return this.environment.egress.enforce;
  }

  /** Isolates a workload's egress: its policy, with DNS and the destinations it declares. */
  public isolate(workload: string, declared: readonly EgressDestination[]): void {
    if (!this.enforced || this.rules.has(workload)) return;
    const dns = this.environment.egress.dns;
    const rules: EgressRule[] = [
      { to: [{ namespaceSelector: inNamespace(dns.namespace), podSelector: { matchLabels: { ...dns.podSelector } } }], ports: [53], udp: true },
    ];
    for (const d of declared) {
      const to: k8s.NetworkPolicyPeer =
        'cidr' in d
          ? { ipBlock: { cidr: d.cidr, except: d.except ? [...d.except] : undefined } }
          : { namespaceSelector: inNamespace(d.namespace), podSelector: d.podSelector ? { matchLabels: { ...d.podSelector } } : undefined };
      rules.push({ to: [to], ports: d.ports });
    }
    this.rules.set(workload, rules);
    const name = `egress-${workload}`;
    new k8s.KubeNetworkPolicy(this.scope, name, {
      metadata: { name, namespace: this.environment.namespace, labels: systemLabels(this.system) },
      // Rendered at synth time: wiring to this workload's destinations may still be added.
      spec: Lazy.any({ produce: () => this.policySpec(workload) }),
    });
  }

  /** Allows `from` to reach a workload or declared service `to` on `port` (from the wiring). */
  public allow(from: string, to: string, port: number): void {
    if (!this.enforced) return;
    const external = this.environment.externalServices[to];
    if (external?.externalName !== undefined && !external.cidrs?.length) {
      this.issues.push({
        field: `${this.environment.name}.externalServices.${to}.cidrs`,
        message: `"${from}" connects to "${to}" outside the cluster (${external.externalName}), but egress is enforced and a NetworkPolicy cannot name a host`,
        fix: `give the address ranges of ${external.externalName} as cidrs, e.g. cidrs: ['10.20.0.0/16']`,
      });
      return;
    }
    const peers: k8s.NetworkPolicyPeer[] = external?.externalName
      ? (external.cidrs ?? []).map((block) => ({ ipBlock: { cidr: block } }))
      : [
          {
            podSelector: {
              matchLabels: external?.podSelector ? { ...external.podSelector } : selectorLabels({ name: to, system: this.system, component: '' }),
            },
          },
        ];
    this.wired.push({ from, rule: { to: peers, ports: [port] } });
  }

  /** What the wiring asks that cannot be written: a host outside the cluster without its address ranges. */
  public problems(): Issue[] {
    return this.issues;
  }

  private policySpec(workload: string): k8s.NetworkPolicySpec {
    const rules = [...(this.rules.get(workload) ?? []), ...this.wired.filter((p) => p.from === workload).map((p) => p.rule)];
    return {
      podSelector: { matchLabels: selectorLabels({ name: workload, system: this.system, component: '' }) },
      policyTypes: ['Egress'],
      egress: rules.map((rule) => ({
        to: rule.to,
        ports: rule.ports.flatMap((port) => (rule.udp ? ['UDP', 'TCP'] : ['TCP']).map((protocol) => ({ port: k8s.IntOrString.fromNumber(port), protocol }))),
      })),
    };
  }
}

function inNamespace(namespace: string): k8s.LabelSelector {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}
