#!/usr/bin/env node
// Function coverage of the server's store modules under the store contract suites (SQLite and
// PostgreSQL): every query method should be called by a contract test, on both databases.
// Usage: node scripts/store-coverage.mjs [test files…] (default: the store contract suites).
// Prints one line per module (functions called / functions) and names the functions never
// called; exits 1 when a store method (a named function) was never called.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = process.argv.slice(2);
const tests = files.length
  ? files
  : ['packages/server/test/metadata-store.sqlite.test.ts', 'packages/server/test/metadata-store.postgres.test.ts'];
/** The modules whose every function the contract suites must call. */
const isStoreModule = (path) =>
  /^packages\/server\/src\/persistence\/(kysely\/[^/]+|kysely-[^/]+|(codepush|expo|sourcemaps)\/[a-z]+-kysely-store)\.ts$/.test(
    path,
  );

const dir = mkdtempSync(join(tmpdir(), 'updraft-store-coverage-'));
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', ...tests], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_V8_COVERAGE: dir, NODE_NO_WARNINGS: '1' },
});

/** path → function key → called at least once (V8 lists a function once per script it ran in). */
const modules = new Map();
for (const name of readdirSync(dir)) {
  const { result } = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  for (const script of result) {
    if (!script.url.startsWith('file://')) continue;
    const path = relative(root, fileURLToPath(script.url));
    if (!isStoreModule(path)) continue;
    const fns = modules.get(path) ?? new Map();
    modules.set(path, fns);
    for (const fn of script.functions) {
      // The first range is the whole function; the module's own top-level code has no name and starts at 0.
      const range = fn.ranges[0];
      if (range.startOffset === 0) continue;
      const key = `${fn.functionName || '(anonymous)'}@${range.startOffset}`;
      fns.set(key, (fns.get(key) ?? false) || range.count > 0);
    }
  }
}
rmSync(dir, { recursive: true, force: true });

let missedNamed = 0;
let called = 0;
let total = 0;
for (const [path, fns] of [...modules].sort()) {
  const missed = [...fns].filter(([, hit]) => !hit).map(([key]) => key.split('@')[0]);
  const hit = fns.size - missed.length;
  called += hit;
  total += fns.size;
  missedNamed += missed.filter((n) => n !== '(anonymous)').length;
  const pct = fns.size === 0 ? 100 : (100 * hit) / fns.size;
  console.log(`${pct.toFixed(1).padStart(5)} %  ${String(hit).padStart(3)}/${String(fns.size).padEnd(3)} ${path}`);
  if (missed.length) console.log(`          never called: ${missed.join(', ')}`);
}
console.log(
  `${((100 * called) / Math.max(total, 1)).toFixed(1)} % of ${total} functions in ${modules.size} store modules`,
);
if (run.status !== 0) {
  console.error('the contract suites failed');
  process.exit(1);
}
process.exit(missedNamed > 0 ? 1 : 0);
