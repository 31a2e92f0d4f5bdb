import { binaryLikePair, jsLikePair, randomBytes } from '@updraft/test-kit/bundles';

export interface ZstdVectorInput {
  name: string;
  /** The base file (`--patch-from`), or null for a plain frame. */
  old: Uint8Array | null;
  next: Uint8Array;
  args: string[];
}

function spliced(seed: number): { old: Uint8Array; next: Uint8Array } {
  const old = randomBytes(30_000, seed);
  const next = new Uint8Array(31_000);
  next.set(old.subarray(15_000), 0);
  next.set(randomBytes(1000, seed + 1), 15_000);
  next.set(old.subarray(0, 15_000), 16_000);
  return { old, next };
}

/** The inputs behind zstd-patch-from.json, rebuilt the same way by the tests. */
export function zstdVectorInputs(): ZstdVectorInput[] {
  const js = jsLikePair(120_000, 5);
  const bin = binaryLikePair(120_000, 5);
  const rnd = spliced(11);
  const plain = jsLikePair(60_000, 9).next;
  return [
    { name: 'js-like, -19 --long=27', ...js, args: ['-19', '--long=27', '--no-check'] },
    { name: 'bytecode-like, -19 --long=27', ...bin, args: ['-19', '--long=27', '--no-check'] },
    { name: 'random spliced, -19 --long=27, with checksum', ...rnd, args: ['-19', '--long=27'] },
    { name: 'js-like, -1', ...js, args: ['-1', '--no-check'] },
    { name: 'plain frame, -3', old: null, next: plain, args: ['-3'] },
    { name: 'plain frame, --ultra -22', old: null, next: plain, args: ['--ultra', '-22', '--no-check'] },
  ];
}
