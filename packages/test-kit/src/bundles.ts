/**
 * Deterministic "real-like" bundles for delta tests: minified-JS-like text and a
 * bytecode-like binary with offset tables, plus an edited next version of each. Real npm
 * bundles are measured in bench/delta.mjs; tests need something small, fast and offline.
 */

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function randomBytes(length: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(r() * 256));
}

const WORDS = [
  'render',
  'state',
  'props',
  'value',
  'update',
  'node',
  'child',
  'effect',
  'hook',
  'queue',
  'lane',
  'fiber',
];

function fn(r: () => number, i: number, rename: string): string {
  const w = (k: number) => WORDS[Math.floor(r() * WORDS.length)]! + (k % 7);
  return `function ${rename}${i}(a,b){var c=${w(i)}(a);if(c.${w(i + 1)}>${Math.floor(r() * 1000)})return b.${w(i + 2)}(c,"${w(i + 3)}");for(var d=0;d<a.length;d++)c=${w(i + 4)}(c,a[d]);return c}`;
}

/** Minified-JS-like text of about `size` bytes, and a next version with renames, inserts and deletions. */
export function jsLikePair(size: number, seed: number): { old: Uint8Array; next: Uint8Array } {
  const parts: string[] = [];
  const r = prng(seed);
  for (let i = 0, length = 0; length < size; i++) {
    parts.push(fn(r, i, 'f'));
    length += parts[i]!.length;
  }
  const r2 = prng(seed + 1);
  const nextParts = parts.flatMap((p, i) => {
    const roll = r2();
    if (roll < 0.03) return []; // deleted
    if (roll < 0.06) return [p, fn(r2, i + 100000, 'g')]; // inserted after
    if (roll < 0.12) return [p.replace(/>\d+\)/, `>${Math.floor(r2() * 1000)})`)]; // constant changed
    return [p];
  });
  const enc = new TextEncoder();
  return { old: enc.encode(parts.join(';')), next: enc.encode(nextParts.join(';').replace(/\bf(\d)/g, 'h$1')) };
}

/** Bytecode-like records (opcode, operands, a 32-bit offset table that shifts when code is inserted). */
export function binaryLikePair(size: number, seed: number): { old: Uint8Array; next: Uint8Array } {
  const r = prng(seed);
  const records: number[][] = [];
  let total = 0;
  while (total < size) {
    const rec = Array.from({ length: 8 + Math.floor(r() * 24) }, () => Math.floor(r() * 64));
    records.push(rec);
    total += rec.length + 4;
  }
  const build = (recs: number[][]): Uint8Array => {
    const out: number[] = [];
    let offset = 0;
    for (const rec of recs) {
      out.push(offset & 0xff, (offset >> 8) & 0xff, (offset >> 16) & 0xff, offset >>> 24, ...rec);
      offset += rec.length;
    }
    return Uint8Array.from(out);
  };
  const r2 = prng(seed + 7);
  const edited = records.flatMap((rec) => {
    const roll = r2();
    if (roll < 0.02) return [rec, Array.from({ length: 12 }, () => Math.floor(r2() * 64))];
    if (roll < 0.04) return [rec.map((b, i) => (i === 3 ? (b + 1) & 63 : b))];
    return [rec];
  });
  return { old: build(records), next: build(edited) };
}
