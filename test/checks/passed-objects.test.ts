import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PassedObjects, REMEMBERED_OBJECTS, objectDigest } from '../../lib/checks/passed-objects';
import { tempDirs } from '../temp-dirs';

const tempDir = tempDirs('shipshape-passed-objects');
const ENTRY = 'passed-schema.txt';

/** The digests an entry holds, in order. */
const entryLines = (dir: string) => fs.readFileSync(path.join(dir, ENTRY), 'utf8').trim().split('\n').slice(1);

/** The passes a process starting now would read from `dir`: a copy of its entry, opened afresh. */
function freshlyRead(dir: string): PassedObjects {
  const copy = tempDir();
  fs.copyFileSync(path.join(dir, ENTRY), path.join(copy, ENTRY));
  return PassedObjects.open('schema', copy)!;
}

describe('objectDigest', () => {
  it('changes with the scope and with the object as it is now, not with its identity', () => {
    const object = { kind: 'Service', metadata: { name: 'web' } };
    const digest = objectDigest('scope-a', object);
    expect(digest).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(objectDigest('scope-a', { kind: 'Service', metadata: { name: 'web' } })).toBe(digest);
    expect(objectDigest('scope-b', object)).not.toBe(digest);
    object.metadata.name = 'api';
    expect(objectDigest('scope-a', object)).not.toBe(digest);
  });
});

describe('PassedObjects: passes remembered between synths', () => {
  it('remembers what was added, for the next process too', () => {
    const dir = tempDir();
    const passed = PassedObjects.open('schema', dir)!;
    const [a, b] = [objectDigest('s', { a: 1 }), objectDigest('s', { b: 1 })];
    expect(passed.has(a)).toBe(false);
    passed.add(a);
    expect(passed.has(a)).toBe(true);
    passed.save();
    const next = freshlyRead(dir);
    expect(next.has(a)).toBe(true);
    expect(next.has(b)).toBe(false);
  });

  it('is off with caching off', () => {
    expect(PassedObjects.open('schema', false)).toBeUndefined();
  });

  it('writes nothing when nothing was added', () => {
    const dir = tempDir();
    const passed = PassedObjects.open('schema', dir)!;
    passed.has(objectDigest('s', {}));
    passed.save();
    expect(fs.existsSync(path.join(dir, ENTRY))).toBe(false);
  });

  it('reads an entry again once another process has changed it, and forgets a removed one', () => {
    const dir = tempDir();
    const digest = objectDigest('s', { a: 1 });
    PassedObjects.open('schema', dir)!.add(digest);
    PassedObjects.open('schema', dir)!.save();
    fs.writeFileSync(path.join(dir, ENTRY), 'shipshape-passed-objects-1\n');
    expect(PassedObjects.open('schema', dir)!.has(digest)).toBe(false);
    fs.rmSync(path.join(dir, ENTRY));
    expect(PassedObjects.open('schema', dir)!.has(digest)).toBe(false);
  });

  it("keeps what another process wrote meanwhile, and puts this process's passes first", () => {
    const dir = tempDir();
    const [mine, theirs] = [objectDigest('s', { mine: 1 }), objectDigest('s', { theirs: 1 })];
    const passed = PassedObjects.open('schema', dir)!;
    passed.add(mine);
    fs.writeFileSync(path.join(dir, ENTRY), `shipshape-passed-objects-1\n${theirs}\n`);
    passed.save();
    expect(entryLines(dir)).toEqual([mine, theirs]);
  });

  it('ignores an entry of another format and lines that are not digests', () => {
    const dir = tempDir();
    const digest = objectDigest('s', { a: 1 });
    fs.writeFileSync(path.join(dir, ENTRY), `shipshape-passed-objects-0\n${digest}\n`);
    expect(PassedObjects.open('schema', dir)!.has(digest)).toBe(false);
    fs.writeFileSync(path.join(dir, ENTRY), `shipshape-passed-objects-1\n${digest}\nnot a digest\n${digest.slice(1)}\n`);
    const passed = PassedObjects.open('schema', dir)!;
    expect(passed.has(digest)).toBe(true);
    expect(passed.has(digest.slice(1))).toBe(false);
  });

  it(`keeps at most ${REMEMBERED_OBJECTS} digests, the most recently used first`, () => {
    const dir = tempDir();
    const old = Array.from({ length: REMEMBERED_OBJECTS }, (_, i) => objectDigest('s', { old: i }));
    fs.writeFileSync(path.join(dir, ENTRY), `shipshape-passed-objects-1\n${old.join('\n')}\n`);
    const passed = PassedObjects.open('schema', dir)!;
    const added = objectDigest('s', { added: true });
    expect(passed.has(old[REMEMBERED_OBJECTS - 1])).toBe(true);
    passed.add(added);
    passed.save();
    const lines = entryLines(dir);
    expect(lines).toHaveLength(REMEMBERED_OBJECTS);
    expect(lines.slice(0, 3)).toEqual([old[REMEMBERED_OBJECTS - 1], added, old[0]]);
    expect(lines).not.toContain(old[REMEMBERED_OBJECTS - 2]);
  });
});
