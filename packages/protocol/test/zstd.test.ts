import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UpdraftError } from '../src/index.js';
import { applyZstdPatch } from '../src/delta.js';
import { decompressWithPrefix } from '../src/zstd/frame.js';
import { jsLikePair, prng, randomBytes } from '@updraft/test-kit/bundles';
import { zstdVectorInputs } from './vectors/zstd-vector-inputs.js';

interface Vector {
  name: string;
  patch: string;
}
const stored = (
  JSON.parse(readFileSync(new URL('vectors/zstd-patch-from.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;
const inputs = zstdVectorInputs();
const vectors = inputs.map((input, i) => {
  assert.equal(stored[i]?.name, input.name, 'vectors/zstd-patch-from.json is out of date: regenerate it');
  return {
    ...input,
    old: input.old ?? new Uint8Array(0),
    patch: new Uint8Array(Buffer.from(stored[i]!.patch, 'base64')),
  };
});
const jsVector = vectors[0]!;
const splicedVector = vectors[2]!;

const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const needsZstd = hasZstd ? {} : { skip: 'the zstd tool is not installed (apt-get install zstd)' };

function zstdPatch(old: Uint8Array, next: Uint8Array, args: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-zstd-test-'));
  try {
    writeFileSync(join(dir, 'old'), old);
    writeFileSync(join(dir, 'new'), next);
    execFileSync(
      'zstd',
      ['-q', '-f', ...args, `--patch-from=${join(dir, 'old')}`, join(dir, 'new'), '-o', join(dir, 'p')],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    return new Uint8Array(readFileSync(join(dir, 'p')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertMalformed(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UpdraftError, `expected UpdraftError, got ${String(err)}`);
    assert.equal(err.reason, 'malformed');
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('stored zstd frames (written by the zstd tool) decode with their base as prefix', () => {
  for (const v of vectors) {
    assert.deepEqual(applyZstdPatch(v.old, v.patch, v.next.length), v.next, v.name);
  }
});

test('round trips through the real zstd tool: random and JS-like inputs, levels 1 to 22', needsZstd, () => {
  const r = prng(3);
  const pairs: [Uint8Array, Uint8Array][] = [
    [new Uint8Array(0), randomBytes(500, 1)],
    // (An empty new file crashes zstd 1.5.4 --patch-from; the publisher then keeps bsdiff.)
    [randomBytes(1, 2), randomBytes(1, 2)],
    [randomBytes(40_000, 3), randomBytes(40_000, 3)],
  ];
  for (let t = 0; t < 6; t++) {
    const old = randomBytes(1000 + Math.floor(r() * 50_000), 10 + t);
    const next = old.slice();
    for (let e = 0; e < 20; e++) next[Math.floor(r() * next.length)] = Math.floor(r() * 256);
    pairs.push([old, next]);
  }
  const js = jsLikePair(200_000, 21);
  pairs.push([js.old, js.next], [js.next, js.old]);
  for (const args of [['-1'], ['-3'], ['-19', '--long=27'], ['--ultra', '-22', '--long=27', '--no-check']]) {
    for (const [old, next] of pairs) {
      const patch = zstdPatch(old, next, args);
      assert.deepEqual(applyZstdPatch(old, patch, next.length), next, `${args.join(' ')} ${old.length}→${next.length}`);
    }
  }
});

test('a multi-MB pair with --long=27: matches reach megabytes back into the base', needsZstd, () => {
  const old = randomBytes(4_000_000, 77);
  const next = new Uint8Array(old.length + 1000);
  next.set(old.subarray(2_000_000), 0); // the base's second half first…
  next.set(randomBytes(1000, 78), 2_000_000);
  next.set(old.subarray(0, 2_000_000), 2_001_000); // …then its first half, 4 MB back
  for (let i = 0; i < 50; i++) next[i * 80_000] = next[i * 80_000]! ^ 0x5a;
  const patch = zstdPatch(old, next, ['-19', '--long=27', '--no-check']);
  assert.ok(patch.length < 20_000, `patch is ${patch.length} bytes`);
  assert.deepEqual(applyZstdPatch(old, patch, next.length), next);
  // The same frame against a base missing its first megabyte must fail cleanly, not read outside.
  assertMalformed(() => applyZstdPatch(old.subarray(1_000_000), patch, next.length), /reaches before the base file/);
});

test('offsets that reach before the base file are a clean error, never a read outside it', () => {
  for (const v of [jsVector, splicedVector]) {
    assertMalformed(() => applyZstdPatch(new Uint8Array(0), v.patch, v.next.length), /reaches before the base file/);
    assertMalformed(() => applyZstdPatch(v.old.subarray(v.old.length >> 1), v.patch, v.next.length));
  }
});

test('truncated zstd patches are malformed at every length', () => {
  const { patch, old, next } = jsVector;
  for (let n = 0; n < patch.length; n += n < 64 ? 1 : 13) {
    assertMalformed(() => applyZstdPatch(old, patch.subarray(0, n), next.length));
  }
  const withTail = new Uint8Array(patch.length + 1);
  withTail.set(patch);
  assertMalformed(() => applyZstdPatch(old, withTail, next.length), /bytes after its frame/);
});

test(
  'corrupted zstd patches fail cleanly or yield a wrong file of the signed size (the hash check catches it)',
  { timeout: 60_000 },
  () => {
    const r = prng(99);
    for (const v of vectors) {
      for (let t = 0; t < 150; t++) {
        const bad = v.patch.slice();
        const flips = 1 + Math.floor(r() * 3);
        for (let f = 0; f < flips; f++) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
        let out: Uint8Array | undefined;
        try {
          out = applyZstdPatch(v.old, bad, v.next.length);
        } catch (err) {
          assert.ok(err instanceof UpdraftError && err.reason === 'malformed', `${v.name}: ${String(err)}`);
          continue;
        }
        assert.equal(out.length, v.next.length);
      }
    }
  },
);

test('the frame header is checked against the signed size and the device limits', () => {
  const { patch, old, next } = jsVector;
  assertMalformed(() => applyZstdPatch(old, patch, next.length + 1), /manifest signs/);
  assertMalformed(() => decompressWithPrefix(patch, old, next.length, 1 << 16), /window/);
  const notZstd = patch.slice();
  notZstd[0] = 0;
  assertMalformed(() => applyZstdPatch(old, notZstd, next.length), /magic/);
});

/** A frame built by hand: single segment, 1-byte content size, then the given blocks. */
function handFrame(descriptorExtra: number, size: number, blocks: number[][], dictId?: number): Uint8Array {
  const header = [0x28, 0xb5, 0x2f, 0xfd, 0x20 | descriptorExtra];
  if (dictId !== undefined) header.push(dictId);
  header.push(size);
  return Uint8Array.from([...header, ...blocks.flat()]);
}
const blockHeader = (last: boolean, type: number, size: number) => {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return [v & 0xff, (v >> 8) & 0xff, v >> 16];
};

test('hand-made frames: raw and RLE blocks decode; bad headers and over-long blocks are refused', () => {
  const base = Uint8Array.of(1, 2, 3);
  const good = handFrame(0, 5, [
    [...blockHeader(false, 0, 2), 9, 8],
    [...blockHeader(true, 1, 3), 7],
  ]);
  assert.deepEqual(applyZstdPatch(base, good, 5), Uint8Array.of(9, 8, 7, 7, 7));
  // Blocks that write more than the declared content size.
  assertMalformed(
    () => applyZstdPatch(base, handFrame(0, 2, [[...blockHeader(true, 1, 200), 7]]), 2),
    /over the 2-byte maximum/,
  );
  assertMalformed(
    () => applyZstdPatch(base, handFrame(0, 5, [[...blockHeader(true, 1, 3), 7]]), 5),
    /produced 3 bytes/,
  );
  assertMalformed(() => applyZstdPatch(base, handFrame(0, 3, [[...blockHeader(true, 3, 3), 7]]), 3), /reserved type/);
  assertMalformed(() => applyZstdPatch(base, handFrame(0x08, 3, [[...blockHeader(true, 1, 3), 7]]), 3), /reserved bit/);
  assertMalformed(
    () => applyZstdPatch(base, handFrame(0x01, 3, [[...blockHeader(true, 1, 3), 7]], 42), 3),
    /needs a dictionary/,
  );
  const noSize = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, ...blockHeader(true, 1, 3), 7]);
  assertMalformed(() => applyZstdPatch(base, noSize, 3), /content size/);
  // A 1 KiB window, a 300-byte file (2-byte size field, stored minus 256), a 400-byte block.
  const windowed = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x40, 0x00, 44, 0, ...blockHeader(true, 1, 400), 7]);
  assertMalformed(() => applyZstdPatch(base, windowed, 300), /past the file/);
  // A raw block that claims more bytes than the frame holds.
  assertMalformed(() => applyZstdPatch(base, handFrame(0, 50, [[...blockHeader(true, 0, 50), 1, 2]]), 50), /raw block/);
});
