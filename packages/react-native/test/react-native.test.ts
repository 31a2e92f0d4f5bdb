import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeStorage } from '@updraft/client/node';
import { sendRange, sendWhole, serveTestRepo } from '@updraft/test-kit/served-repo';
import type { TestRepo } from '@updraft/test-kit/test-repo';
import { deviceDir as tempDir } from '@updraft/test-kit/device-dir';
import { Updraft, UPDRAFT_FOLDER } from '../src/updraft.js';
import { FakeNativeModule, fakeBlobUtil, nativeBoot } from './fake-platform.js';

// Honours Range, so an interrupted download can resume.
const servedRepo = () => serveTestRepo((req, res, bytes) => sendRange(req, res, bytes) || sendWhole(res, bytes));

function appOn(repo: TestRepo, documentDir: string, native = new FakeNativeModule(), policy = {}) {
  const updraft = new Updraft(
    {
      ...repo.deviceTarget(),
      trustedRoot: new TextDecoder().decode(repo.root(1)),
      allowInsecureLocalhost: true,
      readyTimeoutMs: 0,
      policy,
    },
    { blob: fakeBlobUtil(documentDir), native },
  );
  return { updraft, native };
}

const rel = (n: number, text: string, mandatory = false) => ({
  releaseId: `r${n}`,
  versionCode: n,
  launch: 'main.jsbundle',
  files: { 'main.jsbundle': text, 'assets/icon.png': 'PNG' },
  mandatory,
});

test('install, native boot into a trial, notifyAppReady() confirms', async () => {
  const repo = await servedRepo();
  repo.publish(rel(1, 'bundle 1'));
  const docs = await tempDir();

  assert.equal(await nativeBoot(docs), null, 'a fresh install runs the embedded bundle');
  const first = appOn(repo, docs);
  await first.updraft.start(); // default policy: check on launch, install at next launch
  assert.equal(first.updraft.getSnapshot().lastSync?.status, 'updated');
  assert.equal(first.native.restarts, 0);

  const launched = await nativeBoot(docs);
  assert.equal(await readFile(launched!, 'utf8'), 'bundle 1');
  const second = appOn(repo, docs);
  await second.updraft.start();
  assert.deepEqual(second.updraft.getSnapshot().status?.trial, { releaseId: 'r1', versionCode: 1 });
  await second.updraft.notifyAppReady();
  assert.deepEqual((await second.updraft.client.status()).confirmed, { releaseId: 'r1', versionCode: 1 });
  assert.equal(await nativeBoot(docs), launched);
});

test('a bundle that crashes before any JavaScript runs is rolled back by the native rule', async () => {
  const repo = await servedRepo();
  repo.publish(rel(1, 'good'));
  const docs = await tempDir();
  await appOn(repo, docs).updraft.start();
  await nativeBoot(docs);
  const a = appOn(repo, docs);
  await a.updraft.start();
  await a.updraft.notifyAppReady();
  repo.publish(rel(2, 'throw new Error("crash at load")'));
  await appOn(repo, docs).updraft.sync();

  const trial = await nativeBoot(docs);
  assert.equal(await readFile(trial!, 'utf8'), 'throw new Error("crash at load")');
  // …the bundle dies at load: no JavaScript of ours ever runs. Next start:
  const back = await nativeBoot(docs);
  assert.equal(await readFile(back!, 'utf8'), 'good');
  const b = appOn(repo, docs);
  const rollbacks: unknown[] = [];
  b.updraft.on('rollback', (e) => rollbacks.push(e));
  await b.updraft.start();
  assert.deepEqual(rollbacks, [{ releaseId: 'r2', versionCode: 2, cause: 'crash', launchPath: back }]);
  const status = await b.updraft.client.status();
  assert.deepEqual(status.failed, [{ releaseId: 'r2', versionCode: 2 }]);
  assert.equal(b.updraft.getSnapshot().lastSync?.status, 'up-to-date', 'r2 is not downloaded again');
});

test('a mandatory release restarts through the native module; the hook store sees phases and progress', async () => {
  const repo = await servedRepo();
  repo.publish(rel(1, 'x'.repeat(5000), true));
  const docs = await tempDir();
  const { updraft, native } = appOn(repo, docs);
  const phases: string[] = [];
  let progressSeen = 0;
  updraft.subscribe(() => {
    const s = updraft.getSnapshot();
    if (phases.at(-1) !== s.phase) phases.push(s.phase);
    if (s.progress) progressSeen = Math.max(progressSeen, s.progress.bytes);
  });
  await updraft.start();
  assert.equal(native.restarts, 1);
  assert.deepEqual(phases, ['idle', 'checking', 'downloading', 'installing', 'idle']);
  assert.equal(progressSeen, 5003);
  assert.equal(updraft.getSnapshot().progress, null, 'progress clears when the cycle ends');
});

test('the blob-util transport resumes an interrupted download with Range', async () => {
  const repo = await servedRepo();
  const big = new Uint8Array(50_000).map((_, i) => i % 256);
  const { fileSha256 } = repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.jsbundle': big } });
  const docs = await tempDir();
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const storage = new NodeStorage(join(docs, UPDRAFT_FOLDER));
  await storage.writeFileAtomic(`downloads/${fileSha256['main.jsbundle']}`, big.subarray(0, 20_000));
  const native = new FakeNativeModule();
  const updraft = new Updraft(
    {
      ...repo.deviceTarget(),
      trustedRoot: repo.root(1),
      allowInsecureLocalhost: true,
      readyTimeoutMs: 0,
    },
    { blob: fakeBlobUtil(docs, requests), native },
  );
  const result = await updraft.sync();
  assert.equal(result.status, 'updated', result.message);
  assert.equal(result.bytesDownloaded, 30_000);
  assert.deepEqual(
    requests.filter((r) => r.url.includes('/files/')).map((r) => r.headers['Range']),
    ['bytes=20000-'],
  );
});

test('a file whose bytes do not match its signed hash is rejected, and no download temp file stays', async () => {
  const repo = await servedRepo();
  repo.publish(rel(1, 'bundle 1'));
  for (const [url, bytes] of repo.files) {
    if (url.includes('/files/'))
      repo.files.set(
        url,
        bytes.map((b, i) => (i === 0 ? b ^ 1 : b)),
      );
  }
  const docs = await tempDir();
  const result = await appOn(repo, docs).updraft.sync();
  assert.deepEqual([result.status, result.reason], ['rejected', 'hash'], result.message);
  const left = (await readdir(docs, { recursive: true })).filter((p) => p.endsWith('.body'));
  assert.deepEqual(left, []);
  assert.deepEqual(await readdir(join(docs, UPDRAFT_FOLDER, 'downloads')).catch(() => []), []);
});
