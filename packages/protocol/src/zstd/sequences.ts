import { BackwardBitReader } from './bit-reader.js';
import { zstdCorrupt } from './zstd-errors.js';
import { buildFseTable, FseState, readFseCounts, rleFseTable, type FseTable } from './fse.js';

// RFC 8878 §3.1.1.3.2.2: code → (baseline, extra bits).
const LL_BASE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024,
  2048, 4096, 8192, 16384, 32768, 65536,
];
const LL_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
  34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3,
  3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

// RFC 8878 §3.1.1.3.2.2, default distributions.
const LL_DEFAULT = buildFseTable(
  [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1],
  6,
);
const ML_DEFAULT = buildFseTable(
  [
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
  ],
  6,
);
const OF_DEFAULT = buildFseTable(
  [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1],
  5,
);

const LL_MAX = { symbol: 35, log: 9 };
const OF_MAX = { symbol: 31, log: 8 };
const ML_MAX = { symbol: 52, log: 9 };

/** State that lives across the blocks of one frame. */
export interface SequencesState {
  ll: FseTable | null;
  of: FseTable | null;
  ml: FseTable | null;
  /** Repeat offsets, initially 1, 4, 8. */
  rep: [number, number, number];
}

export function newSequencesState(): SequencesState {
  return { ll: null, of: null, ml: null, rep: [1, 4, 8] };
}

/**
 * Where a block writes: `out` is the whole new file (bounded by its signed size), and
 * `prefix` is the base file that sits before its first byte (`--patch-from`).
 */
export interface BlockOutput {
  out: Uint8Array;
  pos: number;
  /** Bytes this block may still write (block maximum and file end, whichever is nearer). */
  limit: number;
  prefix: Uint8Array;
}

function readTable(
  mode: number,
  bytes: Uint8Array,
  at: number,
  end: number,
  previous: FseTable | null,
  fallback: FseTable,
  max: { symbol: number; log: number },
  name: string,
): { table: FseTable; size: number } {
  if (mode === 0) return { table: fallback, size: 0 };
  if (mode === 1) {
    if (at >= end) throw zstdCorrupt(`${name} RLE symbol runs past its block`);
    const s = bytes[at]!;
    if (s > max.symbol) throw zstdCorrupt(`${name} RLE symbol ${s} is out of range`);
    return { table: rleFseTable(s), size: 1 };
  }
  if (mode === 2) {
    const { counts, log, size } = readFseCounts(bytes, at, end, max.log, max.symbol);
    return { table: buildFseTable(counts, log), size };
  }
  if (!previous) throw zstdCorrupt(`${name} table repeats one that was never sent`);
  return { table: previous, size: 0 };
}

