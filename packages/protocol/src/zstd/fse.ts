import { BackwardBitReader, ForwardBitReader } from './bit-reader.js';
import { zstdCorrupt } from './zstd-errors.js';

/** A finite-state-entropy decoding table (RFC 8878 §4.1). */
export interface FseTable {
  log: number;
  symbol: Uint8Array;
  /** Bits to read for the next state. */
  nbBits: Uint8Array;
  /** Next state before adding the bits read. */
  base: Uint16Array;
}

/**
 * Reads an FSE table description (RFC 8878 §4.1.1) starting at `start`; returns the
 * normalized counts (-1 = "less than 1") and the bytes used.
 */
export function readFseCounts(
  bytes: Uint8Array,
  start: number,
  end: number,
  maxLog: number,
  maxSymbol: number,
): { counts: Int16Array; log: number; size: number } {
  const reader = new ForwardBitReader(bytes, start, end);
  const log = reader.read(4) + 5;
  if (log > maxLog) throw zstdCorrupt(`FSE accuracy log ${log} is over ${maxLog}`);
  const counts = new Int16Array(maxSymbol + 1);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let symbol = 0;
  while (remaining > 1) {
    if (symbol > maxSymbol) throw zstdCorrupt('FSE table describes too many symbols');
    const v = reader.peek(nbBits);
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    if ((v & (threshold - 1)) < max) {
      count = v & (threshold - 1);
      reader.skip(nbBits - 1);
    } else {
      count = v & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      reader.skip(nbBits);
    }
    count--;
    remaining -= count < 0 ? -count : count;
    counts[symbol++] = count;
    if (count === 0) {
      // Runs of zero-probability symbols: 2-bit repeat flags, 3 = "three more, and another flag".
      for (;;) {
        const repeat = reader.read(2);
        symbol += repeat;
        if (repeat !== 3) break;
      }
      if (symbol > maxSymbol + 1) throw zstdCorrupt('FSE table zero run passes the last symbol');
    }
    while (remaining < threshold && nbBits > 1) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1) throw zstdCorrupt('FSE probabilities do not add up');
  return { counts, log, size: reader.bytesUsed };
}

/** Builds the decoding table from normalized counts (RFC 8878 §4.1.1, "FSE decoding table"). */
export function buildFseTable(counts: ArrayLike<number>, log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const next = new Uint16Array(counts.length);
  let high = size - 1;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s]!;
    if (c === -1) {
      if (high < 0) throw zstdCorrupt('FSE table has too many low-probability symbols');
      symbol[high--] = s;
      next[s] = 1;
    } else {
      next[s] = c;
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let position = 0;
  for (let s = 0; s < counts.length; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      symbol[position] = s;
      do position = (position + step) & mask;
      while (position > high);
    }
  }
  if (position !== 0) throw zstdCorrupt('FSE probabilities do not fill the table');
  for (let u = 0; u < size; u++) {
    const state = next[symbol[u]!]!++;
    const bits = log - (31 - Math.clz32(state));
    nbBits[u] = bits;
    base[u] = (state << bits) - size;
  }
  return { log, symbol, nbBits, base };
}

/** The one-symbol table of "RLE" mode: every state decodes `s` and reads no bits. */
export function rleFseTable(s: number): FseTable {
  return { log: 0, symbol: Uint8Array.of(s), nbBits: new Uint8Array(1), base: new Uint16Array(1) };
}

/** An FSE decoder state over a backward bitstream. */
export class FseState {
  state = 0;

  constructor(
    readonly table: FseTable,
    private readonly reader: BackwardBitReader,
  ) {
    this.state = reader.read(table.log);
  }

  get symbol(): number {
    return this.table.symbol[this.state]!;
  }

  update(): void {
    const t = this.table;
    this.state = t.base[this.state]! + this.reader.read(t.nbBits[this.state]!);
  }
}
