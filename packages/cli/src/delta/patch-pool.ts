import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CliError } from '../output.js';
import type { Candidate } from './smallest-patch.js';

/** Work a patch worker does (patch-worker.ts). */
export type PatchTask =
  | { kind: 'patch'; old: Uint8Array; next: Uint8Array; nextSha256: string; path: string }
  | { kind: 'compressed-length'; bytes: Uint8Array };

export type PatchTaskResult =
  { kind: 'patch'; candidate: Candidate | null } | { kind: 'compressed-length'; length: number };

interface Pending {
  task: PatchTask;
  resolve(result: PatchTaskResult): void;
  reject(err: Error): void;
}

type Reply = { result: PatchTaskResult } | { error: { message: string; code?: string } };

/** Workers by default: one per core, at most 4 (each holds a file, its base and a suffix array). */
export function defaultPatchWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/**
 * Patch generation in worker threads (node:worker_threads): a multi-megabyte bsdiff takes
 * seconds of CPU, which on the CLI's own thread would stall its requests and its progress
 * output; in workers the (file, base) pairs also run side by side. Workers start on first
 * use and end with close().
 */
export class PatchPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private started = 0;
  private closed = false;

  constructor(readonly size = defaultPatchWorkers()) {}

  async patch(old: Uint8Array, next: Uint8Array, nextSha256: string, path: string): Promise<Candidate | null> {
    const result = await this.submit({ kind: 'patch', old, next, nextSha256, path });
    return result.kind === 'patch' ? result.candidate : null;
  }

  async compressedLength(bytes: Uint8Array): Promise<number> {
    const result = await this.submit({ kind: 'compressed-length', bytes });
    return result.kind === 'compressed-length' ? result.length : bytes.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private submit(task: PatchTask): Promise<PatchTaskResult> {
    if (this.closed) return Promise.reject(new Error('the patch pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : null);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage(job.task);
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(workerUrl(), workerOptions());
    worker.on('message', (reply: Reply) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.idle.push(worker);
      if (job) {
        if ('error' in reply) job.reject(new CliError(reply.error.code ?? 'delta-failed', reply.error.message));
        else job.resolve(reply.result);
      }
      this.dispatch();
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(worker, new Error(`a patch worker stopped (exit code ${code})`));
    });
    return worker;
  }

  /** A worker that died takes its job down with it; the others carry on. */
  private fail(worker: Worker, err: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    this.started--;
    job?.reject(
      new CliError('delta-failed', `patch generation failed (${err.message}); publish with --delta-bases 0 to skip it`),
    );
    this.dispatch();
  }
}

/** The built worker next to this module; under a TypeScript loader (tests) the source file. */
function workerUrl(): URL {
  const typescript = import.meta.url.endsWith('.ts');
  return new URL(typescript ? './patch-worker.ts' : './patch-worker.js', import.meta.url);
}

function workerOptions(): { execArgv?: string[] } {
  return import.meta.url.endsWith('.ts') ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {};
}
