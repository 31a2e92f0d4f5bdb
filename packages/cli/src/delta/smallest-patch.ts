import { createHash } from 'node:crypto';
import {
  applyZstdPatch,
  decodePatchHeader,
  maxPatchPayload,
  PATCH_FORMAT_BSDIFF_BROTLI,
  PATCH_FORMAT_ZSTD_PATCH_FROM,
  payloadLength,
} from '@updraft/protocol/delta';
import { CliError } from '../output.js';
import { applyPatchNode, createPatch } from './encode.js';
import { startZstdPatch } from './zstd.js';

export interface Candidate {
  format: string;
  bytes: Uint8Array;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Both formats for one (base, file) pair, each applied here as the device would before it
 * counts; the smaller wins. A bsdiff patch that does not rebuild the file is our bug and
 * stops the publish; a zstd frame our decoder refuses (say, a window over its limit) is just
 * not used. The zstd process runs while this thread makes the bsdiff patch.
 */
export async function smallestPatch(
  old: Uint8Array,
  next: Uint8Array,
  nextSha256: string,
  path: string,
): Promise<Candidate | null> {
  const candidates: Candidate[] = [];
  const zstdRun = await startZstdPatch(old, next);
  const bsdiff = createPatch(old, next);
  const header = decodePatchHeader(bsdiff, next.length, Number.MAX_SAFE_INTEGER);
  if (payloadLength(header) <= maxPatchPayload(next.length)) {
    if (sha256(applyPatchNode(old, bsdiff, next.length)) !== nextSha256) {
      throw new CliError(
        'delta-self-check',
        `the patch for ${path} does not rebuild it; publish with --delta-bases 0 and report this`,
      );
    }
    candidates.push({ format: PATCH_FORMAT_BSDIFF_BROTLI, bytes: bsdiff });
  }
  const zstd = await zstdRun.done;
  if (zstd && zstd.length < (candidates[0]?.bytes.length ?? Infinity)) {
    let rebuilt: Uint8Array | null = null;
    try {
      rebuilt = applyZstdPatch(old, zstd, next.length);
    } catch {
      rebuilt = null;
    }
    if (rebuilt && sha256(rebuilt) === nextSha256)
      candidates.push({ format: PATCH_FORMAT_ZSTD_PATCH_FROM, bytes: zstd });
  }
  return candidates.reduce<Candidate | null>((a, c) => (a && a.bytes.length <= c.bytes.length ? a : c), null);
}
