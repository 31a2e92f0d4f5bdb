import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { get, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { publishArgs, runCli, startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { writeTree } from '@updraft/test-kit/trees';

// `updraft serve --download-rate-per-source <MiB/s>` reaches the server: 4 anonymous downloads
// of a 6 MiB release file from one address get about 1 MiB/s in all. With the default
// (32 MiB/s) they would get the whole 24 MiB in the window. The bound itself is attacked in
// packages/server/test/download-rate.test.ts; this checks the flag.

const MIB = 1024 * 1024;
const APP = 'com.example.rate';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };

before(async () => {
  work = await tempDir('rate');
  server = await startServerProcess(join(work.path, 'data'), {
    args: ['--no-jobs', '--download-rate-per-source', '1'],
  });
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

test('--download-rate-per-source 1: one source gets about 1 MiB/s over all its downloads', async () => {
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work.path, 'keys');
  assert.equal((await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env)).code, 0);
  const big = new Uint8Array(6 * MIB);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const dir = await writeTree(join(work.path, 'v1'), new Map([['index.ios.bundle', big]]));
  const published = await runCli(publishArgs({ dir, app: APP, keys }), env);
  assert.equal(published.code, 0, published.stdout + published.stderr);

  const url = `${server.url}/repo/${APP}/targets/manifests/${createHash('sha256').update(big).digest('hex')}`;
  let bytes = 0;
  const statuses: number[] = [];
  const reqs: ClientRequest[] = Array.from({ length: 4 }, () =>
    get(url, { agent: false }, (res) => {
      statuses.push(res.statusCode ?? 0);
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('error', () => undefined);
    }).on('error', () => undefined),
  );
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 2500));
  const got = bytes;
  const seconds = (performance.now() - started) / 1000;
  for (const r of reqs) r.destroy();
  assert.deepEqual(statuses, [200, 200, 200, 200]);
  // 1 MiB/s plus its 250 ms burst, with room for a loaded machine and one read chunk per stream.
  const allowed = MIB * (seconds * 1.15 + 0.25) + 4 * 256 * 1024;
  assert.ok(
    got <= allowed,
    `${(got / MIB).toFixed(1)} MiB in ${seconds.toFixed(1)} s; at most ${(allowed / MIB).toFixed(1)} MiB`,
  );
  assert.ok(got >= MIB, `only ${(got / MIB).toFixed(1)} MiB in ${seconds.toFixed(1)} s`);
});

test('--download-rate-per-source refuses what is not MiB per second', async () => {
  const res = await runCli([
    'serve',
    '--port',
    '0',
    '--data',
    join(work.path, 'bad'),
    '--download-rate-per-source',
    'fast',
  ]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /--download-rate-per-source must be MiB per second/);
});
