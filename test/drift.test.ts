import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEstate } from '../lib/estate';
import { findDrift } from '../lib/output/output';
import { systems } from '../estate';

const DIST = path.join(__dirname, '..', 'dist');

describe('drift between the definitions and the committed dist/', () => {
  const rendered = renderEstate(systems);

  it('there is none: dist/ is exactly what a fresh synth produces', () => {
    expect(findDrift(rendered.files, DIST), 'run npm run synth and commit dist/').toEqual([]);
  });

  it('names a hand-edited, a deleted and an added file', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-drift-'));
    fs.cpSync(DIST, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'prod/doc-router/apps/doc-router.yaml'), '# tweaked by hand\n');
    fs.rmSync(path.join(copy, 'dev/kustomization.yaml'));
    fs.writeFileSync(path.join(copy, 'staging/doc-router/apps/extra.yaml'), 'kind: ConfigMap\n');
    expect(findDrift(rendered.files, copy)).toEqual([
      'missing: dev/kustomization.yaml',
      'changed: prod/doc-router/apps/doc-router.yaml',
      'extra: staging/doc-router/apps/extra.yaml',
    ]);
  });
});