/** Decodes the sequences section in [start, end) and executes it into `dst`. */
export function executeSequences(
  bytes: Uint8Array,
  start: number,
  end: number,
  literals: Uint8Array,
  state: SequencesState,
  dst: BlockOutput,
): void {
  if (start >= end) throw zstdCorrupt('block ends before its sequences');
  const b0 = bytes[start]!;
  let at = start + 1;
  let count: number;
  if (b0 < 128) count = b0;
  else if (b0 < 255) {
    if (at >= end) throw zstdCorrupt('sequence count runs past its block');
    count = ((b0 - 128) << 8) + bytes[at++]!;
  } else {
    if (at + 1 >= end) throw zstdCorrupt('sequence count runs past its block');
    count = bytes[at]! + (bytes[at + 1]! << 8) + 0x7f00;
    at += 2;
  }
  if (count === 0) {
    if (at !== end) throw zstdCorrupt('block has bytes after an empty sequences section');
    copyLiterals(literals, 0, literals.length, dst);
    return;
  }
  if (at >= end) throw zstdCorrupt('sequence modes run past their block');
  const modes = bytes[at++]!;
  if ((modes & 3) !== 0) throw zstdCorrupt('sequence modes set reserved bits');
  const ll = readTable(modes >> 6, bytes, at, end, state.ll, LL_DEFAULT, LL_MAX, 'literal-length');
  at += ll.size;
  const of = readTable((modes >> 4) & 3, bytes, at, end, state.of, OF_DEFAULT, OF_MAX, 'offset');
  at += of.size;
  const ml = readTable((modes >> 2) & 3, bytes, at, end, state.ml, ML_DEFAULT, ML_MAX, 'match-length');
  at += ml.size;
  state.ll = ll.table;
  state.of = of.table;
  state.ml = ml.table;

  const reader = new BackwardBitReader(bytes, at, end);
  const llState = new FseState(ll.table, reader);
  const ofState = new FseState(of.table, reader);
  const mlState = new FseState(ml.table, reader);
  const rep = state.rep;
  let litPos = 0;
  for (let i = 0; i < count; i++) {
    const ofCode = ofState.symbol;
    const llCode = llState.symbol;
    const mlCode = mlState.symbol;
    // Extra bits come in this order: offset, match length, literal length.
    const offsetValue = 2 ** ofCode + reader.read(ofCode);
    const matchLength = ML_BASE[mlCode]! + reader.read(ML_BITS[mlCode]!);
    const literalLength = LL_BASE[llCode]! + reader.read(LL_BITS[llCode]!);
    let offset: number;
    if (offsetValue > 3) {
      offset = offsetValue - 3;
      rep[2] = rep[1];
      rep[1] = rep[0];
      rep[0] = offset;
    } else {
      const index = offsetValue - 1 + (literalLength === 0 ? 1 : 0);
      if (index === 0) offset = rep[0];
      else if (index === 1) {
        offset = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      } else {
        offset = index === 2 ? rep[2] : rep[0] - 1 || 1;
        rep[2] = rep[1];
        rep[1] = rep[0];
        rep[0] = offset;
      }
    }
    if (reader.remaining < 0) throw zstdCorrupt('sequences bitstream ends early');
    if (litPos + literalLength > literals.length) throw zstdCorrupt('sequences use more literals than the block has');
    copyLiterals(literals, litPos, literalLength, dst);
    litPos += literalLength;
    copyMatch(offset, matchLength, dst);
    if (i + 1 < count) {
      llState.update();
      mlState.update();
      ofState.update();
    }
  }
  if (reader.remaining !== 0) throw zstdCorrupt('sequences bitstream does not end with its last sequence');
  copyLiterals(literals, litPos, literals.length - litPos, dst);
}

function copyLiterals(literals: Uint8Array, from: number, length: number, dst: BlockOutput): void {
  if (length > dst.limit) throw zstdCorrupt('block writes past its size or the file');
  const { out } = dst;
  let pos = dst.pos;
  if (length < 32) {
    for (let i = 0; i < length; i++) out[pos++] = literals[from + i]!;
  } else {
    out.set(literals.subarray(from, from + length), pos);
    pos += length;
  }
  dst.pos = pos;
  dst.limit -= length;
}

/** Copies a match that may start in the base file (the prefix) and run on into the output. */
function copyMatch(offset: number, length: number, dst: BlockOutput): void {
  if (length > dst.limit) throw zstdCorrupt('block writes past its size or the file');
  const { out, prefix } = dst;
  let pos = dst.pos;
  if (offset > pos + prefix.length) throw zstdCorrupt(`match offset ${offset} reaches before the base file`);
  let from = pos - offset;
  let left = length;
  if (from < 0) {
    const n = Math.min(left, -from);
    const p = prefix.length + from;
    out.set(prefix.subarray(p, p + n), pos);
    pos += n;
    left -= n;
    from = 0;
  }
  if (left > 0) {
    if (pos - from >= left && left >= 32) {
      out.copyWithin(pos, from, from + left);
      pos += left;
    } else {
      for (let i = 0; i < left; i++) out[pos++] = out[from + i]!;
    }
  }
  dst.pos = pos;
  dst.limit -= length;
}
