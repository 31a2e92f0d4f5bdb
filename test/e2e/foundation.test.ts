import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { serverForFile } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';

// The walking skeleton end to end: the real server process, the real CLI, the real Node
// device client on a real file system. Nothing is faked.

const fixture = serverForFile('e2e');
const APP = 'com.example.e2e';

async function writeBundle(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function publishIos(dir: string, keys: string): Promise<{ releaseId: string; versionCode: number }> {
  const r = await runCli(publishArgs({ dir, app: APP, keys }), fixture.env);
  assert.equal(r.code, 0, r.stderr);
  return r.json as { releaseId: string; versionCode: number };
}

function deviceArgs(dir: string, root: string): string[] {
  return deviceSyncArgs({ server: fixture.server.url, app: APP, root, dir });
}

test('publish, update, trial without ready rolls back, failed release is never downloaded again, altered blob refused', async () => {
  const keys = join(fixture.work.path, 'keys');
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], fixture.env);
  assert.equal(created.code, 0, created.stderr);
  const root = join(keys, 'root.json');
  const rootMode = (await import('node:fs')).statSync(join(keys, 'root.key.json')).mode & 0o777;
  assert.equal(rootMode, 0o600, 'offline keys are written 0600');

  const v1Dir = await writeBundle(join(fixture.work.path, 'v1'), {
    'index.ios.bundle': 'console.log("v1")',
    'assets/logo.png': 'PNG-v1',
  });
  const v1 = await publishIos(v1Dir, keys);
  assert.equal(v1.versionCode, 1);

  const device = join(fixture.work.path, 'device');
  const sync1 = await runCli(deviceArgs(device, root), fixture.env);
  assert.equal(sync1.code, 0, sync1.stdout + sync1.stderr);
  assert.equal(sync1.json?.['status'], 'updated');
  assert.equal(sync1.json?.['release'], v1.releaseId);
  assert.ok((sync1.json?.['bytesDownloaded'] as number) > 0);

  const launch1 = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(launch1.code, 0, launch1.stderr);
  assert.equal(launch1.json?.['releaseId'], v1.releaseId);
  const launchPath = launch1.json?.['launchPath'] as string;
  assert.equal(await readFile(launchPath, 'utf8'), 'console.log("v1")');
  assert.equal(
    await readFile(join(launchPath, '..', 'assets/logo.png'), 'utf8'),
    'PNG-v1',
    'release folder holds every file at its relative path',
  );
  assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

  const v2Dir = await writeBundle(join(fixture.work.path, 'v2'), {
    'index.ios.bundle': 'console.log("v2 crashes")',
    'assets/logo.png': 'PNG-v1',
  });
  const v2 = await publishIos(v2Dir, keys);
  assert.equal(v2.versionCode, 2);

  const sync2 = await runCli(deviceArgs(device, root), fixture.env);
  assert.equal(sync2.json?.['status'], 'updated', sync2.stdout);
  assert.equal(sync2.json?.['release'], v2.releaseId);
  assert.equal(
    sync2.json?.['bytesDownloaded'],
    'console.log("v2 crashes")'.length,
    'an unchanged file is reused, not downloaded',
  );

  const trial = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(trial.json?.['releaseId'], v2.releaseId, 'the new release runs as a trial');
  // No `device ready`: the app crashed. The next launch must roll back.
  const again = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(again.json?.['releaseId'], v1.releaseId);
  assert.equal(await readFile(again.json?.['launchPath'] as string, 'utf8'), 'console.log("v1")');

  const status = await runCli(['device', 'status', '--dir', device, '--json']);
  assert.deepEqual(
    (status.json?.['failed'] as { releaseId: string }[]).map((r) => r.releaseId),
    [v2.releaseId],
  );
  assert.equal((status.json?.['confirmed'] as { releaseId: string }).releaseId, v1.releaseId);

  const sync3 = await runCli(deviceArgs(device, root), fixture.env);
  assert.equal(sync3.code, 0, sync3.stdout);
  assert.equal(sync3.json?.['bytesDownloaded'], 0, 'a failed release is not downloaded again');
  assert.notEqual(sync3.json?.['status'], 'updated');
  const afterSync3 = await runCli(['device', 'status', '--dir', device, '--json']);
  assert.equal(afterSync3.json?.['pending'], null);

  // A fresh device, and a v3 whose bundle is altered on the server's disk after publishing.
  const v3Dir = await writeBundle(join(fixture.work.path, 'v3'), { 'index.ios.bundle': 'console.log("v3")' });
  await publishIos(v3Dir, keys);
  const { createHash } = await import('node:crypto');
  const v3Hash = createHash('sha256').update('console.log("v3")').digest('hex');
  const blobPath = await findBlob(join(fixture.server.dataDir, 'blobs'), v3Hash);
  // Same length, different bytes: only the signed hash can catch it.
  await writeFile(blobPath, 'console.log("ev")');
  const sync4 = await runCli(deviceArgs(device, root), fixture.env);
  assert.notEqual(sync4.code, 0);
  assert.equal(sync4.json?.['status'], 'rejected');
  assert.equal(sync4.json?.['reason'], 'hash');
  const still = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(still.json?.['releaseId'], v1.releaseId, 'the device keeps running v1');
});

