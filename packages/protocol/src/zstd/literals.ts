import { zstdCorrupt } from './zstd-errors.js';
import { decodeHuffmanStream, readHuffmanTable, type HuffmanTable } from './huffman.js';

/** State that lives across the blocks of one frame. */
export interface LiteralsState {
  huffman: HuffmanTable | null;
  /** Reused buffer of at least the block maximum size. */
  buffer: Uint8Array;
}

export interface Literals {
  bytes: Uint8Array;
  /** Where the sequences section starts. */
  next: number;
}

/** Reads the literals section (RFC 8878 §3.1.1.3.1) of the block in [start, end). */
export function readLiterals(bytes: Uint8Array, start: number, end: number, state: LiteralsState): Literals {
  if (start >= end) throw zstdCorrupt('block ends before its literals');
  const b0 = bytes[start]!;
  const type = b0 & 3;
  const sizeFormat = (b0 >> 2) & 3;
  const byte = (i: number): number => {
    if (start + i >= end) throw zstdCorrupt('literals header runs past its block');
    return bytes[start + i]!;
  };

  if (type === 0 || type === 1) {
    let regenerated: number;
    let headerSize: number;
    if (sizeFormat === 0 || sizeFormat === 2) {
      regenerated = b0 >> 3;
      headerSize = 1;
    } else if (sizeFormat === 1) {
      regenerated = (b0 >> 4) + (byte(1) << 4);
      headerSize = 2;
    } else {
      regenerated = (b0 >> 4) + (byte(1) << 4) + (byte(2) << 12);
      headerSize = 3;
    }
    if (regenerated > state.buffer.length) throw zstdCorrupt('literals are larger than a block');
    const at = start + headerSize;
    if (type === 0) {
      if (at + regenerated > end) throw zstdCorrupt('raw literals run past their block');
      return { bytes: bytes.subarray(at, at + regenerated), next: at + regenerated };
    }
    if (at >= end) throw zstdCorrupt('RLE literals run past their block');
    const out = state.buffer.subarray(0, regenerated);
    out.fill(bytes[at]!);
    return { bytes: out, next: at + 1 };
  }

  let regenerated: number;
  let compressed: number;
  let headerSize: number;
  let streams = 4;
  if (sizeFormat === 0 || sizeFormat === 1) {
    if (sizeFormat === 0) streams = 1;
    const b1 = byte(1);
    const b2 = byte(2);
    regenerated = (b0 >> 4) | ((b1 & 0x3f) << 4);
    compressed = (b1 >> 6) | (b2 << 2);
    headerSize = 3;
  } else if (sizeFormat === 2) {
    const b1 = byte(1);
    const b2 = byte(2);
    const b3 = byte(3);
    regenerated = (b0 >> 4) | (b1 << 4) | ((b2 & 3) << 12);
    compressed = (b2 >> 2) | (b3 << 6);
    headerSize = 4;
  } else {
    const b1 = byte(1);
    const b2 = byte(2);
    const b3 = byte(3);
    const b4 = byte(4);
    regenerated = (b0 >> 4) | (b1 << 4) | ((b2 & 0x3f) << 12);
    compressed = (b2 >> 6) | (b3 << 2) | (b4 << 10);
    headerSize = 5;
  }
  if (regenerated > state.buffer.length) throw zstdCorrupt('literals are larger than a block');
  let at = start + headerSize;
  const streamsEnd = at + compressed;
  if (streamsEnd > end) throw zstdCorrupt('compressed literals run past their block');
  if (type === 2) {
    const { table, size } = readHuffmanTable(bytes, at, streamsEnd);
    state.huffman = table;
    at += size;
  } else if (!state.huffman) {
    throw zstdCorrupt('literals reuse a Huffman table that was never sent');
  }
  const table = state.huffman;
  const out = state.buffer.subarray(0, regenerated);
  if (streams === 1) {
    decodeHuffmanStream(table, bytes, at, streamsEnd, out, 0, regenerated);
  } else {
    if (at + 6 > streamsEnd) throw zstdCorrupt('literals jump table runs past its block');
    const s1 = bytes[at]! | (bytes[at + 1]! << 8);
    const s2 = bytes[at + 2]! | (bytes[at + 3]! << 8);
    const s3 = bytes[at + 4]! | (bytes[at + 5]! << 8);
    at += 6;
    if (at + s1 + s2 + s3 > streamsEnd) throw zstdCorrupt('literals streams run past their block');
    const segment = Math.floor((regenerated + 3) / 4);
    const last = regenerated - 3 * segment;
    if (last < 0) throw zstdCorrupt('literals are too few for four streams');
    decodeHuffmanStream(table, bytes, at, at + s1, out, 0, segment);
    decodeHuffmanStream(table, bytes, at + s1, at + s1 + s2, out, segment, segment);
    decodeHuffmanStream(table, bytes, at + s1 + s2, at + s1 + s2 + s3, out, 2 * segment, segment);
    decodeHuffmanStream(table, bytes, at + s1 + s2 + s3, streamsEnd, out, 3 * segment, last);
  }
  return { bytes: out, next: streamsEnd };
}
