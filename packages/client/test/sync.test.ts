import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { device, restart } from './helpers/setup.js';
import { NOW, TestRepo, sha256 } from '@updraft/test-kit/test-repo';

const v1 = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'console.log(1)', 'assets/logo.png': 'PNG1' } };
const v2 = { releaseId: 'r2', versionCode: 2, files: { 'index.bundle': 'console.log(2)', 'assets/logo.png': 'PNG1' } };

test('an update installs as pending, verified and complete', async () => {
  const repo = new TestRepo();
  repo.publish({ ...v1, launch: 'index.bundle' });
  const d = await device(repo);

  const result = await d.client.sync();

  assert.deepEqual(result, {
    status: 'updated',
    release: 'r1',
    versionCode: 1,
    bytesDownloaded: 'console.log(1)'.length + 'PNG1'.length,
    mandatory: false,
    delta: { filesReused: 0, filesPatched: 0, filesDownloaded: 2, patchFailures: [] },
  });
  assert.equal(await readFile(join(d.dir, 'releases/r1/index.bundle'), 'utf8'), 'console.log(1)');
  assert.equal(await readFile(join(d.dir, 'releases/r1/assets/logo.png'), 'utf8'), 'PNG1');
  assert.deepEqual((await d.client.status()).pending, { releaseId: 'r1', versionCode: 1 });
  assert.equal(await d.storage.exists('staging/r1'), false);
  // root.json only once a newer root than the shipped one has been verified.
  for (const role of ['timestamp', 'snapshot', 'targets', 'releases', 'director']) {
    assert.ok(await d.storage.exists(`metadata/${role}.json`), `metadata/${role}.json persisted`);
  }
});

test('an unchanged repository costs two requests: the next root (404) and the timestamp', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  d.transport.requests.length = 0;

  const again = await (await restart(repo, d)).client.sync();
  const second = await d.client.sync();

  assert.equal(again.status, 'up-to-date');
  assert.equal(again.release, 'r1');
  assert.equal(second.status, 'up-to-date');
  const check = [repo.url('metadata/2.root.json'), repo.url('metadata/timestamp.json')];
  assert.deepEqual(d.transport.requests, check);
});

test('files the device already holds are copied, not downloaded', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  repo.publish(v2);

  const result = await d.client.sync();

  assert.equal(result.status, 'updated');
  assert.equal(result.bytesDownloaded, 'console.log(2)'.length);
  assert.equal(d.transport.fileRequests().length, 3);
  assert.equal(await readFile(join(d.dir, 'releases/r2/assets/logo.png'), 'utf8'), 'PNG1');
  // r1 was only pending: replaced, so its folder goes.
  assert.equal(await d.storage.exists('releases/r1'), false);
});

test('an altered file is rejected as hash and nothing is staged', async () => {
  const repo = new TestRepo();
  const published = repo.publish(v1);
  const url = repo.url(`targets/files/${published.fileSha256['index.bundle']}`);
  repo.files.set(url, new TextEncoder().encode('console.log(6)')); // same length, other bytes
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'hash');
  assert.equal(await d.storage.exists('releases/r1'), false);
  assert.deepEqual(await d.storage.listDir('staging'), []);
  assert.equal((await d.client.status()).pending, null);
});

test('a file longer than its signed length is rejected as length', async () => {
  const repo = new TestRepo();
  const published = repo.publish(v1);
  const url = repo.url(`targets/files/${published.fileSha256['assets/logo.png']}`);
  repo.files.set(url, new TextEncoder().encode('PNG1 and much more'));
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.reason, 'length');
  assert.equal(result.status, 'rejected');
  assert.equal(await d.storage.exists('releases/r1'), false);
});

test('an altered manifest is rejected as hash', async () => {
  const repo = new TestRepo();
  const published = repo.publish(v1);
  const url = repo.url(`targets/manifests/${published.manifestSha256}.r1.json`);
  const bytes = published.manifestBytes.slice();
  bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
  repo.files.set(url, bytes);
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.reason, 'hash');
  assert.equal(d.transport.fileRequests().length, 0);
});

