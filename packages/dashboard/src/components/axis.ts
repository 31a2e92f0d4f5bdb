/**
 * The y axis of the dashboard's charts: ticks from 0 at "nice" steps (1, 2, 2.5 or 5 × 10^k)
 * up to the first tick at or above the data, and labels with just enough decimals to tell
 * the ticks apart. An all-zero or tiny series still gets a readable axis (0 % to 1 %, not
 * five ticks that all read "0 %").
 */

export interface YAxis {
  /** The axis reaches at least this high, whatever the data (an all-zero series included). */
  minTop: number;
  /** Every step is a multiple of this (1 for counts: no "2.5 devices"); itself a nice number. */
  minStep: number;
  /** A tick's label; `step` says how fine the labels must be to differ. */
  label: (value: number, step: number) => string;
}

const MANTISSAS = [1, 2, 2.5, 5, 10];
/** About this many intervals between 0 and the top. */
const INTERVALS = 4;

/** Whether `step` is a whole number of `unit`s (so 2.5 is no step for counts, 25 is). */
function isMultiple(step: number, unit: number): boolean {
  const k = step / unit;
  return Math.abs(k - Math.round(k)) < 1e-9 * Math.max(1, k);
}

/** The smallest nice step (1, 2, 2.5, 5 × 10^k) at or above `raw` that is a multiple of `unit`. */
function niceStep(raw: number, unit: number): number {
  if (raw <= unit) return unit;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const mantissa = MANTISSAS.find((m) => m * magnitude >= raw * (1 - 1e-12) && isMultiple(m * magnitude, unit)) ?? 10;
  return mantissa * magnitude;
}

/** Ticks 0, step, 2·step, … up to the first one at or above `dataMax` (and `axis.minTop`). */
export function axisTicks(dataMax: number, axis: Pick<YAxis, 'minTop' | 'minStep'>): { ticks: number[]; step: number } {
  const top = Math.max(Number.isFinite(dataMax) ? dataMax : 0, axis.minTop);
  const step = niceStep(top / INTERVALS, axis.minStep);
  const n = Math.max(1, Math.ceil(top / step - 1e-9));
  // toPrecision: 3 × 0.1 is 0.30000000000000004, which would read "0.30000000000000004".
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  // The last tick must cover the data even where rounding trimmed it.
  if (ticks[n]! < top) ticks.push(Number(((n + 1) * step).toPrecision(12)));
  return { ticks, step };
}

/** Decimals that show `step` (and so every multiple of it) exactly: 0.25 → 2, 5 → 0. */
export function decimalsFor(step: number): number {
  for (let d = 0; d < 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 12;
}

/** Device counts: whole numbers, at least 0 to 1. */
export const COUNT_AXIS: YAxis = { minTop: 1, minStep: 1, label: (v) => String(Math.round(v)) };

/** Rates (0.05 = 5 %): at least 0 % to 1 %, steps no finer than 0.01 %. */
export const RATE_AXIS: YAxis = {
  minTop: 0.01,
  minStep: 0.0001,
  label: (v, step) => `${(v * 100).toFixed(decimalsFor(step * 100))} %`,
};
