import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServerProcess, tempDir } from '@updraft/test-kit/cli';

// `updraft serve` runs itself again, in place, with MALLOC_ARENA_MAX=2 (packages/cli/src/malloc-arenas.ts):
// the same PID serves, its environment has the setting, and an operator's own value is kept.

const canReplace = process.platform === 'linux' && typeof (process as { execve?: unknown }).execve === 'function';
const skip = !canReplace
  ? 'needs Linux and process.execve (Node 22.15+, 24)'
  : process.env['MALLOC_ARENA_MAX'] !== undefined
    ? 'MALLOC_ARENA_MAX is set in this test run'
    : false;

let work: { path: string; cleanup(): Promise<void> };
before(async () => {
  work = await tempDir('malloc-arenas');
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

for (const [given, expected] of [
  [undefined, '2'],
  ['8', '8'],
] as const) {
  test(`serve with MALLOC_ARENA_MAX ${given ?? 'unset'} runs with ${expected} arenas, same PID`, { skip }, async () => {
    const server = await startServerProcess(join(work.path, `data-${given ?? 'unset'}`), {
      args: ['--no-jobs'],
      env: given === undefined ? {} : { MALLOC_ARENA_MAX: given },
    });
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      // The process the test started is the one serving, now with the setting.
      assert.equal((await environOf(server.child.pid!)).get('MALLOC_ARENA_MAX'), expected);
    } finally {
      await server.stop();
    }
  });
}
