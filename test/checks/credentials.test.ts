import { describe, expect, it } from 'vitest';
import { checkCredentials } from '../../lib/checks/credentials';
import type { KubeJson } from '../../lib/checks/objects';
import { renderEstate } from '../../lib/estate';
import { systems } from '../../estate';
import { WebApp } from '../../lib/web-app';
import { fixtureObjects, get } from './fixture';

// Made-up credentials in the shapes the rules know; none of them is real.
const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
const SLACK_TOKEN = `xoxb-1234567890-1234567890123-${'aB3dE6gH9jK2'.repeat(2)}`;
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKQ';
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n'.repeat(3)}-----END RSA PRIVATE KEY-----\n`;

/** Where a string goes in the fixture: each case writes its value there. */
const at = {
  env: (objects: KubeJson[], name: string, value: string) => get(objects, 'Deployment', 'web').spec.template.spec.containers[0].env.push({ name, value }),
  args: (objects: KubeJson[], _: string, value: string) => (get(objects, 'Deployment', 'web').spec.template.spec.containers[0].args = ['serve', value]),
  annotation: (objects: KubeJson[], name: string, value: string) => (get(objects, 'Deployment', 'web').metadata.annotations = { [name]: value }),
  file: (objects: KubeJson[], name: string, value: string) =>
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'files', namespace: 'shop-prod' }, data: { [name]: value } }),
  repository: (objects: KubeJson[], _: string, value: string) =>
    objects.push({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'estate', namespace: 'flux-system' },
      spec: { url: value },
    }),
};

// [case, where, name, value, what the message must say (undefined: no finding), the fix it must give]
const cases: [string, keyof typeof at, string, string, RegExp | undefined, RegExp?][] = [
  ['a GitHub token in env', 'env', 'GH', GITHUB_TOKEN, /GitHub Token.*secretlint rule github/, /env: \{ GH: \{ secret: '<secret-name>', key: 'GH' \} \}/],
  ['a Slack token in an annotation', 'annotation', 'example.com/notify', SLACK_TOKEN, /secretlint rule slack/, /from a Secret/],
  ['an AWS secret key named as such', 'env', 'AWS_SECRET_ACCESS_KEY', AWS_SECRET, /secretlint rule aws/],
  [
    'a URL with user info in args',
    'args',
    '',
    '--upstream=https://admin:hunter2@api.example.com/v1',
    /secretlint rule basicauth/,
    /write \$\(TOKEN\) in the command/,
  ],
  ['a Postgres URL with a password in env', 'env', 'DATABASE_URL', 'postgres://app:s3cr3t-pw@db:5432/app', /secretlint rule database-connection-string/],
  ['a private key in a mounted file', 'file', 'tls.key', PRIVATE_KEY, /secretlint rule privatekey/, /move them into a Secret/],
  ['an npm token in an .npmrc file', 'file', '.npmrc', `//registry.npmjs.org/:_authToken=npm_${'a1B2c3D4e5F6'.repeat(3)}`, /secretlint rule npm/],
  [
    'the Flux repository URL with a token',
    'repository',
    '',
    `https://git:${GITHUB_TOKEN}@github.com/example/estate`,
    /secretlint rule (github|basicauth)/,
    /delivery\.repository\.secretName/,
  ],
  ['*_PWD with a literal value', 'env', 'DB_PWD', 'hunter2', /"DB_PWD" is written in clear/],
  ['*_PASS with a literal value', 'env', 'SMTP_PASS', 'hunter2', /"SMTP_PASS" is written in clear/],
  ['*_TOKEN with a literal value', 'env', 'SLACK_TOKEN', 'abc123def', /"SLACK_TOKEN" is written in clear/],
  ['*_KEY with a literal value', 'env', 'STRIPE_KEY', 'rk_live_abc', /"STRIPE_KEY" is written in clear/],
  ['a secret-named ConfigMap key', 'file', 'DB_PASSWORD', 'hunter2', /"DB_PASSWORD" is written in clear/],
  // Not credentials: the reference estate's own kinds of strings.
  ['an image digest', 'env', 'IMAGE', `ghcr.io/example/web@sha256:${'0123456789abcdef'.repeat(4)}`, undefined],
  ['a checksum annotation', 'annotation', 'shipshape.io/config-checksum', 'ab'.repeat(32), undefined],
  ['a Postgres URL without a password', 'env', 'DATABASE_URL', 'postgres://app@db:5432/app', undefined],
  ['a URL whose password is a $(VAR) reference', 'env', 'DATABASE_URL', 'postgres://app:$(DB_PASSWORD)@db:5432/app', undefined],
  ['a URL naming where secrets are served', 'env', 'SECRETS_URL', 'https://vault.example.com', undefined],
  ['a token setting that is a number', 'env', 'MAX_TOKENS', '4096', undefined],
  ['a *_KEY that is only a $(VAR) reference', 'env', 'API_KEY', '$(RAW_API_KEY)', undefined],
  ['a public repository URL', 'repository', '', 'https://github.com/example/estate', undefined],
  ['a public certificate in a file', 'file', 'ca.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', undefined],
];

