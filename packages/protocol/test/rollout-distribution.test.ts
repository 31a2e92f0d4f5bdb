import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isInRollout, rolloutBucket } from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/rollout.json', import.meta.url), 'utf8')) as {
  vectors: { salt: string; deviceId: string; bucket: number }[];
};

test('rollout bucket equals an independent node:crypto computation of the DESIGN.md formula', () => {
  for (const v of vectors.vectors) {
    const d = createHash('sha256').update(`${v.salt}:${v.deviceId}`, 'utf8').digest();
    assert.equal(d.readUInt32BE(0) % 10000, v.bucket);
    assert.equal(rolloutBucket(v.salt, v.deviceId), v.bucket);
  }
});

test('100,000 device ids: every percentage within ±0.5 % and strictly monotone', () => {
  const N = 100_000;
  const salt = 'production:ios:1.0.0:7f3a';
  const buckets = new Uint16Array(N);
  for (let i = 0; i < N; i++) buckets[i] = rolloutBucket(salt, `device-${i.toString(36)}-${(i * 2654435761) >>> 0}`);
  // counts[b] = devices in bucket b; included at bp = number of devices with bucket < bp.
  const counts = new Uint32Array(10001);
  for (const b of buckets) counts[b + 1]!++;
  for (let b = 1; b <= 10000; b++) counts[b]! += counts[b - 1]!;
  let worst = 0;
  for (let bp = 0; bp <= 10000; bp += 1) {
    const share = (counts[bp]! / N) * 100;
    const want = bp / 100;
    worst = Math.max(worst, Math.abs(share - want));
    assert.ok(Math.abs(share - want) <= 0.5, `${want}% rolled out to ${share.toFixed(3)}%`);
  }
  assert.ok(worst > 0, 'the measurement is real');
  // Monotone: every device included at a lower percentage stays included at every higher one.
  const steps = [0, 1, 10, 100, 500, 1000, 2500, 5000, 7500, 9900, 9999, 10000];
  let before = new Set<number>();
  for (const bp of steps) {
    const now = new Set<number>();
    for (let i = 0; i < N; i++) if (buckets[i]! < bp) now.add(i);
    for (const i of before) assert.ok(now.has(i), `device ${i} left the rollout when raised to ${bp}`);
    assert.ok(now.size >= before.size);
    if (bp > 0) assert.ok(now.size > before.size, `raising to ${bp} bp adds devices`);
    before = now;
  }
  assert.equal(before.size, N, '100 % includes everyone');
  assert.equal(isInRollout(salt, 'any', 0), false, '0 % includes no one');
});
