import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeServing, formatBytes, releaseState, type ReleaseServing } from '../src/index.js';

const on = (basisPoints: number, halted = false): ReleaseServing => ({
  channel: 'production',
  platform: 'ios',
  runtimeVersion: '1.0.0',
  basisPoints,
  halted,
});

test('a release state names what devices get: 100 % is serving, a halt and a disable win', () => {
  assert.equal(releaseState(null, [on(10_000)]), 'serving');
  assert.equal(releaseState(null, [on(9_999)]), 'rolling-out');
  assert.equal(releaseState(null, [on(10_000), on(2_500)]), 'rolling-out');
  assert.equal(releaseState(null, [on(10_000), on(2_500, true)]), 'halted');
  assert.equal(releaseState('2026-01-01T00:00:00Z', [on(10_000)]), 'disabled');
  assert.equal(releaseState(null, []), 'superseded');
  assert.equal(describeServing(on(2_500, true)), 'production 25 % halted');
  assert.deepEqual([0, 1536, 3 * 1024 * 1024].map(formatBytes), ['0 B', '1.5 KiB', '3.0 MiB']);
});
