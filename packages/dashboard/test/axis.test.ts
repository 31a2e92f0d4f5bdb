import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { axisTicks, COUNT_AXIS, decimalsFor, RATE_AXIS, type YAxis } from '../src/components/axis.js';

// The release page's chart axes: whatever the data (all zero, a tiny rate, a large count),
// the ticks start at 0, increase, cover the data without a needless extra step, and their
// labels all differ (an all-zero crash rate once drew five ticks reading "0 %").

/** Data maxima: exactly 0, tiny and subnormal-ish values, and everything up to `max`. */
const maxima = (max: number) =>
  fc.oneof(
    fc.constant(0),
    fc.double({ min: 0, max: 1e-6, noNaN: true }),
    fc.double({ min: 0, max, noNaN: true }),
    fc.integer({ min: 0, max: Math.floor(max) }),
  );

function checkAxis(axis: YAxis, dataMax: number): void {
  const { ticks, step } = axisTicks(dataMax, axis);
  const labels = ticks.map((t) => axis.label(t, step));
  const context = `dataMax ${dataMax}: ${labels.join(' | ')}`;
  assert.equal(ticks[0], 0, context);
  assert.ok(ticks.length >= 2 && ticks.length <= 6, `2 to 6 ticks; ${context}`);
  for (let i = 1; i < ticks.length; i++) {
    assert.ok(ticks[i]! > ticks[i - 1]!, `increasing; ${context}`);
    assert.ok(Math.abs(ticks[i]! - ticks[i - 1]! - step) <= step * 1e-9, `evenly spaced; ${context}`);
  }
  const top = ticks[ticks.length - 1]!;
  assert.ok(top >= dataMax, `covers the data; ${context}`);
  assert.ok(top >= axis.minTop, `reaches the axis' minimum top; ${context}`);
  assert.ok(ticks[ticks.length - 2]! < Math.max(dataMax, axis.minTop), `no needless last step; ${context}`);
  assert.ok(step >= axis.minStep, context);
  assert.equal(new Set(labels).size, labels.length, `distinct labels; ${context}`);
}

test('rate axis: distinct, increasing ticks covering any rate, all-zero and tiny ones included', () => {
  fc.assert(
    fc.property(maxima(10), (m) => checkAxis(RATE_AXIS, m)),
    { numRuns: 2000 },
  );
});

test('count axis: whole-number ticks covering any count', () => {
  fc.assert(
    fc.property(maxima(1e9), (m) => {
      checkAxis(COUNT_AXIS, m);
      const { ticks } = axisTicks(m, COUNT_AXIS);
      assert.ok(ticks.every(Number.isInteger), ticks.join(','));
    }),
    { numRuns: 2000 },
  );
});

test('the cases that were wrong read sensibly', () => {
  const labels = (axis: YAxis, m: number) => {
    const { ticks, step } = axisTicks(m, axis);
    return ticks.map((t) => axis.label(t, step));
  };
  assert.deepEqual(labels(RATE_AXIS, 0), ['0.00 %', '0.25 %', '0.50 %', '0.75 %', '1.00 %']);
  assert.deepEqual(labels(RATE_AXIS, 0.003), ['0.00 %', '0.25 %', '0.50 %', '0.75 %', '1.00 %']);
  assert.deepEqual(labels(RATE_AXIS, 0.3), ['0 %', '10 %', '20 %', '30 %']);
  assert.deepEqual(labels(RATE_AXIS, 0.05), ['0 %', '2 %', '4 %', '6 %']);
  assert.deepEqual(labels(RATE_AXIS, 0.1), ['0.0 %', '2.5 %', '5.0 %', '7.5 %', '10.0 %']);
  assert.deepEqual(labels(COUNT_AXIS, 0), ['0', '1']);
  assert.deepEqual(labels(COUNT_AXIS, 3), ['0', '1', '2', '3']);
  assert.deepEqual(labels(COUNT_AXIS, 8), ['0', '2', '4', '6', '8']);
  assert.deepEqual(labels(COUNT_AXIS, 9), ['0', '5', '10'], 'not 2.5 devices');
  assert.deepEqual(labels(COUNT_AXIS, 90), ['0', '25', '50', '75', '100']);
  assert.equal(decimalsFor(0.25), 2);
  assert.equal(decimalsFor(5), 0);
});
