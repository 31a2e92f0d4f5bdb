import { decompressWithPrefix, ZSTD_MAX_WINDOW } from './zstd/frame.js';

/**
 * The `zstd-patch-from` patch format (docs/protocol.md §3.6): one standard zstd frame
 * (RFC 8878) compressed with the base file as a raw prefix — what `zstd --patch-from=BASE`
 * writes. It needs no header of its own: the frame declares the new file's size and window.
 */
export const PATCH_FORMAT_ZSTD_PATCH_FROM = 'zstd-patch-from';

/** The largest window (and so the largest base-to-output reach) a device accepts: 128 MiB, zstd's `--long=27`. */
export const ZSTD_PATCH_MAX_WINDOW = ZSTD_MAX_WINDOW;

/**
 * Builds the new file from `base` and a `zstd-patch-from` patch; throws `malformed` for any
 * defect. The output hash is the caller's to check, as for every patch.
 */
export function applyZstdPatch(base: Uint8Array, patch: Uint8Array, newSize: number): Uint8Array {
  return decompressWithPrefix(patch, base, newSize, ZSTD_PATCH_MAX_WINDOW);
}
