// The inputs of the big-publish benchmarks (bench/publish-big.mjs, bench/patch-one-base.mjs):
// which real npm bundles make up the "app", and how they are concatenated to a size, so both
// benchmarks measure the same bytes.

/** [package, old version, new version, file in the package] */
export const PAIRS = [
  ['react-dom', '18.2.0', '18.3.1', 'umd/react-dom.production.min.js'],
  ['moment', '2.29.4', '2.30.1', 'min/moment.min.js'],
  ['echarts', '5.5.0', '5.5.1', 'dist/echarts.min.js'],
  ['three', '0.150.0', '0.160.0', 'build/three.min.js'],
];

/** The parts repeated (with a numbered separator, as a bundler's module ids) up to `bytes`. */
export function concatenated(parts, bytes) {
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let round = 0; at < bytes; round++) {
    for (const part of parts) {
      at += Buffer.from(`\n/*module ${round}*/\n`).copy(out, at);
      at += part.copy(out, at, 0, Math.min(part.length, bytes - at));
      if (at >= bytes) break;
    }
  }
  return out;
}