test("another repository's root is rejected as signature", async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const other = new TestRepo();
  const d = await device(repo, { config: { trustedRoot: other.root(1) } });

  const result = await d.client.sync();

  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'signature');
  assert.equal(result.release, null);
  assert.equal(await d.storage.exists('metadata/timestamp.json'), false);
});

test('http without the development opt-in is refused before any request', async () => {
  const repo = new TestRepo('http://127.0.0.1:8080');
  repo.publish(v1);
  const d = await device(repo);
  const errors: string[] = [];
  d.client.on('error', (e) => errors.push(e.reason));

  const result = await d.client.sync();

  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'insecure-url');
  assert.deepEqual(d.transport.requests, []);
  assert.deepEqual(errors, ['insecure-url']);
});

test('http to loopback works with the opt-in, but never to another host', async () => {
  const local = new TestRepo('http://127.0.0.1:8080');
  local.publish(v1);
  const ok = await device(local, { config: { allowInsecureLocalhost: true } });
  assert.equal((await ok.client.sync()).status, 'updated');

  const remote = new TestRepo('http://updates.example.com');
  const refused = await device(remote, { config: { allowInsecureLocalhost: true } });
  assert.equal((await refused.client.sync()).reason, 'insecure-url');
  assert.deepEqual(refused.transport.requests, []);
});

test('a release that failed its trial is not downloaded again', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  assert.equal((await d.client.launch()).releaseId, 'r1'); // trial, then the app dies
  const next = await restart(repo, d);
  const launch = await next.client.launch();
  assert.deepEqual(launch.rolledBack, { releaseId: 'r1', versionCode: 1 });

  const result = await next.client.sync();

  assert.equal(result.status, 'up-to-date');
  assert.match(result.message ?? '', /r1 failed on this device/);
  assert.deepEqual(next.transport.fileRequests(), []);
  assert.equal(await next.storage.exists('releases/r1'), false);
});

test('a release below the floor is rejected as rollback', async () => {
  const repo = new TestRepo();
  const p1 = repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  repo.publish(v2);
  await d.client.sync();
  await d.client.launch();
  await d.client.notifyAppReady();
  // The server (director key) points the channel back at r1, still validly signed.
  repo.pointTo(v1, p1.manifestBytes.length, p1.manifestSha256);

  const result = await d.client.sync();

  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'rollback');
  assert.equal(result.release, 'r2');
});

test('rotated root and timestamp keys are followed', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  repo.rotate({ root: true, timestamp: true });
  repo.publish(v2);

  const result = await d.client.sync();

  assert.equal(result.status, 'updated');
  const root = JSON.parse(new TextDecoder().decode((await d.storage.readFile('metadata/root.json'))!));
  assert.equal(root.signed.version, 2);
});

test('a timestamp key rotation forgets the trusted timestamp (fast-forward recovery)', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  repo.versions.timestamp = 999; // as an attacker holding the old timestamp key could
  repo.writeTimestamp();
  const d = await device(repo);
  await d.client.sync();
  repo.versions.timestamp = 0;
  repo.rotate({ timestamp: true });

  const result = await d.client.sync();

  assert.equal(result.status, 'up-to-date');
  const ts = JSON.parse(new TextDecoder().decode((await d.storage.readFile('metadata/timestamp.json'))!));
  assert.equal(ts.signed.version, 1);
});

test('recovery also works when the app died between trusting the new root and forgetting the timestamp', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  repo.versions.timestamp = 999;
  repo.writeTimestamp();
  const d = await device(repo);
  await d.client.sync();
  repo.versions.timestamp = 0;
  repo.rotate({ timestamp: true });
  await d.storage.writeFileAtomic('metadata/root.json', repo.root(2)); // root 2 trusted, timestamp 999 kept

  const result = await (await restart(repo, d)).client.sync();

  assert.equal(result.status, 'up-to-date', result.message);
});

