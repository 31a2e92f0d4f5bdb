import assert from 'node:assert/strict';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { test } from 'node:test';
import { canonicalBytes, parseManifest } from '@updraft/protocol';
import {
  applyPatch,
  decodePatchHeader,
  encodeControls,
  encodePatchHeader,
  maxPatchPayload,
  payloadLength,
  PATCH_HEADER_LENGTH,
} from '@updraft/protocol/delta';
import { pureBrotliDecoder } from '@updraft/client';
import { createPatch, applyPatchNode } from '../src/delta/encode.js';
import { suffixArray } from '../src/delta/suffix-array.js';
import { binaryLikePair, jsLikePair, prng, randomBytes } from '@updraft/test-kit/bundles';

function naiveSuffixArray(b: Uint8Array): number[] {
  const idx = [...Array(b.length + 1).keys()];
  return idx.sort((x, y) => {
    const n = Math.min(b.length - x, b.length - y);
    for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return b[x + i]! - b[y + i]!;
    return b.length - x - (b.length - y);
  });
}

test('SA-IS matches a naive suffix sort on small random and repetitive inputs', () => {
  const r = prng(42);
  for (let t = 0; t < 300; t++) {
    const alphabet = 1 + Math.floor(r() * 4);
    const b = Uint8Array.from({ length: Math.floor(r() * 80) }, () => Math.floor(r() * alphabet));
    assert.deepEqual(Array.from(suffixArray(b)), naiveSuffixArray(b), `input ${Array.from(b).join(',')}`);
  }
});

function roundTrip(old: Uint8Array, next: Uint8Array): Uint8Array {
  const patch = createPatch(old, next);
  assert.deepEqual(applyPatchNode(old, patch, next.length), next);
  // The device's pure-JS path gives the same bytes.
  const header = decodePatchHeader(patch, next.length, maxPatchPayload(next.length));
  const payload = pureBrotliDecoder.decompress(
    patch.subarray(PATCH_HEADER_LENGTH),
    payloadLength(header),
  ) as Uint8Array;
  assert.deepEqual(applyPatch(old, payload, header), next);
  return patch;
}

test('round trips on random inputs, including empty, identical and unrelated files', () => {
  const r = prng(7);
  roundTrip(new Uint8Array(0), new Uint8Array(0));
  roundTrip(new Uint8Array(0), randomBytes(100, 1));
  roundTrip(randomBytes(100, 2), new Uint8Array(0));
  roundTrip(randomBytes(5000, 3), randomBytes(5000, 3));
  roundTrip(randomBytes(3000, 4), randomBytes(4000, 5));
  for (let t = 0; t < 60; t++) {
    const old = randomBytes(Math.floor(r() * 4000), 100 + t);
    const next = old.slice();
    for (let k = 0; k < 10; k++) next[Math.floor(r() * next.length)] = Math.floor(r() * 256);
    const cut = Math.floor(r() * next.length);
    const joined = new Uint8Array([
      ...next.subarray(0, cut),
      ...randomBytes(Math.floor(r() * 300), t),
      ...next.subarray(cut),
    ]);
    roundTrip(old, joined);
  }
});

test('real-like JS and bytecode edits give patches far smaller than the compressed file', () => {
  for (const { old, next } of [jsLikePair(200_000, 11), binaryLikePair(200_000, 12)]) {
    const patch = roundTrip(old, next);
    const full = brotliCompressSync(next).length;
    assert.ok(patch.length * 4 < full, `patch ${patch.length} bytes vs brotli full ${full}`);
  }
});

test('the header is checked against the signed size and the payload cap before decompressing', () => {
  const { old, next } = jsLikePair(20_000, 3);
  const patch = createPatch(old, next);
  assert.throws(() => decodePatchHeader(patch, next.length + 1, maxPatchPayload(next.length)), /builds \d+ bytes/);
  assert.throws(() => decodePatchHeader(patch.subarray(0, 10), next.length, Infinity), /shorter than/);
  const badMagic = patch.slice();
  badMagic[0] = 0;
  assert.throws(() => decodePatchHeader(badMagic, next.length, Infinity), /magic/);
  const header = encodePatchHeader({ controlLength: 10 ** 9, diffLength: 1, extraLength: 0, newSize: 1 });
  assert.throws(() => decodePatchHeader(header, 1, maxPatchPayload(1)), /over the cap/);
});

test('a control stream that reads or writes out of bounds is refused as malformed', () => {
  const old = randomBytes(100, 1);
  const cases = [
    { controls: [{ add: 50, copy: 0, seek: 0 }], diff: 40, extra: 0, newSize: 40 }, // reads past diff
    { controls: [{ add: 0, copy: 30, seek: 0 }], diff: 0, extra: 20, newSize: 20 }, // past extra
    { controls: [{ add: 10, copy: 0, seek: 0 }], diff: 20, extra: 0, newSize: 20 }, // leaves diff unused
  ];
  for (const c of cases) {
    const control = encodeControls(c.controls);
    const header = { controlLength: control.length, diffLength: c.diff, extraLength: c.extra, newSize: c.newSize };
    const payload = new Uint8Array(payloadLength(header));
    payload.set(control);
    assert.throws(
      () => applyPatch(old, payload, header),
      (e: Error & { reason?: string }) => e.reason === 'malformed',
    );
  }
  // A payload whose length disagrees with the header.
  const header = { controlLength: 3, diffLength: 5, extraLength: 0, newSize: 5 };
  assert.throws(() => applyPatch(old, new Uint8Array(4), header), /payload is 4 bytes/);
  // The node decoder stops at the declared size.
  const bomb = brotliCompressSync(new Uint8Array(1 << 20));
  assert.throws(() => brotliDecompressSync(bomb, { maxOutputLength: 1000 }));
});

test('manifests with and without patches parse; old manifests stay byte-identical', () => {
  const base = {
    schema: 'updraft.release/1',
    appId: 'a',
    releaseId: 'r1',
    platform: 'ios',
    runtimeVersion: '1',
    versionCode: 1,
    epoch: 0,
    launch: 'x.js',
    createdAt: '2030-01-01T00:00:00Z',
    files: [{ path: 'x.js', sha256: 'a'.repeat(64), length: 3, contentType: 'application/javascript' }],
  };
  assert.deepEqual(canonicalBytes(parseManifest(base)), canonicalBytes(base));
  const patch = { from: 'b'.repeat(64), sha256: 'c'.repeat(64), length: 10, format: 'bsdiff-brotli' };
  const withPatch = { ...base, files: [{ ...base.files[0]!, patches: [patch] }] };
  assert.deepEqual(parseManifest(withPatch).files[0]!.patches, [patch]);
  assert.throws(
    () => parseManifest({ ...base, files: [{ ...base.files[0]!, patches: [{ ...patch, length: 0 }] }] }),
    /length/,
  );
  assert.throws(
    () => parseManifest({ ...base, files: [{ ...base.files[0]!, patches: [{ ...patch, from: 'x' }] }] }),
    /from/,
  );
});
