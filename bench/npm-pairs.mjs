// The real bundle pairs the delta benchmarks share, and how they are fetched: `npm pack` into
// bench/.cache (gitignored, never committed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const cache = join(root, 'bench/.cache');

/** [package, older version, newer version, the bundle file inside the package]. */
export const PAIRS = [
  ['react-dom', '18.2.0', '18.3.1', 'umd/react-dom.production.min.js'],
  ['moment', '2.29.4', '2.30.1', 'min/moment.min.js'],
  ['echarts', '5.5.0', '5.5.1', 'dist/echarts.min.js'],
  ['echarts', '5.4.3', '5.5.1', 'dist/echarts.min.js'],
  ['three', '0.150.0', '0.160.0', 'build/three.min.js'],
];

export function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28, ...opts });
}

/** `npm pack` a package into the cache and unpack it; returns the package folder. */
export function fetchPackage(spec) {
  const dir = join(cache, spec.replace(/[@/]/g, '_'));
  if (existsSync(join(dir, 'package/package.json'))) return join(dir, 'package');
  mkdirSync(dir, { recursive: true });
  const name = sh('npm', ['pack', spec, '--silent', '--pack-destination', dir]).toString().trim().split('\n').pop();
  sh('tar', ['xzf', join(dir, name), '-C', dir]);
  return join(dir, 'package');
}