test('a new root not signed by the trusted root is rejected', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  const stranger = new TestRepo();
  repo.rootKeys = stranger.rootKeys;
  repo.writeRoot(stranger.rootKeys);

  const result = await d.client.sync();

  assert.equal(result.reason, 'signature');
  assert.equal(await d.storage.exists('metadata/root.json'), false);
});

test('an older timestamp than the trusted one is rejected as rollback', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const stale = repo.files.get(repo.url('metadata/timestamp.json'))!;
  repo.writeTimestamp();
  const d = await device(repo);
  await d.client.sync();
  repo.files.set(repo.url('metadata/timestamp.json'), stale);

  const result = await d.client.sync();

  assert.equal(result.reason, 'rollback');
  assert.equal(result.release, 'r1');
});

test('expired metadata is rejected as expired', async () => {
  const repo = new TestRepo();
  repo.expires.timestamp = '2030-01-01T00:00:00Z';
  repo.publish(v1);
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.reason, 'expired');
  assert.ok(NOW > Date.parse(repo.expires.timestamp));
});

test('a release signed for another channel is rejected as wrong-target', async () => {
  const repo = new TestRepo();
  repo.publish({ ...v1, channels: ['beta'] });
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.reason, 'wrong-target');
});

test('outside the rollout with no previous release there is nothing to do', async () => {
  const repo = new TestRepo();
  repo.publish({ ...v1, basisPoints: 0 });
  const d = await device(repo);

  const result = await d.client.sync();

  assert.deepEqual(result, { status: 'up-to-date', release: null, versionCode: null, bytesDownloaded: 0 });
});

test('an unreachable server fails the cycle and keeps the device as it was', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  d.transport.offline = true;

  const result = await d.client.sync();

  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'network');
  assert.equal(result.release, 'r1');
  assert.deepEqual((await d.client.status()).pending, { releaseId: 'r1', versionCode: 1 });
});

test('a metadata file the server lost fails as network, with a hint', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  repo.files.delete(repo.url('metadata/timestamp.json'));
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.status, 'failed');
  assert.match(result.message ?? '', /404.*appId/);
});

test('concurrent syncs share one cycle', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);

  const [a, b] = await Promise.all([d.client.sync(), d.client.sync()]);

  assert.equal(a, b);
  assert.equal(d.transport.fileRequests().length, 2);
});

test('a damaged copy of an installed file is downloaded instead of reused', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  await d.storage.writeFileAtomic('releases/r1/assets/logo.png', new TextEncoder().encode('XXXX'));
  repo.publish(v2);

  const result = await d.client.sync();

  assert.equal(result.status, 'updated');
  assert.equal(result.bytesDownloaded, 'console.log(2)'.length + 'PNG1'.length);
  const copy = new Uint8Array(await readFile(join(d.dir, 'releases/r2/assets/logo.png')));
  assert.equal(sha256(copy), sha256(new TextEncoder().encode('PNG1')));
});

test('empty files install without a request, an empty launch file too; a second sync fetches nothing', async () => {
  const repo = new TestRepo();
  repo.publish({
    releaseId: 'r1',
    versionCode: 1,
    launch: 'index.bundle',
    files: { 'index.bundle': '', 'assets/.gitkeep': '', 'config/empty.json': '', 'assets/logo.png': 'PNG1' },
  });
  const d = await device(repo);

  const result = await d.client.sync();

  assert.equal(result.status, 'updated', result.message);
  assert.equal(result.bytesDownloaded, 'PNG1'.length);
  assert.equal(d.transport.fileRequests().length, 1, 'only the non-empty file is requested');
  for (const path of ['index.bundle', 'assets/.gitkeep', 'config/empty.json']) {
    assert.equal(await readFile(join(d.dir, 'releases/r1', path), 'utf8'), '');
  }
  const launch = await d.client.launch();
  assert.equal(launch.launchPath, join(d.dir, 'releases/r1/index.bundle'));
  const again = await d.client.sync();
  assert.equal(again.status, 'up-to-date');
  assert.equal(again.bytesDownloaded, 0);
});
