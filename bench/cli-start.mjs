#!/usr/bin/env node
// How long `updraft` takes to start, against `node -e 0` (the floor: Node starting and exiting)
// in the same run. Runs `updraft --version`, `--help` and `publish --help` N times each,
// interleaved with the reference so that load from other jobs falls on all of them alike, and
// prints the median wall time and CPU time (user + system, from the shell's `times`, 10 ms
// ticks) of each, and each one's ratio to `node -e 0`.
//
//   node bench/cli-start.mjs [--runs 30] [--baseline <checkout>]
//
// --baseline: another built checkout of the repository (e.g. main before a change, in a
// temporary worktree): its CLI is measured in the same rounds, so before and after share the
// machine's load.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, baseline: { type: 'string' } },
});
const runs = Number(values.runs);
const root = resolve(import.meta.dirname, '..');

function cliOf(checkout) {
  const bin = join(checkout, 'packages/cli/dist/bin.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build that checkout first (npm run build)`);
  return bin;
}

const clis = [['this checkout', cliOf(root)]];
if (values.baseline) clis.push(['baseline', cliOf(resolve(values.baseline))]);

const cases = [['node -e 0', ['-e', '0']]];
for (const [label, bin] of clis) {
  for (const args of [['--version'], ['--help'], ['publish', '--help']]) {
    cases.push([`${clis.length > 1 ? `${label}: ` : ''}updraft ${args.join(' ')}`, [bin, ...args]]);
  }
}

/** One run: wall time around the shell, and the CPU time of its child (node) from `times`. */
function once(args) {
  const start = performance.now();
  const run = spawnSync(
    '/bin/sh',
    ['-c', '"$@" >/dev/null 2>&1; code=$?; times; exit $code', 'sh', process.execPath, ...args],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const wallMs = performance.now() - start;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  // `times` prints the shell's own times, then its children's: "0m0.080000s 0m0.030000s".
  const children = run.stdout.trim().split('\n').at(-1);
  const [user, sys] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wallMs, cpuMs: (user + sys) * 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const samples = cases.map(() => ({ wall: [], cpu: [] }));
for (const [, args] of cases) once(args); // warm the file cache
const loadBefore = loadavg()[0];
for (let r = 0; r < runs; r++) {
  cases.forEach(([, args], i) => {
    const { wallMs, cpuMs } = once(args);
    samples[i].wall.push(wallMs);
    samples[i].cpu.push(cpuMs);
  });
}
const loadAfter = loadavg()[0];

const ref = { wall: median(samples[0].wall), cpu: median(samples[0].cpu) };
console.log(
  `Node ${process.version}, ${runs} runs of each, interleaved; load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}\n`,
);
console.log('| command | wall median | × node -e 0 | CPU median | × node -e 0 |');
console.log('| --- | ---: | ---: | ---: | ---: |');
cases.forEach(([label], i) => {
  const wall = median(samples[i].wall);
  const cpu = median(samples[i].cpu);
  console.log(
    `| \`${label}\` | ${wall.toFixed(0)} ms | ${(wall / ref.wall).toFixed(2)} | ${cpu.toFixed(0)} ms | ${(cpu / ref.cpu).toFixed(2)} |`,
  );
});
