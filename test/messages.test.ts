import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistentClaim, SystemChart, SystemDefinition, TlsIngress, WebApp, renderEstate } from '../lib';
import { defaultSharedDir } from '../lib/checks/schema-validation';
import { whatBreaksPattern } from '../lib/core/zod-messages';
import { environment } from './helpers';
import { tempDirs } from './temp-dirs';
import { schemasAvailable } from './support/schemas';

/** Issue 15, item 13: each message says what is wrong, not zod's or a neighbour check's generic words. */

const web = (s: SystemChart) => new WebApp(s, 'web', { image: 'ghcr.io/example/web:v1' });

/** The problems of a synth of one system, or [] when it succeeds. */
function problems(system: Partial<SystemDefinition>): readonly string[] {
  try {
    renderEstate([{ name: 'shop', environments: [environment('dev')], define: web, ...system }]);
    return [];
  } catch (error) {
    return (error as { problems?: readonly string[] }).problems ?? [String(error)];
  }
}

// [case, the definition, the message it must give, what it must not say]
const cases: [string, Partial<SystemDefinition>, RegExp, RegExp?][] = [
  [
    'an env name with a space names the space',
    { define: (s) => new WebApp(s, 'web', { image: 'ghcr.io/example/web:v1', env: { 'API URL': 'x' } }) },
    /WebApp "web": env\.API URL: the key "API URL" must be a valid environment variable name; a space at position 4 is not allowed/,
    /Invalid key in record/,
  ],
  [
    'an image pin for an upper-case workload names the letter',
    { environments: [environment('dev', { images: { Web: 'v1' } })] },
    /dev\.images\.Web: the key "Web" must be a workload name such as "web" or an image repository .*; "W" \(upper case\) at position 1 is not allowed/,
    /Invalid key in record/,
  ],
  [
    'a workload override with an underscore names it',
    { environments: [environment('dev', { workloads: { web_v2: { replicas: 2 } } })] },
    /dev\.workloads\.web_v2: the key "web_v2" must be a DNS label.*; "_" at position 4 is not allowed/,
    /Invalid key in record/,
  ],
  [
    'a setting with a dash names it',
    { environments: [environment('dev', { settings: { 'BUCKET-NAME': 'b' } })] },
    /dev\.settings\.BUCKET-NAME: the key "BUCKET-NAME" must be a variable-like name; "-" at position 7 is not allowed/,
  ],
  [
    'a key starting with a dash says so',
    { environments: [environment('dev', { workloads: { '-web': { replicas: 2 } } })] },
    /the key "-web" must be a DNS label.*; it starts with "-"/,
  ],
  [
    'a key too long says how long',
    { environments: [environment('dev', { workloads: { ['w'.repeat(64)]: { replicas: 2 } } })] },
    /must be at most 63 characters \(a DNS label\); it has 64/,
  ],
  [
    'duplicate environment names get their own message',
    { environments: [environment('dev'), environment('dev', { namespace: 'shop-dev2' })] },
    /^shop: environments: "dev" is given twice; each environment is written to its own directory dist\/<name>, so give each a distinct name$/,
    /namespace/,
  ],
  [
    'an upper-case host is called upper case',
    { define: (s) => new TlsIngress(s, 'edge', { host: 'API.dev.shop.example.com', routes: [{ path: '/', backend: web(s) }] }) },
    /TlsIngress "edge": host: "API\.dev\.shop\.example\.com" has upper-case letters; host names are written in lower case\.? Fix: write "api\.dev\.shop\.example\.com"/,
    /outside/,
  ],
  [
    'a claim name of 254 characters is refused as a DNS subdomain',
    { define: (s) => new PersistentClaim(s, `${'d'.repeat(60)}.`.repeat(4) + 'd'.repeat(10), { size: '1Gi', accessMode: 'ReadWriteOnce' }) },
    /PersistentClaim ".*": \(id\): names the claim and must be a DNS subdomain: lower-case letters, digits, "-" and "\.", at most 253 characters/,
  ],
];

describe('messages say what is wrong', () => {
  it.each(cases)('%s', (_, system, expected, notSaid) => {
    const found = problems(system);
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
    if (notSaid) expect(found.filter((p) => notSaid.test(p))).toEqual([]);
  });

  it('accepts a claim name of 253 characters (a DNS subdomain, not a 63-character label)', () => {
    const name = ['d'.repeat(63), 'd'.repeat(63), 'd'.repeat(63), 'd'.repeat(61)].join('.');
    expect(name).toHaveLength(253);
    const found = problems({ define: (s) => void new PersistentClaim(s, name, { size: '1Gi', accessMode: 'ReadWriteOnce' }) });
    expect(found).toEqual([]);
  });

  // [value, pattern, what is wrong]
  const patterns: [string, string, string][] = [
    ['Web', '/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/', '"W" (upper case) at position 1 is not allowed'],
    ['a\tb', '/^[a-z]+$/', 'a white-space character ("\\t") at position 2 is not allowed'],
    ['web-', '/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/', 'it ends with "-"'],
    ['', '/^[a-z]+$/', 'it is empty'],
    ['9lives', '/^[A-Za-z_][A-Za-z0-9_]*$/', 'it starts with "9"'],
    ['-web', '/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/', 'it starts with "-"'],
  ];
  it.each(patterns)('%j against %s: %s', (value, pattern, expected) => {
    expect(whatBreaksPattern(value, pattern)).toBe(expected);
  });
});

describe.runIf(schemasAvailable)('a corrupt schema file is named', () => {
  const saved = process.env.SHIPSHAPE_SHARED_DIR;
  const tempDir = tempDirs('shipshape-corrupt-schema');
  afterEach(() => {
    if (saved === undefined) delete process.env.SHIPSHAPE_SHARED_DIR;
    else process.env.SHIPSHAPE_SHARED_DIR = saved;
  });

  it.each([
    [
      'a truncated swagger',
      'schemas/kubernetes-1.28-swagger.json',
      (text: string) => text.slice(0, 1000),
      /kubernetes-1\.28-swagger\.json: is corrupt \(.*JSON/,
    ],
    ['a CRD that is not YAML', 'crds/cert-manager.io_certificates.yaml', () => 'spec: [unclosed', /cert-manager\.io_certificates\.yaml: is corrupt/],
  ])('%s', (_, file, corrupt, expected) => {
    const shared = tempDir();
    fs.cpSync(defaultSharedDir(), shared, { recursive: true });
    const target = path.join(shared, file);
    fs.chmodSync(target, 0o644);
    fs.writeFileSync(target, corrupt(fs.readFileSync(target, 'utf8')));
    process.env.SHIPSHAPE_SHARED_DIR = shared;
    const found = problems({ define: (s) => new TlsIngress(s, 'edge', { routes: [{ path: '/', backend: web(s) }] }) });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^schemas: /);
    expect(found[0]).toMatch(expected);
  });
});
