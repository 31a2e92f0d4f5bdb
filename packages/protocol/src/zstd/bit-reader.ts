import { zstdCorrupt } from './zstd-errors.js';

/**
 * Reads a zstd forward bitstream (FSE table descriptions, RFC 8878 §4.1.1): little-endian,
 * lowest bits first. Reading past `end` is an error, never a read of other bytes.
 */
export class ForwardBitReader {
  private bit = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Up to 24 bits without consuming them; bits past the end read as 0. */
  peek(n: number): number {
    const byte = this.start + (this.bit >> 3);
    const shift = this.bit & 7;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const at = byte + i;
      if (at < this.end) v |= this.bytes[at]! << (8 * i);
    }
    return (v >>> shift) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.bit += n;
    if (this.bit > (this.end - this.start) * 8) throw zstdCorrupt('table description runs past its block');
  }

  read(n: number): number {
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /** Bytes consumed, rounded up: the next field starts at a byte boundary. */
  get bytesUsed(): number {
    return (this.bit + 7) >> 3;
  }
}

/**
 * Reads a zstd backward bitstream (Huffman streams, sequences; RFC 8878 §4.1): the last
 * byte holds a 1-bit end marker above the data, and fields are read from the highest bits
 * down. Only bytes in [start, end) are ever read; bits below `start` read as 0 and make
 * `remaining` negative, which callers treat as overflow.
 */
export class BackwardBitReader {
  /** Bits not yet read; the next read takes the bits just below this position. */
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {
    if (end <= start) throw zstdCorrupt('bitstream is empty');
    const last = bytes[end - 1]!;
    if (last === 0) throw zstdCorrupt('bitstream has no end marker');
    this.pos = (end - start - 1) * 8 + (31 - Math.clz32(last));
  }

  get remaining(): number {
    return this.pos;
  }

  /** Up to 24 bits at bit offset `at` (relative to `start`). */
  private bitsAt(at: number, n: number): number {
    const byte = this.start + (at >> 3);
    const b = this.bytes;
    if (at >= 0 && byte + 3 < this.end) {
      const v = b[byte]! | (b[byte + 1]! << 8) | (b[byte + 2]! << 16) | (b[byte + 3]! << 24);
      return (v >>> (at & 7)) & ((1 << n) - 1);
    }
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const idx = byte + i;
      if (idx >= this.start && idx < this.end) v |= b[idx]! << (8 * i);
    }
    return (v >>> (at & 7)) & ((1 << n) - 1);
  }

  /** The next `n` (≤ 24) bits without consuming them; missing low bits read as 0. */
  peek(n: number): number {
    return this.bitsAt(this.pos - n, n);
  }

  skip(n: number): void {
    this.pos -= n;
  }

  /** Reads `n` ≤ 32 bits. */
  read(n: number): number {
    if (n === 0) return 0;
    this.pos -= n;
    if (n <= 24) return this.bitsAt(this.pos, n);
    return this.bitsAt(this.pos, 16) + this.bitsAt(this.pos + 16, n - 16) * 65536;
  }
}
