import { BackwardBitReader } from './bit-reader.js';
import { zstdCorrupt } from './zstd-errors.js';
import { buildFseTable, readFseCounts } from './fse.js';

const MAX_HUFFMAN_BITS = 11;

/** A Huffman decoding table indexed by the next `maxBits` bits (RFC 8878 §4.2). */
export interface HuffmanTable {
  maxBits: number;
  symbol: Uint8Array;
  nbBits: Uint8Array;
}

/** Weights compressed with FSE: two interleaved states over one backward bitstream (§4.2.1.2). */
function fseWeights(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const { counts, log, size } = readFseCounts(bytes, start, end, 6, 255);
  const table = buildFseTable(counts, log);
  const reader = new BackwardBitReader(bytes, start + size, end);
  const weights: number[] = [];
  let state1 = reader.read(log);
  let state2 = reader.read(log);
  for (;;) {
    if (weights.length > 254) throw zstdCorrupt('Huffman description has more than 255 weights');
    weights.push(table.symbol[state1]!);
    state1 = table.base[state1]! + reader.read(table.nbBits[state1]!);
    if (reader.remaining < 0) {
      weights.push(table.symbol[state2]!);
      break;
    }
    weights.push(table.symbol[state2]!);
    state2 = table.base[state2]! + reader.read(table.nbBits[state2]!);
    if (reader.remaining < 0) {
      weights.push(table.symbol[state1]!);
      break;
    }
  }
  if (weights.length > 255) throw zstdCorrupt('Huffman description has more than 255 weights');
  return Uint8Array.from(weights);
}

/** Reads a Huffman tree description at `start`; returns the table and the bytes used. */
export function readHuffmanTable(bytes: Uint8Array, start: number, end: number): { table: HuffmanTable; size: number } {
  if (start >= end) throw zstdCorrupt('literals end before their Huffman description');
  const header = bytes[start]!;
  let weights: Uint8Array;
  let size: number;
  if (header < 128) {
    size = 1 + header;
    if (start + size > end) throw zstdCorrupt('Huffman description runs past its block');
    weights = fseWeights(bytes, start + 1, start + size);
  } else {
    const count = header - 127;
    size = 1 + ((count + 1) >> 1);
    if (start + size > end) throw zstdCorrupt('Huffman description runs past its block');
    weights = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const b = bytes[start + 1 + (i >> 1)]!;
      weights[i] = i % 2 === 0 ? b >> 4 : b & 15;
    }
  }
  return { table: tableFromWeights(weights), size };
}

function tableFromWeights(given: Uint8Array): HuffmanTable {
  let sum = 0;
  for (const w of given) {
    if (w > MAX_HUFFMAN_BITS) throw zstdCorrupt(`Huffman weight ${w} is over ${MAX_HUFFMAN_BITS}`);
    if (w > 0) sum += 1 << (w - 1);
  }
  if (sum === 0) throw zstdCorrupt('Huffman weights are all zero');
  const maxBits = 32 - Math.clz32(sum);
  if (maxBits > MAX_HUFFMAN_BITS) throw zstdCorrupt('Huffman codes are longer than 11 bits');
  const rest = (1 << maxBits) - sum;
  if ((rest & (rest - 1)) !== 0) throw zstdCorrupt('Huffman weights do not form a complete code');
  // The last symbol's weight is implied: whatever completes the code.
  const weights = new Uint8Array(given.length + 1);
  weights.set(given);
  weights[given.length] = 32 - Math.clz32(rest);

  const size = 1 << maxBits;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  let at = 0;
  for (let w = 1; w <= maxBits; w++) {
    const span = 1 << (w - 1);
    for (let s = 0; s < weights.length; s++) {
      if (weights[s] !== w) continue;
      symbol.fill(s, at, at + span);
      nbBits.fill(maxBits + 1 - w, at, at + span);
      at += span;
    }
  }
  if (at !== size) throw zstdCorrupt('Huffman weights do not fill the table');
  return { maxBits, symbol, nbBits };
}

/** Decodes exactly `count` literals from one stream in [start, end) into out[at..]. */
export function decodeHuffmanStream(
  table: HuffmanTable,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  count: number,
): void {
  const reader = new BackwardBitReader(bytes, start, end);
  const { maxBits, symbol, nbBits } = table;
  for (let i = 0; i < count; i++) {
    const index = reader.peek(maxBits);
    out[at + i] = symbol[index]!;
    reader.skip(nbBits[index]!);
  }
  if (reader.remaining !== 0) throw zstdCorrupt('Huffman stream does not end where its literals do');
}
