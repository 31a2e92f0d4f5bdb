/** Small statistics the benchmarks share: quantiles and a least-squares slope with an interval. */

export const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The q-quantile of an ascending array (nearest rank, no interpolation); NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Least-squares slope of y over x with a 95 % interval. Successive samples are correlated
 * (RSS moves in steps), so the interval is widened by the lag-1 autocorrelation of the
 * residuals (effective sample size n·(1−r)/(1+r)); it is a guide, not a proof.
 */
export function slopeWithInterval(xs: number[], ys: number[]): { slope: number; low: number; high: number; n: number } {
  const n = xs.length;
  const b = slope(xs, ys);
  if (n < 4) return { slope: b, low: NaN, high: NaN, n };
  const mx = xs.reduce((a, v) => a + v, 0) / n;
  const my = ys.reduce((a, v) => a + v, 0) / n;
  const res = xs.map((x, i) => ys[i]! - (my + b * (x - mx)));
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const sse = res.reduce((a, r) => a + r * r, 0);
  let r1num = 0;
  for (let i = 1; i < n; i++) r1num += res[i]! * res[i - 1]!;
  const r1 = sse === 0 ? 0 : Math.max(0, Math.min(0.99, r1num / sse));
  const nEff = Math.max(3, (n * (1 - r1)) / (1 + r1));
  const se = Math.sqrt(sse / (n - 2) / sxx) * Math.sqrt(n / nEff);
  const half = 1.96 * se;
  return { slope: b, low: b - half, high: b + half, n };
}
