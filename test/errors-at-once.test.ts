import { ApiObject } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { EnvironmentInput, ShipshapeError, SystemChart, SystemDefinition, WebApp, renderEstate } from '../lib';
import { environment } from './helpers';

/**
 * Issue 15, item 12: every error at once. One table per class: each case is a set of systems,
 * the lines that must all be reported, and the mistakes that must be reported exactly once.
 */

interface Case {
  readonly name: string;
  readonly systems: readonly SystemDefinition[];
  /** Each matches at least one reported line. */
  readonly reported: readonly RegExp[];
  /** Each matches exactly one reported line: one mistake, one line. */
  readonly once?: readonly RegExp[];
  /** Each matches no reported line: a follow-on error of another mistake. */
  readonly absent?: readonly RegExp[];
}

const image = (name: string) => `ghcr.io/example/${name}:v1.0.0`;
const PROBES = { liveness: { http: '/live' }, readiness: { http: '/ready' } } as const;

function system(define: (s: SystemChart) => void, environments: readonly EnvironmentInput[] = [environment('prod')], name = 'shop'): SystemDefinition {
  return { name, environments, define };
}

/** Every line the estate reports for `systems`; fails when it reports nothing. */
function problems(systems: readonly SystemDefinition[]): string[] {
  try {
    renderEstate(systems);
  } catch (error) {
    if (error instanceof ShipshapeError) return [...error.problems];
    throw error;
  }
  throw new Error('renderEstate reported nothing');
}

function check(c: Case): void {
  const lines = problems(c.systems);
  const text = lines.join('\n');
  for (const expected of c.reported) expect(text, `${expected}`).toMatch(expected);
  for (const expected of c.once ?? [])
    expect(
      lines.filter((line) => expected.test(line)),
      `${expected} once in\n${text}`,
    ).toHaveLength(1);
  for (const unexpected of c.absent ?? []) expect(text).not.toMatch(unexpected);
}

