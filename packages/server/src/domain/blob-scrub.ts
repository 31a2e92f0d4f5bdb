import { createHash } from 'node:crypto';
import type { BlobStore } from '../blobs/blobs.js';
import type { Ports } from '../persistence/persistence.js';

export type BlobProblem = 'missing' | 'length' | 'hash';

export interface DamagedBlob {
  sha256: string;
  /** The length recorded at upload. */
  length: number;
  problem: BlobProblem;
  /** What the store holds, when it holds something. */
  actualLength?: number;
  /** True when --repair deleted it (a missing blob has nothing to delete). */
  deleted?: boolean;
}

export interface ScrubReport {
  checked: number;
  bytesChecked: number;
  damaged: DamagedBlob[];
  repaired: boolean;
}

const PAGE = 500;

/**
 * Reads every recorded blob (all, or one app's) back from the blob store and checks its
 * length and SHA-256. With `repair`, a damaged blob is deleted: the server then reports it
 * missing, and the next publish that contains the file uploads it again (devices get a 404
 * for it meanwhile instead of bytes that fail their hash check).
 */
export async function scrubBlobs(opts: {
  store: Ports<'releases'>;
  blobs: BlobStore;
  appId?: string;
  repair?: boolean;
  onBlob?: (checked: number) => void;
}): Promise<ScrubReport> {
  const report: ScrubReport = { checked: 0, bytesChecked: 0, damaged: [], repaired: opts.repair === true };
  let after: string | undefined;
  for (;;) {
    const page = await opts.store.releases.listBlobs({
      limit: PAGE,
      ...(opts.appId !== undefined ? { appId: opts.appId } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    for (const blob of page) {
      const found = await checkBlob(opts.blobs, blob.sha256, blob.length);
      report.checked++;
      report.bytesChecked += found.actualLength ?? 0;
      opts.onBlob?.(report.checked);
      if (found.problem === null) continue;
      const damaged: DamagedBlob = { sha256: blob.sha256, length: blob.length, problem: found.problem };
      if (found.actualLength !== undefined) damaged.actualLength = found.actualLength;
      if (opts.repair && found.problem !== 'missing') {
        await opts.blobs.delete(blob.sha256);
        damaged.deleted = true;
      }
      report.damaged.push(damaged);
    }
    if (page.length < PAGE) return report;
    after = page[page.length - 1]!.sha256;
  }
}

async function checkBlob(
  blobs: BlobStore,
  sha256: string,
  length: number,
): Promise<{ problem: BlobProblem | null; actualLength?: number }> {
  const opened = await blobs.createReadStream(sha256);
  if (!opened) return { problem: 'missing' };
  const hash = createHash('sha256');
  let actualLength = 0;
  for await (const chunk of opened.stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    actualLength += chunk.length;
  }
  if (actualLength !== length) return { problem: 'length', actualLength };
  return { problem: hash.digest('hex') === sha256 ? null : 'hash', actualLength };
}
