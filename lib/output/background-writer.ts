/**
 * Writes the output files on a worker thread while the synth goes on rendering and checking, so the
 * disk works while the CPU does: making about 400 directories and 700 files took about 0.6 s of a
 * 500-service synth on a journaling file system, time the main thread now spends on the next
 * environment. The files go to a directory of this process's own (`<outdir>.rendering-<pid>`),
 * which the write phase renames into place, or removes when the synth fails. When there is a
 * mirror (cdk8s's output directory), each file is also linked into `<mirror>.rendering-<pid>` as it
 * is written, which the write phase renames into place too. The synth stays synchronous: `finish`
 * blocks on an `Atomics` flag that the worker raises when it is done.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { FileSet } from './output';

/**
 * The worker: writes each `[relative, content]` it is sent under `dir`, and links it under `mirror`
 * when there is one (a copy where the file system refuses the link); `null` ends it. Plain
 * JavaScript, evaluated as is.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { dir, mirror, flag, port } = workerData;
const state = new Int32Array(flag);
const made = new Set();
let failure;
function makeParent(file) {
  const parent = path.dirname(file);
  if (made.has(parent)) return;
  fs.mkdirSync(parent, { recursive: true });
  made.add(parent);
}
port.on('message', (message) => {
  if (message === null) {
    if (failure) port.postMessage(failure);
    // 1: every file written (DONE below); 2: a write failed, and the port holds why.
    Atomics.store(state, 0, failure ? 2 : 1);
    Atomics.notify(state, 0);
    port.close();
    return;
  }
  if (failure) return;
  try {
    const target = path.join(dir, message[0]);
    makeParent(target);
    fs.writeFileSync(target, message[1]);
    if (mirror === undefined) return;
    const copy = path.join(mirror, message[0]);
    makeParent(copy);
    try {
      fs.linkSync(target, copy);
    } catch {
      fs.writeFileSync(copy, message[1]);
    }
  } catch (error) {
    failure = String((error && error.message) || error);
  }
});
`;

const RUNNING = 0;
const DONE = 1;

/** How long `finish` waits for the last files: far beyond any real write, short of a hung synth. */
const FINISH_TIMEOUT_MS = 300_000;

/** A worker thread writing files under one directory. */
export class BackgroundWriter {
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private outcome: string | undefined | null = null;

  private constructor(
    public readonly dir: string,
    /** Where the files are also linked, when there is a mirror. */
    public readonly mirrorDir: string | undefined,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { dir, mirror: mirrorDir, flag: this.state.buffer, port: port2 },
      transferList: [port2],
    });
    // The synth never waits on the event loop for it: finish() blocks until it is done.
    this.worker.unref();
    this.port = port1;
  }

  /**
   * A writer into `<target>.rendering-<pid>`, and `<mirror>.rendering-<pid>` when a mirror is given
   * (each emptied first), after removing what crashed synths of processes that are gone left
   * beside them; undefined when no worker can be started, and the synth then writes the files itself.
   */
  static start(target: string, mirror?: string): BackgroundWriter | undefined {
    try {
      const [dir, mirrorDir] = [target, mirror].map((base) => {
        if (base === undefined) return undefined;
        removeAbandonedRenderings(base);
        const rendering = `${base}.rendering-${process.pid}`;
        fs.rmSync(rendering, { recursive: true, force: true });
        return rendering;
      });
      return new BackgroundWriter(dir!, mirrorDir);
    } catch {
      return undefined;
    }
  }

  /** Queues one file. */
  write(relative: string, content: string): void {
    if (this.outcome === null) this.port.postMessage([relative, content]);
  }

  /** Waits until every queued file is written; the first write error, or undefined when all were written. */
  finish(): string | undefined {
    if (this.outcome !== null) return this.outcome;
    this.port.postMessage(null);
    const waited = Atomics.wait(this.state, 0, RUNNING, FINISH_TIMEOUT_MS);
    if (waited === 'timed-out') this.outcome = `the file writer did not finish within ${FINISH_TIMEOUT_MS / 1000} s`;
    else if (Atomics.load(this.state, 0) !== DONE) this.outcome = String(receiveMessageOnPort(this.port)?.message ?? 'the file writer failed');
    else this.outcome = undefined;
    this.port.close();
    void this.worker.terminate();
    return this.outcome;
  }

  /** Waits for the worker and removes what it wrote, unless it was moved away. */
  discard(): void {
    this.finish();
    for (const dir of [this.dir, this.mirrorDir]) if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A {@link FileSet} that also queues every file it is given on a {@link BackgroundWriter}. */
export class StreamedFileSet extends Map<string, string> implements FileSet {
  constructor(private readonly writer: BackgroundWriter) {
    super();
  }

  override set(relative: string, content: string): this {
    this.writer.write(relative, content);
    return super.set(relative, content);
  }
}

/** Removes the `<target>.rendering-<pid>` directories of processes that no longer run (a synth killed part-way). */
function removeAbandonedRenderings(target: string): void {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.rendering-`;
  if (!fs.existsSync(parent)) return;
  for (const entry of fs.readdirSync(parent)) {
    const pid = Number(entry.slice(prefix.length));
    if (!entry.startsWith(prefix) || !Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

/** Whether a process with this id runs (one of another user's counts as running). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
