import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNodeClient } from '../src/ports/node/node-adapter.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import { sendRange, sendWhole, serveTestRepo } from '@updraft/test-kit/served-repo';
import type { TestRepo } from '@updraft/test-kit/test-repo';
import { tempDir } from './helpers/setup.js';

/** Resumable downloads over real HTTP on 127.0.0.1: a server that cuts the first transfer, and honours Range. */

interface Served {
  repo: TestRepo;
  ranges: (string | undefined)[];
  cutNext: { value: boolean };
}

async function serve(): Promise<Served> {
  const ranges: (string | undefined)[] = [];
  const cutNext = { value: false };
  const repo = await serveTestRepo((req, res, bytes) => {
    if (!req.url!.includes('/targets/files/')) return sendWhole(res, bytes);
    ranges.push(req.headers.range);
    if (sendRange(req, res, bytes)) return;
    res.writeHead(200, { 'content-length': String(bytes.length) });
    if (!cutNext.value) return void res.end(bytes);
    cutNext.value = false;
    // Half the file, flushed, then the connection dies.
    res.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => res.socket?.destroy(), 50));
  });
  return { repo, ranges, cutNext };
}

const payload = new Uint8Array(400_000).map((_, i) => (i * 31) % 256);

async function clientFor(repo: TestRepo, dir: string) {
  return createNodeClient({
    dir,
    ...repo.deviceTarget(),
    trustedRoot: repo.root(1),
    allowInsecureLocalhost: true,
    readyTimeoutMs: 0,
  });
}

test('an interrupted download resumes with a Range request and the file is hash-verified', async () => {
  const { repo, ranges, cutNext } = await serve();
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  const dir = await tempDir();
  cutNext.value = true;

  const first = await (await clientFor(repo, dir)).sync();
  assert.equal(first.status, 'failed', first.message);
  assert.equal(first.bytesDownloaded, 0);
  assert.deepEqual(await readdir(join(dir, 'downloads')).then((f) => f.length), 1, 'the partial file is kept');

  const second = await (await clientFor(repo, dir)).sync();

  assert.equal(second.status, 'updated', second.message);
  assert.equal(second.bytesDownloaded, payload.length / 2);
  assert.deepEqual(ranges, [undefined, `bytes=${payload.length / 2}-`]);
  assert.deepEqual(await readdir(join(dir, 'downloads')), []);
  const launch = await (await clientFor(repo, dir)).launch();
  assert.equal(launch.releaseId, 'r1');
});

test('a damaged partial file is caught by the hash and fetched again in full, in the same cycle', async () => {
  const { repo, ranges } = await serve();
  const { fileSha256 } = repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  const dir = await tempDir();
  const storage = new NodeStorage(dir);
  await storage.writeFileAtomic(`downloads/${fileSha256['main.js']}`, new Uint8Array(1000).fill(9));

  const result = await (await clientFor(repo, dir)).sync();

  assert.equal(result.status, 'updated', result.message);
  assert.deepEqual(ranges, ['bytes=1000-', undefined]);
  assert.equal(result.bytesDownloaded, payload.length - 1000 + payload.length);
});

test('a partial file longer than the signed length is discarded, not resumed', async () => {
  const { repo, ranges } = await serve();
  const { fileSha256 } = repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  const dir = await tempDir();
  await new NodeStorage(dir).mkdirp('downloads');
  await writeFile(join(dir, 'downloads', fileSha256['main.js']!), new Uint8Array(payload.length + 5));

  const result = await (await clientFor(repo, dir)).sync();

  assert.equal(result.status, 'updated', result.message);
  assert.deepEqual(ranges, [undefined]);
});

test('NodeStorage reports file sizes and free space', async () => {
  const s = new NodeStorage(await tempDir());
  await s.writeFileAtomic('a/b.bin', new Uint8Array(123));
  assert.equal(await s.fileSize('a/b.bin'), 123);
  assert.equal(await s.fileSize('a/none'), null);
  assert.equal(await s.fileSize('a'), null);
  const free = await s.freeBytes();
  assert.ok(typeof free === 'number' && free > 0);
});
