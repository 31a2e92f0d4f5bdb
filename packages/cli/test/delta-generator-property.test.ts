import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyPatch, encodeControls } from '@updraft/protocol/delta';
import { bsdiff, foundPos, prefixIndex, search } from '../src/delta/bsdiff.js';
import { suffixArray } from '../src/delta/suffix-array.js';

// Property tests of the patch generator: whatever the old and new bytes, the streams bsdiff
// makes rebuild exactly the new bytes with the device's applyPatch, and the suffix array is
// the sorted order of all suffixes. Small alphabets make long repeats and many equal
// prefixes, where the search's shortcuts (prefix buckets, skipped common prefixes) matter.

function naiveSuffixArray(b: Uint8Array): number[] {
  const idx = [...Array(b.length + 1).keys()];
  return idx.sort((x, y) => {
    const n = Math.min(b.length - x, b.length - y);
    for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return b[x + i]! - b[y + i]!;
    return b.length - x - (b.length - y);
  });
}

function rebuild(old: Uint8Array, next: Uint8Array): Uint8Array {
  const { controls, diff, extra } = bsdiff(old, next);
  const control = encodeControls(controls);
  const payload = new Uint8Array(control.length + diff.length + extra.length);
  payload.set(control, 0);
  payload.set(diff, control.length);
  payload.set(extra, control.length + diff.length);
  const header = {
    controlLength: control.length,
    diffLength: diff.length,
    extraLength: extra.length,
    newSize: next.length,
  };
  return applyPatch(old, payload, header);
}

const bytesOver = (alphabet: number, maxLength: number) =>
  fc.uint8Array({ min: 0, max: alphabet - 1, maxLength }).map((b) => Uint8Array.from(b));

/** A new file made from the old one as releases change bundles: pieces of old (moved, repeated), edits, new bytes. */
const edited = (old: Uint8Array) =>
  fc
    .array(
      fc.oneof(
        fc.record({ from: fc.nat(), length: fc.nat({ max: 400 }) }),
        fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.from(b)),
      ),
      { maxLength: 12 },
    )
    .chain((pieces) =>
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }).map((flips) => {
        const parts = pieces.map((p) =>
          p instanceof Uint8Array
            ? p
            : old.subarray(
                Math.min(p.from % (old.length + 1), old.length),
                Math.min((p.from % (old.length + 1)) + p.length, old.length),
              ),
        );
        const next = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          next.set(p, at);
          at += p.length;
        }
        for (const [i, v] of flips) if (next.length > 0) next[i % next.length] = v;
        return next;
      }),
    );

test('the suffix array is the sorted order of all suffixes (random bytes over 1 to 256 letters)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 256 }).chain((k) => bytesOver(k, 300)),
      (b) => {
        assert.deepEqual(Array.from(suffixArray(b)), naiveSuffixArray(b));
      },
    ),
    { numRuns: 300 },
  );
});

test('bsdiff streams rebuild the new bytes exactly: unrelated random files', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 256 }).chain((k) => fc.tuple(bytesOver(k, 2000), bytesOver(k, 2000))),
      ([old, next]) => {
        assert.deepEqual(rebuild(old, next), next);
      },
    ),
    { numRuns: 300 },
  );
});

test('bsdiff streams rebuild the new bytes exactly: new files edited from the old one', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 256 })
        .chain((k) => bytesOver(k, 3000).chain((old) => fc.tuple(fc.constant(old), edited(old)))),
      ([old, next]) => {
        assert.deepEqual(rebuild(old, next), next);
      },
    ),
    { numRuns: 300 },
  );
});

test('the search finds a longest match of every position (against a brute-force scan)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 256 }).chain((k) => fc.tuple(bytesOver(k, 400), bytesOver(k, 60))),
      ([old, next]) => {
        const sa = suffixArray(old);
        const index = prefixIndex(old);
        for (let at = 0; at < next.length; at++) {
          let best = 0;
          for (let p = 0; p < old.length; p++) {
            let l = 0;
            while (p + l < old.length && at + l < next.length && old[p + l] === next[at + l]) l++;
            best = Math.max(best, l);
          }
          const length = search(sa, index, old, next, at);
          assert.equal(length, best, `at ${at}`);
          assert.deepEqual(old.subarray(foundPos, foundPos + length), next.subarray(at, at + length));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('an unchanged file is one long add of zero differences, with nothing extra', () => {
  const old = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251);
  const { controls, diff, extra } = bsdiff(old, old);
  assert.equal(extra.length, 0);
  assert.ok(diff.every((d) => d === 0));
  assert.equal(
    controls.reduce((n, c) => n + c.add, 0),
    old.length,
  );
});
