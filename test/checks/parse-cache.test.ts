import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNUSED_ENTRY_MS, cachedParse, defaultCacheDir, pruneCache, readCacheFile } from '../../lib/checks/parse-cache';
import { validateAgainstSchemas } from '../../lib/checks/schema-validation';
import { tempDirs } from '../temp-dirs';
import { schemasAvailable } from '../support/schemas';

const tempDir = tempDirs('shipshape-parse-cache');

/** A parse that counts its calls. */
function counting<T>(parse: (text: string) => T): { parse: (text: string) => T; calls: () => number } {
  let calls = 0;
  return {
    parse: (text) => {
      calls++;
      return parse(text);
    },
    calls: () => calls,
  };
}

describe('cachedParse: parsed text cached on disk by content', () => {
  it('parses a text once, then answers from the cache with an equal value', () => {
    const dir = tempDir();
    const p = counting((text) => ({ words: text.split(' '), n: 1, nested: [{ a: null }] }));
    const first = cachedParse('words', 'a b c', p.parse, dir);
    const second = cachedParse('words', 'a b c', p.parse, dir);
    expect(second).toEqual(first);
    expect(p.calls()).toBe(1);
  });

  it('misses when the text or the kind changes', () => {
    const dir = tempDir();
    const p = counting((text) => text.length);
    cachedParse('len', 'abc', p.parse, dir);
    expect(cachedParse('len', 'abcd', p.parse, dir)).toBe(4);
    expect(cachedParse('other', 'abc', p.parse, dir)).toBe(3);
    expect(p.calls()).toBe(3);
  });

  it('parses again over a corrupt entry, and repairs it', () => {
    const dir = tempDir();
    const p = counting((text) => ({ text }));
    cachedParse('t', 'x', p.parse, dir);
    for (const file of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, file), '{"text": "trunc');
    expect(cachedParse('t', 'x', p.parse, dir)).toEqual({ text: 'x' });
    expect(cachedParse('t', 'x', p.parse, dir)).toEqual({ text: 'x' });
    expect(p.calls()).toBe(2);
  });

  it('returns but never stores a value that JSON would change', () => {
    const dir = tempDir();
    const p = counting(() => ({ max: Infinity }));
    expect(cachedParse('inf', 'x', p.parse, dir)).toEqual({ max: Infinity });
    expect(cachedParse('inf', 'x', p.parse, dir)).toEqual({ max: Infinity });
    expect(p.calls()).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('caches nothing when the parse throws', () => {
    const dir = tempDir();
    expect(() =>
      cachedParse(
        'bad',
        'x',
        () => {
          throw new Error('no');
        },
        dir,
      ),
    ).toThrow('no');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('still parses when there is no cache, or it cannot be written', () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const p = counting((text) => text.toUpperCase());
    expect(cachedParse('up', 'x', p.parse, false)).toBe('X');
    expect(cachedParse('up', 'x', p.parse, path.join(file, 'cache'))).toBe('X');
    expect(p.calls()).toBe(2);
  });

  it('is a per-user directory under the temporary directory, moved or turned off by SHIPSHAPE_CACHE_DIR', () => {
    const saved = process.env.SHIPSHAPE_CACHE_DIR;
    try {
      delete process.env.SHIPSHAPE_CACHE_DIR;
      expect(path.dirname(defaultCacheDir()!)).toBe(os.tmpdir());
      process.env.SHIPSHAPE_CACHE_DIR = 'off';
      expect(defaultCacheDir()).toBeUndefined();
      process.env.SHIPSHAPE_CACHE_DIR = 'some/where';
      expect(defaultCacheDir()).toBe(path.resolve('some/where'));
    } finally {
      if (saved === undefined) delete process.env.SHIPSHAPE_CACHE_DIR;
      else process.env.SHIPSHAPE_CACHE_DIR = saved;
    }
  });
});

describe.runIf(schemasAvailable)('validateAgainstSchemas with cached CRDs', () => {
  /** A shared directory with a minimal swagger and one CRD file. */
  function shared(crd: string): string {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'schemas'));
    fs.mkdirSync(path.join(dir, 'crds'));
    fs.writeFileSync(
      path.join(dir, 'schemas', 'kubernetes-1.28-swagger.json'),
      JSON.stringify({ definitions: { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object', properties: { name: { type: 'string' } } } } }),
    );
    fs.writeFileSync(path.join(dir, 'crds', 'example.com_widgets.yaml'), crd);
    return dir;
  }
  const widgetCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            spec:
              type: object
              properties:
                size: { type: integer, maximum: 10 }
`;
  const widget = (size: unknown) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size } });

  it('finds the same issues from a cold parse and from the cache', () => {
    // Two shared directories with the same CRD text: the second process-level catalog reads the cache.
    const first = validateAgainstSchemas([widget(11), widget('big')], { sharedDir: shared(widgetCrd) }).issues;
    const second = validateAgainstSchemas([widget(11), widget('big')], { sharedDir: shared(widgetCrd) }).issues;
    expect(first.map((i) => i.message)).toEqual(['must be <= 10', 'must be integer']);
    expect(second).toEqual(first);
  });

  it('reports a broken CRD file the same way from a cold parse and from the cache', () => {
    const broken = `${widgetCrd}---\nkind: [unclosed\n`;
    for (let i = 0; i < 2; i++) {
      expect(() => validateAgainstSchemas([widget(1)], { sharedDir: shared(broken) })).toThrow(/example\.com_widgets\.yaml: .*flow sequence/i);
    }
  });
});

describe('pruning the cache directory', () => {
  const DAY = 24 * 3600_000;
  /** Writes `name` into `dir`, last modified `age` ms ago. */
  function entry(dir: string, name: string, age: number): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, name);
    const when = new Date(Date.now() - age);
    fs.utimesSync(file, when, when);
    return file;
  }

  it('removes entries unused for two weeks and temporary files a killed writer left, and keeps the rest', () => {
    const dir = tempDir();
    const old = entry(dir, 'validator-old.js', UNUSED_ENTRY_MS + DAY);
    const recent = entry(dir, 'validator-recent.js', UNUSED_ENTRY_MS - DAY);
    const staleTemporary = entry(dir, 'crd-x.json.123.abc.tmp', 2 * 3600_000);
    const liveTemporary = entry(dir, 'crd-y.json.456.def.tmp', 60_000);
    pruneCache(dir);
    expect([old, recent, staleTemporary, liveTemporary].map((file) => fs.existsSync(file))).toEqual([false, true, false, true]);
  });

  it('prunes at most once a day', () => {
    const dir = tempDir();
    pruneCache(dir);
    const old = entry(dir, 'validator-old.js', UNUSED_ENTRY_MS + DAY);
    pruneCache(dir);
    expect(fs.existsSync(old)).toBe(true);
    pruneCache(dir, Date.now() + DAY);
    expect(fs.existsSync(old)).toBe(false);
  });

  it('counts an entry read as in use, so pruning keeps it', () => {
    const dir = tempDir();
    const old = entry(dir, 'validator-used.js', UNUSED_ENTRY_MS + DAY);
    expect(readCacheFile(dir, 'validator-used.js')?.toString()).toBe('validator-used.js');
    pruneCache(dir);
    expect(fs.existsSync(old)).toBe(true);
  });

  it('prunes when an entry is written, the only time the cache grows', () => {
    const dir = tempDir();
    const old = entry(dir, 'crd-old.json', UNUSED_ENTRY_MS + DAY);
    cachedParse('words', 'a b', (text) => text.split(' '), dir);
    expect(fs.existsSync(old)).toBe(false);
  });
});
