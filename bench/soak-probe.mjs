/**
 * Preloaded into the soaked server (`--import`) by bench/soak.ts, never by the product: on
 * SIGUSR2 it forces a full garbage collection and writes the process's memory split as one
 * `soak-probe {json}` line to stderr, so the soak can tell a growing JavaScript heap (a leak)
 * from resident memory the allocator keeps (heap flat after GC). With
 * UPDRAFT_SOAK_SNAPSHOTS=<folder> each probe also writes a heap snapshot there, to diff.
 */
import { getHeapSpaceStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';

setFlagsFromString('--expose-gc');
// V8 settings under trial for the soaked server only (e.g. "--memory-saver-mode").
for (const flag of (process.env.UPDRAFT_SOAK_V8_FLAGS ?? '').split(' ').filter(Boolean)) setFlagsFromString(flag);
const gc = runInNewContext('gc');
let n = 0;
process.on('SIGUSR2', () => {
  const before = process.memoryUsage();
  const newSpaceBefore = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size;
  gc();
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size]));
  const snapshots = process.env.UPDRAFT_SOAK_SNAPSHOTS;
  const snapshot = snapshots ? writeHeapSnapshot(join(snapshots, `heap-${++n}.heapsnapshot`)) : undefined;
  process.stderr.write(
    `soak-probe ${JSON.stringify({ rssBeforeGc: before.rss, heapTotalBeforeGc: before.heapTotal, newSpaceBeforeGc: newSpaceBefore, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, spaces, snapshot })}\n`,
  );
});
