// `@updraft/protocol/delta`: the binary-patch formats devices apply (bsdiff-brotli, zstd --patch-from).
export {
  PATCH_CHUNK_BYTES,
  PATCH_FORMAT_BSDIFF_BROTLI,
  PATCH_HEADER_LENGTH,
  PATCH_MAGIC,
  applyPatch,
  applyPatchChunks,
  decodePatchHeader,
  encodeControls,
  encodePatchHeader,
  maxPatchPayload,
  payloadLength,
  writeVarint,
  type PatchControl,
  type PatchHeader,
} from './patch.js';
export { PATCH_FORMAT_ZSTD_PATCH_FROM, ZSTD_PATCH_MAX_WINDOW, applyZstdPatch } from './patch-zstd.js';
