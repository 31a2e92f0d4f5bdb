import { parentPort } from 'node:worker_threads';
import { CliError } from '../output.js';
import { brotli, budgetBrotliQuality } from './encode.js';
import { smallestPatch } from './smallest-patch.js';
import type { PatchTask, PatchTaskResult } from './patch-pool.js';

// One worker thread of the PatchPool: generates and self-checks patches, and brotli-compresses
// files for the size budget, so the CLI's own thread stays free for requests and progress.

const port = parentPort;
if (!port) throw new Error('patch-worker.js runs as a worker thread of the updraft CLI');

port.on('message', (task: PatchTask) => {
  void run(task).then(
    (result) => port.postMessage({ result }),
    (err: unknown) =>
      port.postMessage({
        error: { message: (err as Error).message ?? String(err), code: err instanceof CliError ? err.code : undefined },
      }),
  );
});

async function run(task: PatchTask): Promise<PatchTaskResult> {
  if (task.kind === 'compressed-length') {
    return { kind: 'compressed-length', length: brotli(task.bytes, budgetBrotliQuality(task.bytes.length)).length };
  }
  return { kind: 'patch', candidate: await smallestPatch(task.old, task.next, task.nextSha256, task.path) };
}