async function findBlob(dir: string, sha256: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === sha256) return join(entry.parentPath ?? entry.path, entry.name);
  }
  throw new Error(`blob ${sha256} not found under ${dir}`);
}

test('bad publish input is refused with a clear message and stores nothing', async () => {
  const keys = join(fixture.work.path, 'keys-bad');
  const app = 'com.example.bad';
  assert.equal((await runCli(['apps', 'create', app, '--keys', keys, '--json'], fixture.env)).code, 0);
  const publish = (dir: string, extra: string[] = []) =>
    runCli(
      publishArgs({ dir, app, platform: 'android', runtimeVersion: '1', channel: 'staging', keys, json: false, extra }),
      fixture.env,
    );

  const empty = join(fixture.work.path, 'empty');
  await mkdir(empty, { recursive: true });
  let r = await publish(empty);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /empty/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');

  const noLaunch = await writeBundle(join(fixture.work.path, 'nolaunch'), { 'a.js': '1', 'b.js': '2' });
  r = await publish(noLaunch, ['--launch', 'missing.js']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /launch file "missing.js"/);

  const linked = await writeBundle(join(fixture.work.path, 'linked'), { 'index.js': '1' });
  await symlink('/etc/passwd', join(linked, 'passwd'));
  r = await publish(linked);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /symbolic link/);

  const big = await writeBundle(join(fixture.work.path, 'big'), { 'index.js': 'x'.repeat(2000) });
  r = await publish(big, ['--max-file-size', '1000']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /over the limit/);

  r = await publish(noLaunch, ['--bogus-flag']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option/);

  r = await publish('../../etc', ['--launch', '../passwd', '--json']);
  assert.notEqual(r.code, 0);
  assert.ok(r.json?.['error'], '--json reports the error as JSON');

  const list = await runCli(['release', 'list', '--app', app, '--json'], fixture.env);
  assert.deepEqual(list.json?.['releases'], [], 'nothing was published');
});

// The engine's own refusal (signature) of another app's repository is in hostile-tampering.test.ts;
// the command names the mistake before any request, because root names its app (the log origin).
test("a device given another app's root is refused with the app it belongs to, and keeps its files", async () => {
  const keysA = join(fixture.work.path, 'keys-a');
  const keysB = join(fixture.work.path, 'keys-b');
  assert.equal((await runCli(['apps', 'create', 'com.example.a', '--keys', keysA, '--json'], fixture.env)).code, 0);
  assert.equal((await runCli(['apps', 'create', 'com.example.b', '--keys', keysB, '--json'], fixture.env)).code, 0);
  const bundle = await writeBundle(join(fixture.work.path, 'a1'), { 'index.js': 'a1' });
  const targetA = { app: 'com.example.a', platform: 'android', runtimeVersion: '1' };
  assert.equal((await runCli(publishArgs({ dir: bundle, ...targetA, keys: keysA, json: false }), fixture.env)).code, 0);
  const device = join(fixture.work.path, 'device-wrong-root');
  const r = await runCli(
    deviceSyncArgs({ server: fixture.server.url, ...targetA, root: join(keysB, 'root.json'), dir: device }),
  );
  assert.notEqual(r.code, 0);
  const error = r.json?.['error'] as { code?: string; message?: string } | undefined;
  assert.equal(error?.code, 'wrong-trust-anchor');
  assert.match(error?.message ?? '', /root\.json of app com\.example\.b, not of com\.example\.a/);
  const status = await runCli(['device', 'status', '--dir', device, '--json']);
  assert.equal((status.json?.['error'] as { code?: string } | undefined)?.code, 'no-device', 'nothing was set up');
});

test('http without --allow-insecure-localhost is refused before any request', async () => {
  const r = await runCli(
    deviceSyncArgs({
      server: fixture.server.url,
      app: APP,
      root: join(fixture.work.path, 'keys', 'root.json'),
      dir: join(fixture.work.path, 'device-http'),
      insecure: false,
    }),
  );
  assert.notEqual(r.code, 0);
  assert.equal(r.json?.['reason'], 'insecure-url');
});

test('an app with ECDSA P-256 keys publishes and its devices update', async () => {
  const keys = join(fixture.work.path, 'keys-ecdsa');
  const app = 'com.example.ecdsa';
  const created = await runCli(
    ['apps', 'create', app, '--keys', keys, '--key-type', 'ecdsa-p256', '--json'],
    fixture.env,
  );
  assert.equal(created.code, 0, created.stderr);
  const rootKey = JSON.parse(await readFile(join(keys, 'root.key.json'), 'utf8')) as { scheme: string };
  assert.equal(rootKey.scheme, 'ecdsa-sha2-nistp256');
  const bundle = await writeBundle(join(fixture.work.path, 'ec1'), { 'index.js': 'ecdsa' });
  const target = { app, platform: 'node', runtimeVersion: '1' };
  const pub = await runCli(publishArgs({ dir: bundle, ...target, keys }), fixture.env);
  assert.equal(pub.code, 0, pub.stderr);
  const device = join(fixture.work.path, 'device-ecdsa');
  const sync = await runCli(
    deviceSyncArgs({ server: fixture.server.url, ...target, root: join(keys, 'root.json'), dir: device }),
  );
  assert.equal(sync.json?.['status'], 'updated', sync.stdout);
  const launch = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(await readFile(launch.json?.['launchPath'] as string, 'utf8'), 'ecdsa');
});
