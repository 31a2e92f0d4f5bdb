import { createHmac, randomBytes } from 'node:crypto';

/**
 * Counting distinct network sources without storing them. Each source address goes through
 * HMAC-SHA-256 under a key that lives in this process's memory only and is replaced every
 * UTC day, so what is stored — one HyperLogLog (register, rank) pair per source, release,
 * channel and minute — cannot be turned back into an address or linked across days.
 * 1,024 registers: small counts (the minimum sources of a guardrail) come out exact in
 * practice (linear counting), large ones within a few percent.
 */

export const SKETCH_BITS = 10;

/**
 * The network source an address stands for: the address itself for IPv4, its /64 for IPv6
 * (one subscriber usually holds a whole /64, so single IPv6 addresses are free to forge).
 */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
const REGISTERS = 1 << SKETCH_BITS;

export class SourceHasher {
  private day = -1;
  private key: Buffer = Buffer.alloc(0);

  constructor(private readonly now: () => number) {}

  /** A 64-bit keyed hash of a source (sourceOf), as a bigint. */
  hash(source: string): bigint {
    const day = Math.floor(this.now() / 86_400_000);
    if (day !== this.day) {
      this.day = day;
      this.key = randomBytes(32);
    }
    return createHmac('sha256', this.key).update(source).digest().readBigUInt64BE(0);
  }
}

/** The register and rank (position of the first 1 bit after the register bits) of a hash. */
export function sketchMark(hash: bigint): { reg: number; rank: number } {
  const reg = Number(hash >> BigInt(64 - SKETCH_BITS));
  const rest = hash & ((1n << BigInt(64 - SKETCH_BITS)) - 1n);
  let rank = 1;
  for (let bit = 64 - SKETCH_BITS - 1; bit >= 0 && ((rest >> BigInt(bit)) & 1n) === 0n; bit--) rank++;
  return { reg, rank };
}

/** The HyperLogLog estimate from the highest rank per register (missing registers are 0). */
export function estimateDistinct(registers: Map<number, number>): number {
  const m = REGISTERS;
  let sum = m - registers.size; // 2^-0 for every empty register
  for (const rank of registers.values()) sum += 2 ** -rank;
  const alpha = 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  const empty = m - registers.size;
  if (raw <= 2.5 * m && empty > 0) return Math.round(m * Math.log(m / empty));
  return Math.round(raw);
}
