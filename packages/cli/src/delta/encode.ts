import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import {
  applyPatch,
  decodePatchHeader,
  encodeControls,
  encodePatchHeader,
  payloadLength,
  PATCH_HEADER_LENGTH,
} from '@updraft/protocol/delta';
import { bsdiff } from './bsdiff.js';

/** Window 24 (16 MiB) is the largest standard brotli window: every decoder, the pure-JS one too, reads it. */
export function brotli(bytes: Uint8Array, quality = 11): Uint8Array {
  return new Uint8Array(
    brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
}

/**
 * Brotli's best quality costs about 0.8 s of CPU per MB of patch payload (the diff stream is
 * as long as the new file): fine for a bundle of a few MB, minutes for three bases of a 30 MB
 * one. Above 4 MiB quality 9: a seventh of the CPU of quality 10 (0.5 s against 3.6 s for a
 * 10 MB Hermes bundle's 11 MB payload) for 6 % more bytes (docs/benchmarks.md).
 */
export function patchBrotliQuality(payloadLength: number): number {
  return payloadLength <= 4 * 1024 * 1024 ? 11 : 9;
}

/**
 * The quality a file is measured at for the patch budget (a patch is kept when at most half
 * of it): what a device would download instead. Servers and CDNs compress big files on the
 * fly at a fast level (updraft serve: brotli 5 above 1 MiB), so a big file's budget is
 * measured at 5, which also costs a tenth of quality 11 (12 s of CPU for 10 MB).
 */
export function budgetBrotliQuality(fileLength: number): number {
  return fileLength <= 1024 * 1024 ? 11 : 5;
}

/** A `bsdiff-brotli` patch (protocol.md §3.5) that turns `old` into `next`. */
export function createPatch(old: Uint8Array, next: Uint8Array): Uint8Array {
  const { controls, diff, extra } = bsdiff(old, next);
  const control = encodeControls(controls);
  const payload = new Uint8Array(control.length + diff.length + extra.length);
  payload.set(control, 0);
  payload.set(diff, control.length);
  payload.set(extra, control.length + diff.length);
  const header = encodePatchHeader({
    controlLength: control.length,
    diffLength: diff.length,
    extraLength: extra.length,
    newSize: next.length,
  });
  const body = brotli(payload, patchBrotliQuality(payload.length));
  const patch = new Uint8Array(header.length + body.length);
  patch.set(header, 0);
  patch.set(body, header.length);
  return patch;
}

/** Applies a patch with node:zlib: the Node side of the device (and the publisher's self-check). */
export function applyPatchNode(old: Uint8Array, patch: Uint8Array, newSize: number): Uint8Array {
  const header = decodePatchHeader(patch, newSize, Number.MAX_SAFE_INTEGER);
  const payload = new Uint8Array(
    brotliDecompressSync(patch.subarray(PATCH_HEADER_LENGTH), { maxOutputLength: Math.max(payloadLength(header), 1) }),
  );
  return applyPatch(old, payload, header);
}