describe('credentials in the rendered objects', () => {
  it.each(cases)('%s', (_, where, name, value, expected, fix) => {
    const objects = fixtureObjects();
    at[where](objects, name, value);
    const issues = checkCredentials(objects);
    if (!expected) {
      expect(issues).toEqual([]);
      return;
    }
    expect(issues).toHaveLength(1);
    expect(issues[0].check).toBe('secrets');
    expect(issues[0].message).toMatch(/^holds a credential, which would be committed to dist\/ and readable by anyone who can read the object: /);
    expect(issues[0].message).toMatch(expected);
    expect(issues[0].fix).toMatch(fix ?? /secret/i);
    // The finding never repeats the credential itself.
    if (value.length > 12) expect(JSON.stringify(issues[0])).not.toContain(value.slice(8, 30));
  });

  it('names the object and the field, by env name and container name', () => {
    const objects = fixtureObjects();
    at.env(objects, 'GH', GITHUB_TOKEN);
    expect(checkCredentials(objects)[0]).toMatchObject({ object: 'Deployment/shop-prod/web', field: 'spec.template.spec.containers[web].env[GH].value' });
  });

  it('reports the same credential in every place it is written, though each distinct line is scanned once', () => {
    const objects = fixtureObjects();
    at.env(objects, 'GH', GITHUB_TOKEN);
    at.annotation(objects, 'GH', GITHUB_TOKEN);
    at.file(objects, 'GH', GITHUB_TOKEN);
    expect(checkCredentials(objects).map((i) => `${i.object} ${i.field}`)).toEqual([
      'Deployment/shop-prod/web metadata.annotations.GH',
      'Deployment/shop-prod/web spec.template.spec.containers[web].env[GH].value',
      'ConfigMap/shop-prod/files data.GH',
    ]);
  });

  it('finds nothing in the reference estate (checksums, digests, URLs and settings included)', () => {
    for (const objects of renderEstate(systems).objects.values()) expect(checkCredentials(objects)).toEqual([]);
  });

  it('stops a synth, with the fix', () => {
    const system = {
      name: 'shop',
      environments: [{ name: 'dev', tier: 'dev' as const, namespace: 'shop-dev', domain: 'dev.shop.example.com', tls: { issuer: 'staging' } }],
    };
    expect(() =>
      renderEstate([
        {
          ...system,
          define: (chart) => {
            // A token under a name that says nothing slips past the props check; the output scan catches it.
            new WebApp(chart, 'web', { image: 'ghcr.io/example/web:v1', env: { UPSTREAM: GITHUB_TOKEN } });
          },
        },
      ]),
    ).toThrow(
      /dev\/.*\[secrets\] Deployment\/shop-dev\/web: spec\.template\.spec\.containers\[web\]\.env\[UPSTREAM\]\.value: holds a credential.*Fix: reference it from a Secret/,
    );
  });
});
