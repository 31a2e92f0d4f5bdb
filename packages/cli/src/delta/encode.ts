import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import {
  applyPatch,
  decodePatchHeader,
  encodeControls,
  encodePatchHeader,
  payloadLength,
  PATCH_HEADER_LENGTH,
} from '@updraft/protocol';
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
  const body = brotli(payload);
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
