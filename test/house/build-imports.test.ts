import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

function libFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? libFiles(full) : entry.endsWith('.ts') ? [full] : [];
  });
}

describe('house rules', () => {
  it('compiles and ships exactly the generated imports that lib/ uses', () => {
    const used = new Set<string>();
    for (const file of libFiles(path.join(ROOT, 'lib'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/from '((?:\.\.\/)+imports\/[^']+)'/g)) {
        used.add(path.relative(ROOT, path.resolve(path.dirname(file), match[1])) + '.ts');
      }
    }
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    // A generated import lib/ does not use is left out of build/ (and so of the package) until it is used.
    expect([...build.files].sort()).toEqual([...used].sort());
  });
});
