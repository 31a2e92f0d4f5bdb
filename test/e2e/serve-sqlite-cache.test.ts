import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';

// `updraft serve --sqlite-cache <MiB>` reaches the SQLite connection: the startup log line
// reports the page cache the database was opened with (the default otherwise), and a value
// that is not MiB is a usage error before anything opens.

let work: { path: string; cleanup(): Promise<void> };

before(async () => {
  work = await tempDir('sqlite-cache');
});
after(async () => {
  await work?.cleanup();
});

function startupConfig(stdout: string): Record<string, unknown> {
  const line = stdout.split('\n').find((l) => l.includes('"msg":"starting"'));
  assert.ok(line, `no startup log line in:\n${stdout}`);
  return (JSON.parse(line) as { config: Record<string, unknown> }).config;
}

for (const [flag, kib] of [
  [[], 2048],
  [['--sqlite-cache', '16'], 16_384],
  [['--sqlite-cache', '0.5'], 512],
] as const) {
  test(`serve ${flag.join(' ') || '(default)'}: SQLite opens with a ${kib} KiB page cache`, async () => {
    const server = await startServerProcess(join(work.path, `data-${kib}`), {
      args: ['--no-jobs', ...flag],
      env: { UPDRAFT_LOG_LEVEL: 'info' },
    });
    try {
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(startupConfig(server.stdout()).sqlitePageCacheKib, kib);
    } finally {
      await server.stop();
    }
  });
}

for (const bad of ['lots', '-1', '', '100000']) {
  test(`serve --sqlite-cache "${bad}" is a usage error`, async () => {
    const res = await runCli(['serve', '--port', '0', '--data', join(work.path, 'bad'), '--sqlite-cache', bad]);
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /--sqlite-cache must be MiB from 0 to 65536/);
  });
}
