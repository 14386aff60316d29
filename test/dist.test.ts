import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkEnvironment, formatCheckIssue } from '../lib/checks';
import type { KubeJson } from '../lib/checks/objects';
import { schemasAvailable } from './support/schemas';

/** The committed output, checked as Flux would receive it. */
const DIST = path.join(__dirname, '..', 'dist');
const environments = fs
  .readdirSync(DIST)
  .filter((d) => fs.statSync(path.join(DIST, d)).isDirectory())
  .sort();

function objectsOf(env: string): KubeJson[] {
  const files = (fs.readdirSync(path.join(DIST, env), { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'));
  return files.sort().flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(DIST, env, f), 'utf8')).map((d) => d.toJSON() as KubeJson));
}

describe('committed dist/', () => {
  it('holds dev, staging and prod', () => {
    expect(environments).toEqual(['dev', 'prod', 'staging']);
  });

  describe.each(environments)('%s', (env) => {
    it.runIf(schemasAvailable)('passes every cluster check, strict schemas included', () => {
      const checked = checkEnvironment(objectsOf(env));
      expect(checked.skipped, 'the schema files in ../shared must be present').toEqual([]);
      expect(checked.issues.map(formatCheckIssue)).toEqual([]);
    });

    it('protects every claim from Flux prune, so that removing one from git never deletes its data', () => {
      const claims = objectsOf(env).filter((o) => o.kind === 'PersistentVolumeClaim');
      expect(claims.length).toBeGreaterThan(0);
      for (const claim of claims) expect(claim.metadata.annotations, claim.metadata.name).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
    });

    it('builds with kubectl kustomize', () => {
      const built = execFileSync('kubectl', ['kustomize', path.join(DIST, env)], { encoding: 'utf8' });
      const kinds = new Set(parseAllDocuments(built).map((d) => (d.toJSON() as KubeJson).kind));
      expect([...kinds]).toEqual(
        expect.arrayContaining(['Namespace', 'Deployment', 'Service', 'Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'ClientTrafficPolicy']),
      );
    });
  });
});
