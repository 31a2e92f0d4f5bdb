import { truncate } from 'node:fs/promises';
import type {
  DownloadOptions,
  DownloadResult,
  FetchOptions,
  FetchResult,
  Storage,
  Transport,
} from '../../src/ports/ports.js';

/**
 * Fault injection at the storage boundary. Every file-system operation of the engine (each
 * Storage call, and each download, which writes a file) gets the next index; at index
 * `failAt` the fault happens:
 *   - `throw`: that one operation fails (EIO); later ones work, as after a transient error.
 *   - `crash-before`: the process dies before the operation: it and everything after it
 *     never reach the disk (later calls throw without touching anything), like a kill.
 *   - `crash-after`: the operation completes, then the process dies: the disk holds its
 *     effect but the engine never learns of it.
 * A dead instance is abandoned by the test; a fresh client on the same folder plays the
 * next app start.
 */

export type FaultMode = 'throw' | 'crash-before' | 'crash-after';

export class SimulatedCrash extends Error {
  constructor(op: string) {
    super(`simulated process death at ${op}`);
  }
}

export class FaultPlan {
  count = 0;
  dead = false;
  readonly ops: string[] = [];

  constructor(
    readonly failAt = -1,
    readonly mode: FaultMode = 'throw',
  ) {}

  /** `torn`: what a death in the middle of the operation leaves (a half-written download). */
  async run<T>(op: string, task: () => Promise<T>, torn?: () => Promise<void>): Promise<T> {
    if (this.dead) throw new SimulatedCrash(`${op} (after death)`);
    const index = this.count++;
    this.ops.push(op);
    if (index !== this.failAt) return task();
    if (this.mode === 'throw') throw Object.assign(new Error(`EIO: injected failure at ${op}`), { code: 'EIO' });
    if (this.mode === 'crash-before') {
      this.dead = true;
      if (torn) await torn();
      throw new SimulatedCrash(op);
    }
    await task();
    this.dead = true;
    throw new SimulatedCrash(op);
  }
}

export class FaultyStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly plan: FaultPlan,
  ) {}

  readFile(p: string) {
    return this.plan.run(`readFile ${p}`, () => this.inner.readFile(p));
  }
  writeFileAtomic(p: string, b: Uint8Array) {
    return this.plan.run(`writeFileAtomic ${p}`, () => this.inner.writeFileAtomic(p, b));
  }
  mkdirp(p: string) {
    return this.plan.run(`mkdirp ${p}`, () => this.inner.mkdirp(p));
  }
  rename(a: string, b: string, o?: { durable?: boolean }) {
    return this.plan.run(`rename ${a} ${b}`, () => this.inner.rename(a, b, o));
  }
  syncTree(p: string) {
    return this.plan.run(`syncTree ${p}`, () => this.inner.syncTree!(p));
  }
  remove(p: string) {
    return this.plan.run(`remove ${p}`, () => this.inner.remove(p));
  }
  exists(p: string) {
    return this.plan.run(`exists ${p}`, () => this.inner.exists(p));
  }
  listDir(p: string) {
    return this.plan.run(`listDir ${p}`, () => this.inner.listDir(p));
  }
  copyFile(a: string, b: string) {
    return this.plan.run(`copyFile ${a} ${b}`, () => this.inner.copyFile(a, b));
  }
  fileSize(p: string) {
    return this.plan.run(`fileSize ${p}`, () => this.inner.fileSize!(p));
  }
  freeBytes() {
    return this.plan.run('freeBytes', () => this.inner.freeBytes!());
  }
  resolve(p: string) {
    return this.inner.resolve(p);
  }
}

/** Downloads write files, so they are injection points too (a kill mid-download). */
export class FaultyTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly plan: FaultPlan,
  ) {}

  fetchBytes(url: string, o: FetchOptions): Promise<FetchResult> {
    if (this.plan.dead) throw new SimulatedCrash(`GET ${url} (after death)`);
    return this.inner.fetchBytes(url, o);
  }

  downloadToFile(url: string, dest: string, o: DownloadOptions): Promise<DownloadResult> {
    return this.plan.run(
      `download ${url.slice(-16)}`,
      () => this.inner.downloadToFile(url, dest, o),
      async () => {
        // Killed mid-transfer: half the bytes reached the disk.
        const { bytesWritten } = await this.inner.downloadToFile(url, dest, o);
        await truncate(dest, Math.floor(bytesWritten / 2));
      },
    );
  }
}
