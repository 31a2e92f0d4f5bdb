import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { serverForFile } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';
import { jsLikePair } from '@updraft/test-kit/bundles';

// Delta updates end to end: the real CLI generates and signs patches at publish time, the
// real server stores them as blobs, the real Node device client applies them.

const fixture = serverForFile('e2e-delta');
const APP = 'com.example.delta';

async function bundle(name: string, files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = join(fixture.work.path, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

const target = { app: APP, platform: 'android', runtimeVersion: '2.0' };

async function publish(dir: string, extra: string[] = []) {
  const res = await runCli(publishArgs({ dir, ...target, keys: join(fixture.work.path, 'keys'), extra }), fixture.env);
  assert.equal(res.code, 0, res.stderr);
  return res.json as { releaseId: string; patches: number };
}

async function sync(deviceDir: string, extra: string[] = []) {
  const res = await runCli(
    deviceSyncArgs({
      server: fixture.server.url,
      ...target,
      root: join(fixture.work.path, 'keys/root.json'),
      dir: deviceDir,
      extra,
    }),
    fixture.env,
  );
  assert.equal(res.code, 0, res.stderr || res.stdout);
  return res.json as {
    status: string;
    release: string;
    bytesDownloaded: number;
    delta: { filesReused: number; filesPatched: number; filesDownloaded: number; patchFailures: unknown[] };
  };
}

const v1 = jsLikePair(300_000, 21);
const v3Bytes = jsLikePair(300_000, 21).next.map((b, i) => (i % 5000 === 0 && b === 0x61 ? 0x62 : b));

test('v2 arrives as a patch far smaller than the file; embedded files are never downloaded', async () => {
  const created = await runCli(
    ['apps', 'create', APP, '--keys', join(fixture.work.path, 'keys'), '--json'],
    fixture.env,
  );
  assert.equal(created.code, 0, created.stderr);
  const logo = 'PNG'.repeat(10_000);
  const v1Dir = await bundle('v1', { 'index.android.bundle': v1.old, 'logo.png': logo });
  const first = await publish(v1Dir);
  assert.equal(first.patches, 0, 'nothing to patch against yet');
  const v2Dir = await bundle('v2', { 'index.android.bundle': v1.next, 'logo.png': logo });
  const second = await publish(v2Dir);
  assert.equal(second.patches, 1);

  // A device on v1 gets v2 as a patch.
  const device = join(fixture.work.path, 'device');
  const s1 = await sync(device);
  assert.equal(s1.status, 'updated');
  assert.equal(s1.release, second.releaseId, 'a new device takes the newest release in full');
  assert.equal(s1.delta.filesDownloaded, 2);

  // A device whose app binary embeds v1 downloads only a patch for v2.
  const embeddedDevice = join(fixture.work.path, 'device-embedded');
  const s2 = await sync(embeddedDevice, ['--embedded', v1Dir]);
  assert.equal(s2.status, 'updated');
  assert.deepEqual(s2.delta, { filesReused: 1, filesPatched: 1, filesDownloaded: 0, patchFailures: [] });
  const full = brotliCompressSync(v1.next).length;
  assert.ok(
    s2.bytesDownloaded * 10 < v1.next.length,
    `${s2.bytesDownloaded} bytes on the wire for a ${v1.next.length}-byte file`,
  );
  assert.ok(s2.bytesDownloaded * 2 <= full, `patch ${s2.bytesDownloaded} vs brotli full ${full}`);
  assert.deepEqual(
    new Uint8Array(await readFile(join(embeddedDevice, `releases/${second.releaseId}/index.android.bundle`))),
    v1.next,
  );

  // v3 is patched against v2 (installed on the first device) and v1.
  const v3Dir = await bundle('v3', { 'index.android.bundle': v3Bytes, 'logo.png': logo });
  const third = await publish(v3Dir);
  assert.equal(third.patches, 2, 'one patch per earlier release');
  const s3 = await sync(device);
  assert.equal(s3.release, third.releaseId);
  assert.deepEqual(s3.delta, { filesReused: 1, filesPatched: 1, filesDownloaded: 0, patchFailures: [] });
  assert.ok(s3.bytesDownloaded < 2000, `${s3.bytesDownloaded} bytes`);
  assert.deepEqual(
    new Uint8Array(await readFile(join(device, `releases/${third.releaseId}/index.android.bundle`))),
    v3Bytes,
  );
});

test('--delta-bases 0 publishes without patches; an out-of-range value is a usage error', async () => {
  const v4Dir = await bundle('v4', { 'index.android.bundle': v1.old, 'logo.png': 'other' });
  const res = await publish(v4Dir, ['--delta-bases', '0']);
  assert.equal(res.patches, 0);
  const bad = await runCli(publishArgs({ dir: v4Dir, ...target, extra: ['--delta-bases', '99'] }), fixture.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--delta-bases must be/);
});

test('a registered embedded bundle: the first publish, from anywhere, is already a patch against it', async () => {
  // A runtime version with no releases yet: the only base is the bundle the binary ships.
  const rv3 = { ...target, runtimeVersion: '3.0' };
  const rv = ['--app', APP, '--platform', 'android', '--runtime-version', '3.0'];
  const shipped = await bundle('shipped-3.0', { 'index.android.bundle': v1.old });
  const registered = await runCli(['embedded', 'register', shipped, ...rv, '--json'], fixture.env);
  assert.equal(registered.code, 0, registered.stderr);
  const shown = await runCli(['embedded', 'show', ...rv, '--json'], fixture.env);
  assert.deepEqual(
    (shown.json!['files'] as { path: string }[]).map((f) => f.path),
    ['index.android.bundle'],
  );

  const next = await bundle('next-3.0', { 'index.android.bundle': v1.next });
  const pub = await runCli(publishArgs({ dir: next, ...rv3, keys: join(fixture.work.path, 'keys') }), fixture.env);
  assert.equal(pub.code, 0, pub.stderr);
  assert.equal(pub.json!['patches'], 1, 'patched against the registered embedded bundle without --embedded');

  const device = join(fixture.work.path, 'device-3.0');
  const res = await runCli(
    deviceSyncArgs({
      server: fixture.server.url,
      ...rv3,
      root: join(fixture.work.path, 'keys/root.json'),
      dir: device,
      extra: ['--embedded', shipped],
    }),
    fixture.env,
  );
  assert.equal(res.json!['status'], 'updated', res.stdout);
  assert.ok((res.json!['bytesDownloaded'] as number) * 10 < v1.next.length, 'only the patch crossed the wire');

  const missing = await runCli(
    ['embedded', 'show', '--app', APP, '--platform', 'ios', '--runtime-version', '9', '--json'],
    fixture.env,
  );
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /embedded register/);
});
