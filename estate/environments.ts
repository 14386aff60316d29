import type { EnvironmentInput, Tier } from '../lib';
import { delivery } from './delivery';
import devBuilds from './dev-builds.json';

/** A system of the estate whose CI pushes dev builds. */
export type BuiltSystem = keyof typeof devBuilds;

/**
 * The build a system's dev environment runs: the tag its CI last pushed (`sha-<commit>`), which
 * that CI writes into `estate/dev-builds.json` before it synthesizes and commits `dist/`. As the
 * environment's `build`, it tags every image the definition leaves untagged, so each build rolls
 * the Deployments and runs its migration once; the output stays a function of committed files.
 */
export function devBuild(system: BuiltSystem): string {
  return devBuilds[system];
}

/** What one system changes in its environments: in all three, or in one. */
export interface EnvironmentOverrides {
  /** Added to every environment. */
  readonly all?: Partial<EnvironmentInput>;
  /** Added to dev only. */
  readonly dev?: Partial<EnvironmentInput>;
  /** Added to staging only. */
  readonly staging?: Partial<EnvironmentInput>;
  /** Added to prod only. */
  readonly prod?: Partial<EnvironmentInput>;
}

const TIERS: readonly Tier[] = ['dev', 'staging', 'prod'];

/**
 * The estate's convention for a system's environments: dev, staging and prod, namespace
 * `<system>-<tier>`, hosts under `dev.<domain>`, `staging.<domain>` and `<domain>`, Let's Encrypt's
 * staging issuer outside prod, Flux delivery from this repository, and read-write-many claims on
 * each cluster's NFS provisioner (class `nfs-client`; the default class is RWO only).
 */
export function standardEnvironments(system: string, domain: string, overrides: EnvironmentOverrides = {}): EnvironmentInput[] {
  return TIERS.map((tier) => ({
    name: tier,
    tier,
    namespace: `${system}-${tier}`,
    domain: tier === 'prod' ? domain : `${tier}.${domain}`,
    tls: { issuer: tier === 'prod' ? 'letsencrypt-prod' : 'letsencrypt-staging' },
    delivery,
    storage: { readWriteManyClass: 'nfs-client' },
    // The platform's Let's Encrypt ClusterIssuers carry a gatewayHTTPRoute solver per system
    // Gateway, as the warning spells out (see the README's "Certificates through a Gateway").
    acknowledge: [{ warning: 'gateway-http01-solver', reason: "the ClusterIssuer's HTTP-01 solver attaches to this system's Gateway" }],
    ...overrides.all,
    ...overrides[tier],
  }));
}
