import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { publishOnce, seedApp, served, startLoad, unexpected } from '@updraft/test-kit/outage-load';
import { skipOrFail, startS3, type S3Service } from '@updraft/test-kit/services';
import { startTcpProxy, type TcpProxy } from '@updraft/test-kit/tcp-proxy';

// The blob store goes away for 20 s under load. The S3 server is shared, so the server under
// test reaches it through a TCP proxy this test owns, and the proxy is what goes away. The
// process never exits; requests that need the blobs answer 503 with Retry-After, device
// checks (database only) keep being answered, and service is whole 2 s after S3 returns.

const APP = 'com.example.outage.s3';
let s3: S3Service | string = 'not started';
let proxy: TcpProxy | undefined;
let server: ServerProcess | undefined;
let work: { path: string; cleanup(): Promise<void> } | undefined;

after(async () => {
  await server?.stop();
  await proxy?.stop();
  if (typeof s3 !== 'string') await s3.stop();
  await work?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('S3 away for 20 s: no exit, 503 for blobs while away, full service 2 s after', async (t) => {
  s3 = await startS3();
  if (typeof s3 === 'string') return skipOrFail(t, 'S3 outage', s3);
  work = await tempDir('outage-s3');
  const bucket = await s3.createBucket();
  const target = new URL(s3.endpoint);
  proxy = await startTcpProxy(target.hostname, Number(target.port));
  const endpoint = `http://127.0.0.1:${proxy.port}`;
  server = await startServerProcess(join(work.path, 'server'), {
    args: ['--blobs', `s3://${bucket}/blobs`, '--s3-endpoint', endpoint, '--s3-path-style'],
    env: { ...s3.env, AWS_ENDPOINT_URL: '' },
  });
  let exited: number | null = null;
  server.child.on('exit', (code) => (exited = code ?? -1));
  const keys = join(work.path, 'keys');
  await seedApp(server, APP, keys, work.path);
  const file = createHash('sha256').update('console.log("v1")').digest('hex');
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

  const load = startLoad(server, APP, keys, work.path, `targets/files/${file}`);
  try {
    await sleep(2000);
    await proxy.cut();
    const down = Date.now();
    await sleep(3000);
    const unready = await fetch(`${server.url}/readyz`);
    assert.equal(unready.status, 503, 'readyz says the blob store is away');
    assert.equal(((await unready.json()) as { blobStore: string }).blobStore, 'unavailable');
    await sleep(20_000 - (Date.now() - down));
    await proxy.restore();
    const back = Date.now();
    await sleep(6000);
    await load.stop();

    assert.equal(exited, null, 'the server process is still running');
    assert.deepEqual(unexpected(load.outcomes), [], 'only successes and 503s with Retry-After');
    const during = load.outcomes.filter((o) => o.at > down + 5000 && o.at < back);
    const files503 = during.filter((o) => o.kind === 'file' && o.status === 503);
    assert.ok(files503.length > 5, `file downloads answered 503 while S3 was away (${files503.length})`);
    const checks = during.filter((o) => o.kind === 'check' || o.kind === 'root' || o.kind === 'admin');
    assert.ok(
      checks.length > 10 && checks.every(served),
      `checks and admin reads (database only) were answered throughout: ${checks.length} while away, otherwise: ${JSON.stringify(checks.filter((o) => !served(o)).slice(0, 5))}`,
    );
    const after2s = load.outcomes.filter((o) => o.at > back + 2000 && o.kind !== 'publish');
    assert.ok(after2s.some((o) => o.kind === 'file'));
    assert.deepEqual(
      after2s.filter((o) => !served(o)),
      [],
      'full service within 2 s of S3 returning',
    );
    await publishOnce(server, APP, keys, work.path, 'after');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  } finally {
    await load.stop();
  }
});
