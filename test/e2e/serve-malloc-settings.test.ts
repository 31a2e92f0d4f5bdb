import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServerProcess, tempDir } from '@updraft/test-kit/cli';

// `updraft serve` runs itself again, in place, with MALLOC_ARENA_MAX=2 and a fixed mmap
// threshold (packages/cli/src/malloc-settings.ts): the same PID serves, its environment has the
// settings, and an operator's own values are kept.

const canReplace = process.platform === 'linux' && typeof (process as { execve?: unknown }).execve === 'function';
const skip = !canReplace
  ? 'needs Linux and process.execve (Node 22.15+, 24)'
  : process.env['MALLOC_ARENA_MAX'] !== undefined || process.env['GLIBC_TUNABLES'] !== undefined
    ? 'MALLOC_ARENA_MAX or GLIBC_TUNABLES is set in this test run'
    : false;

let work: { path: string; cleanup(): Promise<void> };
before(async () => {
  work = await tempDir('malloc-settings');
});
after(async () => {
  await work?.cleanup();
});

async function environOf(pid: number): Promise<Map<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return new Map(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
  );
}

// glibc cuts its copy of GLIBC_TUNABLES at the first ':' as it parses it, and /proc shows
// that copy; the mmap threshold comes first, so it is what /proc shows.
for (const [given, expected] of [
  [{}, { MALLOC_ARENA_MAX: '2', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' }],
  [{ MALLOC_ARENA_MAX: '8' }, { MALLOC_ARENA_MAX: '8', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' }],
  [
    { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' },
    { MALLOC_ARENA_MAX: '2', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' },
  ],
] as const) {
  test(`serve with ${JSON.stringify(given)} runs with ${JSON.stringify(expected)}, same PID`, { skip }, async () => {
    const server = await startServerProcess(join(work.path, `data-${Object.keys(given).join('-') || 'unset'}`), {
      args: ['--no-jobs'],
      env: given,
    });
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      // The process the test started is the one serving, now with the settings.
      const environ = await environOf(server.child.pid!);
      assert.deepEqual(
        { MALLOC_ARENA_MAX: environ.get('MALLOC_ARENA_MAX'), GLIBC_TUNABLES: environ.get('GLIBC_TUNABLES') },
        expected,
      );
    } finally {
      await server.stop();
    }
  });
}