const propsBesideClusterRules: Case[] = [
  {
    name: 'a props error of one workload, a cluster-rule error of another',
    systems: [
      system((s) => {
        new WebApp(s, 'web', { image: image('web'), port: 0 });
        new WebApp(s, 'api', { image: image('api'), probes: PROBES }).deployment!.metadata.addLabel('team name', 'shop');
      }),
    ],
    reported: [
      /^prod\/shop\/web: WebApp "web": port: Too small/m,
      /^prod\/shop\/api: \[api-rules\] Deployment\/shop-prod\/api: metadata\.labels\[team name\]: invalid label key/m,
    ],
  },
  {
    name: 'a construct rule and a cluster rule on the same object',
    systems: [
      system((s) => {
        new WebApp(s, 'web', { image: image('web'), replicas: 1, probes: PROBES }).deployment!.metadata.addLabel('team name', 'shop');
      }),
    ],
    reported: [
      /^prod\/shop\/web: WebApp "web": replicas: runs 1 replica behind a Service/m,
      /^prod\/shop\/web: \[api-rules\] Deployment\/shop-prod\/web: metadata\.labels\[team name\]/m,
    ],
  },
  {
    name: 'a props error beside a credential in an object of the definition',
    systems: [
      system((s) => {
        new WebApp(s, 'web', { image: 'ghcr.io/example/Web:v1' });
        new ApiObject(s, 'flags', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flags' }, data: { DB_PASSWORD: 'hunter2hunter2' } });
      }),
    ],
    reported: [
      /^prod\/shop\/web: WebApp "web": image: .*lowercase/m,
      /^prod\/shop: \[secrets\] ConfigMap\/shop-prod\/flags: data\.DB_PASSWORD: holds a credential/m,
    ],
  },
];

const environmentBesideConstructs: Case[] = [
  {
    name: 'an optional field of the environment is wrong: the constructs are built with its default, and their errors reported',
    systems: [system((s) => void new WebApp(s, 'web', { image: image('web'), port: 0 }), [environment('prod', { scaling: { replicas: -1 } })])],
    reported: [/^shop: prod\.scaling\.replicas: /m, /^prod\/shop\/web: WebApp "web": port: Too small/m],
  },
  {
    name: 'a bad entry of a map in the environment is left out, the rest applies',
    systems: [
      system(
        (s) => {
          new WebApp(s, 'web', { image: 'ghcr.io/example/web', probes: PROBES });
          new WebApp(s, 'api', { image: image('api'), port: 0 });
        },
        [environment('prod', { images: { web: 'v1.0.0', api: 'not a tag!' } })],
      ),
    ],
    reported: [/^shop: prod\.images\.api: /m, /^prod\/shop\/api: WebApp "api": port: Too small/m],
    // The valid pin of web still applies: no "untagged" error for it.
    absent: [/WebApp "web": image/],
  },
  {
    name: 'a required field of the environment is wrong: nothing to build with, only the environment is reported',
    systems: [system((s) => void new WebApp(s, 'web', { image: image('web'), port: 0 }), [environment('prod', { namespace: 'Shop_Prod' })])],
    reported: [/^shop: prod\.namespace: /m],
    absent: [/WebApp "web"/],
  },
  {
    name: 'a wrong environment beside a valid one: the valid one is built and checked',
    systems: [
      system(
        (s) => void new WebApp(s, 'web', { image: image('web'), replicas: 1, probes: PROBES }),
        [environment('dev', { tier: 'qa' as 'dev' }), environment('prod')],
      ),
    ],
    reported: [/^shop: dev\.tier: /m, /^prod\/shop\/web: WebApp "web": replicas: runs 1 replica/m],
  },
];

const oncePerMistake: Case[] = [
  {
    name: 'the same props mistake in every environment',
    systems: [system((s) => void new WebApp(s, 'web', { image: image('web'), port: 0 }), [environment('dev'), environment('staging'), environment('prod')])],
    reported: [/^\{dev,staging,prod\}\/shop\/web: WebApp "web": port: Too small/m],
    once: [/WebApp "web": port/],
  },
  {
    name: 'a single replica in prod: the construct says it, the prod policy check does not again',
    systems: [system((s) => void new WebApp(s, 'web', { image: image('web'), replicas: 1, probes: PROBES }))],
    reported: [/WebApp "web": replicas: runs 1 replica behind a Service.*Fix: run at least 2 \(in the prod environment/],
    once: [/1 replica/],
  },
  {
    name: 'an unpinned image in prod: one line, not also the image and pull policy findings',
    systems: [system((s) => void new WebApp(s, 'web', { image: 'ghcr.io/example/web', probes: PROBES }))],
    reported: [/WebApp "web": image: "ghcr\.io\/example\/web" is untagged/],
    once: [/ghcr\.io\/example\/web|imagePullPolicy/],
  },
  {
    name: 'a secret written in clear in env: the construct says it, the credentials check does not again',
    systems: [system((s) => void new WebApp(s, 'web', { image: image('web'), probes: PROBES, env: { API_TOKEN: 'tok_live_abcdef123456' } }))],
    reported: [/WebApp "web": env\.API_TOKEN: looks like a secret value written in clear/],
    once: [/API_TOKEN/],
  },
  {
    name: 'one environment shared by two systems, with a wrong field',
    systems: (() => {
      const prod = environment('prod', { scaling: { replicas: -1 } });
      return [
        system((s) => void new WebApp(s, 'web', { image: image('web'), probes: PROBES }), [prod]),
        system((s) => void new WebApp(s, 'blog', { image: image('blog'), probes: PROBES }), [{ ...prod, namespace: 'blog-prod' }], 'blog'),
      ];
    })(),
    reported: [/^shop, blog: prod\.scaling\.replicas: /m],
    once: [/scaling\.replicas/],
  },
  {
    name: 'a definition that throws: no follow-on errors about what it did not get to define',
    systems: [
      system(() => {
        throw new Error('the bucket name is missing');
      }, [environment('prod', { images: { web: 'v1.0.0' }, settings: { BUCKET: 'b' } })]),
    ],
    reported: [/^prod\/shop: the bucket name is missing/m],
    absent: [/names no workload|no definition reads/],
  },
];

describe.each([
  ['a props error does not hide the cluster-rule errors of the same or other objects', propsBesideClusterRules],
  ['an error in a field of an environment does not hide the construct errors of that environment', environmentBesideConstructs],
  ['each mistake is reported once', oncePerMistake],
] as const)('%s', (_class, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => check(c));
});
