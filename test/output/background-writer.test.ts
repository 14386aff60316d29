import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BackgroundWriter, StreamedFileSet } from '../../lib/output/background-writer';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-writer-'));
}

/** A process id that is certainly not running: a child that has exited. */
function exitedPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('BackgroundWriter', () => {
  it('writes every file it is given under <target>.rendering-<pid>, directories included, and reports success', () => {
    const target = path.join(tempDir(), 'dist');
    const writer = BackgroundWriter.start(target)!;
    expect(writer.dir).toBe(`${target}.rendering-${process.pid}`);
    const files = new StreamedFileSet(writer);
    files.set('dev/shop/apps/shop.yaml', 'kind: Deployment\n');
    files.set('dev/kustomization.yaml', 'resources: []\n');
    files.set('prod/shop/apps/shop.yaml', 'kind: Service\n');
    files.set('dev/kustomization.yaml', 'resources: [shop]\n');
    expect(writer.finish()).toBeUndefined();
    // The set is a plain map of what was rendered, and the disk holds the same, the last value of a file winning.
    expect([...files.keys()]).toEqual(['dev/shop/apps/shop.yaml', 'dev/kustomization.yaml', 'prod/shop/apps/shop.yaml']);
    for (const [file, content] of files) expect(fs.readFileSync(path.join(writer.dir, file), 'utf8')).toBe(content);
    writer.discard();
    expect(fs.existsSync(writer.dir)).toBe(false);
  });

  it('links every file it writes into <mirror>.rendering-<pid> too, when given a mirror', () => {
    const parent = tempDir();
    const writer = BackgroundWriter.start(path.join(parent, 'dist'), path.join(parent, '.synth'))!;
    expect(writer.mirrorDir).toBe(path.join(parent, `.synth.rendering-${process.pid}`));
    writer.write('dev/shop/apps/shop.yaml', 'kind: Deployment\n');
    writer.write('dev/kustomization.yaml', 'resources: []\n');
    expect(writer.finish()).toBeUndefined();
    for (const file of ['dev/shop/apps/shop.yaml', 'dev/kustomization.yaml']) {
      const [written, mirrored] = [writer.dir, writer.mirrorDir!].map((dir) => path.join(dir, file));
      expect(fs.readFileSync(mirrored, 'utf8')).toBe(fs.readFileSync(written, 'utf8'));
      // A link, not a second write.
      expect(fs.statSync(mirrored).ino).toBe(fs.statSync(written).ino);
    }
    writer.discard();
    expect(fs.existsSync(writer.dir) || fs.existsSync(writer.mirrorDir!)).toBe(false);
  });

  it('reports the first write that failed, and writes nothing after it', () => {
    const target = path.join(tempDir(), 'dist');
    const writer = BackgroundWriter.start(target)!;
    writer.write('a.yaml', 'a: 1\n');
    // A file where a directory must go.
    writer.write('a.yaml/b.yaml', 'b: 1\n');
    writer.write('c.yaml', 'c: 1\n');
    expect(writer.finish()).toMatch(/ENOTDIR|EEXIST|not a directory/);
    expect(fs.existsSync(path.join(writer.dir, 'c.yaml'))).toBe(false);
    writer.discard();
  });

  it("removes what a synth of a process that is gone left beside the target, and keeps a running one's", () => {
    const parent = tempDir();
    const target = path.join(parent, 'dist');
    const dead = path.join(parent, `dist.rendering-${exitedPid()}`);
    const alive = path.join(parent, `dist.rendering-${process.ppid}`);
    for (const dir of [dead, alive]) fs.mkdirSync(path.join(dir, 'dev'), { recursive: true });
    const writer = BackgroundWriter.start(target)!;
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(alive)).toBe(true);
    writer.discard();
  });
});
