import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import lockfile from 'proper-lockfile';

const ROOT = path.join(__dirname, '../..');
const RUN_VARIABLE = 'SHIPSHAPE_TEST_PACK_DIR';

/**
 * The library packed once per test run. `npm pack` rebuilds build/ (its schemas included), so two
 * test files packing at once would pack each other's half-written build: the first caller packs
 * under a lock, the others reuse its tarball.
 */
export function packedTarball(): string {
  const dir = process.env[RUN_VARIABLE] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-pack-'));
  const release = lockSync(dir);
  try {
    const record = path.join(dir, 'tarball');
    if (!fs.existsSync(record)) {
      const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      fs.writeFileSync(record, path.join(dir, JSON.parse(packed)[0].filename));
    }
    return fs.readFileSync(record, 'utf8');
  } finally {
    release();
  }
}

function lockSync(dir: string): () => void {
  for (;;) {
    try {
      return lockfile.lockSync(dir, { stale: 300_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** Vitest global setup: one packing directory for the run, removed at its end. */
export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipshape-pack-'));
  process.env[RUN_VARIABLE] = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
