import { repoPaths, UpdraftError, type FilePatch, type ManifestFile } from '@updraft/protocol';
import {
  applyPatchChunks,
  applyZstdPatch,
  decodePatchHeader,
  maxPatchPayload,
  PATCH_FORMAT_BSDIFF_BROTLI,
  PATCH_FORMAT_ZSTD_PATCH_FROM,
  PATCH_HEADER_LENGTH,
  payloadLength,
} from '@updraft/protocol/delta';
import { decompress as pureBrotliDecompress } from 'brotli/decompress';
import type { BaseFiles, BaseLocation } from './bases.js';
import { toUpdraftError } from './guard.js';
import { STAGING_DIR } from '../state/layout.js';
import type { BrotliDecoder, Hasher, Storage } from '../ports/ports.js';
import type { Repository } from './repository.js';
import type { PatchFailureReport } from '../types.js';

/** A patch the device tried and gave up on; the file was then downloaded in full. */
export type PatchFailure = PatchFailureReport;

export interface PatchContext {
  repo: Repository;
  storage: Storage;
  hasher: Hasher;
  brotli: BrotliDecoder;
  bases: BaseFiles;
  counter: { bytesDownloaded: number };
  onFailure: (failure: PatchFailure) => void;
}

/**
 * The pure-JS decoder (the `brotli` package's decode-only part). It may grow its output
 * past `outputLength` for a stream that lies about its size, so it only ever sees patches
 * whose SHA-256 already matched the signed manifest; the length is checked after.
 */
export const pureBrotliDecoder: BrotliDecoder = {
  decompress(input, outputLength) {
    let out: Uint8Array;
    try {
      out = pureBrotliDecompress(input, outputLength);
    } catch (err) {
      throw new UpdraftError('malformed', `patch: brotli stream does not decode (${(err as Error).message})`);
    }
    if (out.length !== outputLength) {
      throw new UpdraftError('malformed', `patch: brotli stream holds ${out.length} bytes, not ${outputLength}`);
    }
    return out;
  },
};

const KNOWN_FORMATS = new Set([PATCH_FORMAT_BSDIFF_BROTLI, PATCH_FORMAT_ZSTD_PATCH_FROM]);

/**
 * Builds `file` at `dest` from a listed patch whose base the device holds. Tries each
 * usable patch in turn; any failure (network, size, hash, corrupt patch, wrong base) is
 * reported and leaves nothing at `dest`, so the caller downloads the full file.
 */
export async function fetchByPatch(ctx: PatchContext, file: ManifestFile, dest: string): Promise<boolean> {
  for (const patch of file.patches ?? []) {
    if (!KNOWN_FORMATS.has(patch.format)) continue; // a newer format this device does not know
    const base = ctx.bases.get(patch.from);
    if (!base) continue;
    const temp = `${STAGING_DIR}/.patch-${patch.sha256}`;
    try {
      await applyOne(ctx, file, patch, base, temp, dest);
      return true;
    } catch (err) {
      const error = toUpdraftError(err, 'storage');
      await ctx.storage.remove(dest).catch(() => undefined);
      ctx.onFailure({
        path: file.path,
        from: patch.from,
        patch: patch.sha256,
        reason: error.reason,
        message: error.message,
      });
    } finally {
      await ctx.storage.remove(temp).catch(() => undefined);
    }
  }
  return false;
}

async function applyOne(
  ctx: PatchContext,
  file: ManifestFile,
  patch: FilePatch,
  base: BaseLocation,
  temp: string,
  dest: string,
): Promise<void> {
  const { storage, hasher } = ctx;
  // The signed length caps the download: a longer answer stops at length + 1 byte.
  const got = await ctx.repo.download(repoPaths.file(patch.sha256), storage.resolve(temp), patch.length);
  const written = got.bytesWritten;
  ctx.counter.bytesDownloaded += written;
  const sha256 = got.sha256 ?? (await hasher.sha256File(storage.resolve(temp)));
  if (written !== patch.length || sha256.toLowerCase() !== patch.sha256) {
    throw new UpdraftError(
      'hash',
      `patch ${patch.sha256} for ${file.path} does not match its signed length and SHA-256`,
    );
  }
  const bytes = await storage.readFile(temp);
  if (!bytes) throw new UpdraftError('storage', `patch ${patch.sha256} vanished after download`);
  const old = await ctx.bases.read(base);
  if (!old) throw new UpdraftError('storage', `the base file ${patch.from} of ${file.path} is gone`);
  if (patch.format === PATCH_FORMAT_ZSTD_PATCH_FROM) {
    // Matches may reach anywhere back into the file built so far: it stays in memory whole.
    await storage.writeFileAtomic(dest, applyZstdPatch(old, bytes, file.length));
  } else {
    await applyBsdiff(ctx, file, bytes, old, dest);
  }
  // The base may have been damaged since it was verified: only the output hash counts.
  if ((await hasher.sha256File(storage.resolve(dest))).toLowerCase() !== file.sha256) {
    throw new UpdraftError('hash', `${file.path} built from patch ${patch.sha256} does not match its signed SHA-256`);
  }
}

async function applyBsdiff(
  ctx: PatchContext,
  file: ManifestFile,
  bytes: Uint8Array,
  old: Uint8Array,
  dest: string,
): Promise<void> {
  const { storage } = ctx;
  const header = decodePatchHeader(bytes, file.length, maxPatchPayload(file.length));
  const payload = await ctx.brotli.decompress(bytes.subarray(PATCH_HEADER_LENGTH), payloadLength(header));
  if (payload.length !== payloadLength(header)) {
    throw new UpdraftError(
      'malformed',
      `patch: brotli stream holds ${payload.length} bytes, not ${payloadLength(header)}`,
    );
  }
  const chunks = applyPatchChunks(old, payload, header);
  if (storage.writeFileChunks) await storage.writeFileChunks(dest, chunks);
  else await storage.writeFileAtomic(dest, join(chunks, file.length));
}

function join(chunks: Iterable<Uint8Array>, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
