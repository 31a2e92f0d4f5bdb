import { zstdCorrupt } from './zstd-errors.js';
import { readLiterals, type LiteralsState } from './literals.js';
import { executeSequences, newSequencesState, type BlockOutput } from './sequences.js';

/** The largest block a zstd frame may hold (RFC 8878 §3.1.1.2.4). */
const BLOCK_MAX = 128 * 1024;
/** zstd's default decoder window limit (`ZSTD_WINDOWLOG_LIMIT_DEFAULT` = 27, i.e. `--long=27`). */
export const ZSTD_MAX_WINDOW = 2 ** 27;

export interface FrameHeader {
  windowSize: number;
  contentSize: number;
  hasChecksum: boolean;
  /** Where the first block starts. */
  next: number;
}

function readLE(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

/** Reads a frame header (RFC 8878 §3.1.1.1); the frame must declare its content size. */
export function readFrameHeader(frame: Uint8Array): FrameHeader {
  if (frame.length < 6) throw zstdCorrupt('frame is shorter than its header');
  if (readLE(frame, 0, 4) !== 0xfd2fb528) throw zstdCorrupt('frame does not start with the zstd magic 28 B5 2F FD');
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) throw zstdCorrupt('frame header sets its reserved bit');
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  let at = 5;
  let windowSize = 0;
  if (!singleSegment) {
    const w = frame[at++]!;
    const windowLog = 10 + (w >> 3);
    windowSize = 2 ** windowLog + (2 ** windowLog / 8) * (w & 7);
  }
  if (at + dictIdBytes + fcsBytes > frame.length) throw zstdCorrupt('frame header is truncated');
  // A base file is a raw prefix, never a trained dictionary: a frame naming one is not ours.
  if (dictIdBytes > 0 && readLE(frame, at, dictIdBytes) !== 0) throw zstdCorrupt('frame needs a dictionary');
  at += dictIdBytes;
  if (fcsBytes === 0) throw zstdCorrupt('frame does not declare its content size');
  let contentSize = readLE(frame, at, fcsBytes);
  if (fcsBytes === 2) contentSize += 256;
  at += fcsBytes;
  if (singleSegment) windowSize = contentSize;
  return { windowSize, contentSize, hasChecksum, next: at };
}

/**
 * Decompresses one zstd frame whose matches may reach back into `prefix` — the history
 * `zstd --patch-from=BASE` and `ZSTD_CCtx_refPrefix` compress against. Pure TypeScript.
 *
 * Limits (a device applies patches from the network): the frame must declare exactly
 * `expectedSize` bytes of content and a window of at most `maxWindow` (128 MiB); the output
 * is one buffer of `expectedSize` bytes, so memory stays at base + output + one 128 KiB
 * block; every read is bounds-checked against the frame, the prefix and the output, and any
 * defect throws `malformed`. The optional content checksum (XXH64) is skipped, not checked:
 * the caller checks the output's SHA-256 against the signed manifest.
 */
export function decompressWithPrefix(
  frame: Uint8Array,
  prefix: Uint8Array,
  expectedSize: number,
  maxWindow = ZSTD_MAX_WINDOW,
): Uint8Array {
  const header = readFrameHeader(frame);
  if (header.contentSize !== expectedSize) {
    throw zstdCorrupt(`frame builds ${header.contentSize} bytes; the manifest signs ${expectedSize}`);
  }
  if (header.windowSize > maxWindow) {
    throw zstdCorrupt(`frame window of ${header.windowSize} bytes is over the ${maxWindow}-byte limit`);
  }
  const blockMax = Math.min(BLOCK_MAX, Math.max(header.windowSize, 1));
  const out = new Uint8Array(expectedSize);
  const literalsState: LiteralsState = { huffman: null, buffer: new Uint8Array(blockMax) };
  const sequencesState = newSequencesState();
  const dst: BlockOutput = { out, pos: 0, limit: 0, prefix };
  let at = header.next;
  for (;;) {
    if (at + 3 > frame.length) throw zstdCorrupt('frame ends inside a block header');
    const blockHeader = readLE(frame, at, 3);
    at += 3;
    const last = (blockHeader & 1) === 1;
    const type = (blockHeader >> 1) & 3;
    const size = blockHeader >> 3;
    if (size > blockMax) throw zstdCorrupt(`block of ${size} bytes is over the ${blockMax}-byte maximum`);
    dst.limit = Math.min(blockMax, expectedSize - dst.pos);
    if (type === 0) {
      if (at + size > frame.length) throw zstdCorrupt('raw block runs past the frame');
      if (size > dst.limit) throw zstdCorrupt('block writes past the file');
      out.set(frame.subarray(at, at + size), dst.pos);
      dst.pos += size;
      at += size;
    } else if (type === 1) {
      if (at >= frame.length) throw zstdCorrupt('RLE block runs past the frame');
      if (size > dst.limit) throw zstdCorrupt('block writes past the file');
      out.fill(frame[at]!, dst.pos, dst.pos + size);
      dst.pos += size;
      at += 1;
    } else if (type === 2) {
      const end = at + size;
      if (end > frame.length) throw zstdCorrupt('compressed block runs past the frame');
      const literals = readLiterals(frame, at, end, literalsState);
      executeSequences(frame, literals.next, end, literals.bytes, sequencesState, dst);
      at = end;
    } else {
      throw zstdCorrupt('block has the reserved type 3');
    }
    if (last) break;
  }
  if (header.hasChecksum) at += 4;
  if (at !== frame.length) throw zstdCorrupt('patch has bytes after its frame (or a truncated checksum)');
  if (dst.pos !== expectedSize) throw zstdCorrupt(`frame produced ${dst.pos} bytes, not ${expectedSize}`);
  return out;
}
