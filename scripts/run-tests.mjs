#!/usr/bin/env node
// Runs every test file (unit and end-to-end) with node's test runner and ends with the line
// `N passed, N failed` that CI reads. Usage: node scripts/run-tests.mjs [filter-substring …]
// (a file runs when its path contains any of the substrings).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const allFiles = [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))].map((f) => relative(root, f));
const files = allFiles.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  // node --test given no files would fall back to its own discovery (every test/**/*.js, the
  // React Native fixture app's included) and run something else entirely.
  console.error(
    `no test file matches ${filters.map((x) => `"${x}"`).join(' or ')}: give part of a path under packages/ or test/`,
  );
  process.exit(2);
}

// At least two files at once (node's default, cores - 1, is one on two cores): most of a file's
// time is spent waiting on the processes it starts (the CLI, servers, PostgreSQL, nginx,
// Chromium) or on timers (outages, rate windows), so a second file fills that time. Files
// share no port or folder (free ports, their own temp folders; their own bucket on S3).
const concurrency = process.env.UPDRAFT_TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism() - 1));

// Longest first, so that no long file starts last and runs alone at the end: each file's time
// in the last run that included it (kept under node_modules/.cache), else a guess by kind.
const durationsFile = join(root, 'node_modules/.cache/updraft-tests/durations.json');
let durations = {};
try {
  durations = JSON.parse(readFileSync(durationsFile, 'utf8'));
} catch {
  // First run here: the guesses order it.
}
const estimate = (f) => durations[f] ?? (f.startsWith('test/e2e/') ? 10_000 : 2_000);
files.sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b));

const countDir = mkdtempSync(join(tmpdir(), 'updraft-tests-'));
const countFile = join(countDir, 'counts.json');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    // A hung test (a server that never answers, a promise never settled) fails after 15 minutes
    // instead of holding CI until its own limit.
    '--test-timeout=900000',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/count-reporter.mjs')}`,
    `--test-reporter-destination=${countFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
let counts = { passed: 0, failed: 1, skipped: 0 };
try {
  counts = JSON.parse(readFileSync(countFile, 'utf8'));
} catch {
  console.error('the test runner wrote no counts; treating the run as failed');
}
rmSync(countDir, { recursive: true, force: true });
if (counts.durations) {
  for (const [file, ms] of Object.entries(counts.durations)) {
    durations[isAbsolute(file) ? relative(root, file) : file] = Math.round(ms);
  }
  // A test is reported where test() was called: tests a shared helper defines (the contract
  // suites, the tree property) are not timed per test file, and those files keep the guess.
  const kept = Object.fromEntries(allFiles.filter((f) => f in durations).map((f) => [f, durations[f]]));
  try {
    mkdirSync(join(durationsFile, '..'), { recursive: true });
    writeFileSync(durationsFile, `${JSON.stringify(kept, null, 1)}\n`);
  } catch {
    // Only the order of the next run depends on it.
  }
}
if (result.status !== 0 && counts.failed === 0) counts.failed = 1;
const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`);
process.exit(counts.failed > 0 || result.status !== 0 ? 1 : 0);
