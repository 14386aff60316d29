import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { immutableFieldChanges, readPreviousOutput } from '../../lib/checks/immutable-fields';
import type { KubeObject } from '../../lib/output/output';
import { toYamlFile } from '../../lib/output/output';
import { tempDirs } from '../temp-dirs';

const job = (name: string, workingDir?: string): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'shop-prod', labels: { 'app.kubernetes.io/part-of': 'shop' } },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'shop:v1', workingDir }] } } },
});
const claim = (accessModes: string[], storage: string, storageClassName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'shop-prod' },
  spec: { accessModes, storageClassName, resources: { requests: { storage } } },
});
const deployment = (app: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop-prod' },
  spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } } } },
});
const check = (before: KubeObject[], after: KubeObject[]) => immutableFieldChanges(new Map([['prod', before]]), new Map([['prod', after]]), 'dist');

describe('changes the API server refuses over the previous output', () => {
  // Each case was first seen on the real API server of the cluster suite (test/cluster/).
  it.each([
    [
      'a Job whose template changed under the same name',
      [job('migrate-v1')],
      [job('migrate-v1', '/app')],
      /Job migrate-v1: spec.template differs .* Fix: set revision: 2 on the MigrationJob/,
    ],
    ['a Job already at revision 2', [job('migrate-v1-r2')], [job('migrate-v1-r2', '/app')], /set revision: 3/],
    ['a Deployment whose selector changed', [deployment('a')], [deployment('b')], /Deployment web: spec.selector differs/],
    [
      'a claim whose access modes changed',
      [claim(['ReadWriteOnce'], '1Gi')],
      [claim(['ReadWriteMany'], '1Gi')],
      /PersistentVolumeClaim data: spec.accessModes differs/,
    ],
    ['a claim whose class changed', [claim(['ReadWriteMany'], '1Gi', 'nfs')], [claim(['ReadWriteMany'], '1Gi', 'efs')], /spec.storageClassName differs/],
    ['a claim that shrinks', [claim(['ReadWriteOnce'], '10Gi')], [claim(['ReadWriteOnce'], '5Gi')], /shrinks from 10Gi to 5Gi/],
  ])('refuses %s', (_, before, after, message) => {
    const problems = check(before, after);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toMatch(/^prod\//);
  });

  it.each([
    ['a Job under a new name', [job('migrate-v1')], [job('migrate-v2', '/app')]],
    ['an unchanged Job', [job('migrate-v1', '/app')], [job('migrate-v1', '/app')]],
    [
      'a claim that gains a class it did not have (assigned retroactively since 1.28)',
      [claim(['ReadWriteMany'], '1Gi')],
      [claim(['ReadWriteMany'], '1Gi', 'nfs')],
    ],
    ['a claim that grows', [claim(['ReadWriteOnce'], '5Gi')], [claim(['ReadWriteOnce'], '10Gi')]],
    ['a Deployment whose template changed', [deployment('a')], [{ ...deployment('a'), spec: { ...deployment('a').spec, replicas: 3 } }]],
  ])('accepts %s', (_, before, after) => {
    expect(check(before, after)).toEqual([]);
  });

  const tempDir = tempDirs('shipshape-immutable');
  it('reads the previous output per environment from the output directory, with the system of each object, and nothing when there is none', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'prod', 'shop', 'migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'prod', 'shop', 'migrations', 'shop.yaml'), toYamlFile([job('migrate-v1')]));
    const previous = readPreviousOutput(dir);
    expect([...previous.objects.keys()]).toEqual(['prod']);
    expect(previous.objects.get('prod')!.map((o) => o.metadata.name)).toEqual(['migrate-v1']);
    expect(previous.systemOf.get(previous.objects.get('prod')![0])).toBe('shop');
    expect(readPreviousOutput(path.join(dir, 'absent')).objects.size).toBe(0);
  });

  it('skips a file whose text the new output repeats, and reads one that changed or is gone', () => {
    const dir = tempDir();
    const files = new Map([
      ['prod/shop/migrations/shop.yaml', toYamlFile([job('migrate-v1')])],
      ['prod/shop/apps/shop.yaml', toYamlFile([deployment('a')])],
      ['prod/old/apps/old.yaml', toYamlFile([claim(['ReadWriteOnce'], '1Gi')])],
    ]);
    for (const [file, text] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const next = new Map([
      ['prod/shop/migrations/shop.yaml', files.get('prod/shop/migrations/shop.yaml')!],
      ['prod/shop/apps/shop.yaml', toYamlFile([deployment('b')])],
    ]);
    const previous = readPreviousOutput(dir, next);
    expect(
      previous.objects
        .get('prod')!
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual(['Deployment/web', 'PersistentVolumeClaim/data']);
    expect(check(previous.objects.get('prod')!, [job('migrate-v1'), deployment('b')])).toHaveLength(1);
    expect(readPreviousOutput(dir, files).objects.size, 'an unchanged output parses nothing').toBe(0);
  });

  it('reads only the kinds it compares, whatever the kind line looks like, and leaves out a document it cannot parse', () => {
    const dir = tempDir();
    const file = path.join(dir, 'prod', 'shop', 'apps', 'shop.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const documents = [
      toYamlFile([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }, deployment('a')]),
      // Quoted, commented, indented as a whole: each is parsed to learn its kind.
      `apiVersion: batch/v1\nkind: "Job"\nmetadata:\n  name: quoted\n`,
      `apiVersion: batch/v1\nkind: Job # a comment\nmetadata:\n  name: commented\n`,
      `  apiVersion: batch/v1\n  kind: Job\n  metadata:\n    name: indented\n`,
      `apiVersion: batch/v1\nkind: Job\nmetadata: [unclosed\n`,
      // A block scalar whose content holds a kind line is not a kind line.
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: |\n    kind: Job\n`,
    ];
    fs.writeFileSync(file, documents.join('---\n'));
    const read = readPreviousOutput(dir).objects.get('prod')!;
    expect(read.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/web', 'Job/quoted', 'Job/commented', 'Job/indented']);
  });

  it("reads the same objects from the reference estate's output as parsing every document with the yaml package", () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const compared = new Set(['Job', 'Deployment', 'DaemonSet', 'StatefulSet', 'PersistentVolumeClaim']);
    const expected: KubeObject[] = [];
    for (const file of (fs.readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const document of parseAllDocuments(fs.readFileSync(path.join(dist, file), 'utf8'))) {
        const object = document.toJSON() as KubeObject | null;
        if (object && compared.has(object.kind)) expected.push(object);
      }
    }
    const read = [...readPreviousOutput(dist).objects.values()].flat();
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    expect(expected.length).toBeGreaterThan(50);
    expect(read.map(key).sort()).toEqual(expected.map(key).sort());
    const byKey = new Map(read.map((o) => [key(o), o]));
    for (const object of expected) expect(byKey.get(key(object))).toEqual(object);
  });
});
