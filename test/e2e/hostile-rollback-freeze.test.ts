import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  A,
  DAY,
  E,
  assertRuns,
  attackCase,
  client,
  copyDevice,
  frozenTimestampE,
  isPath,
  oldTimestampA,
  pointAt,
  proxy,
  rel,
  root2KeyPath,
  rotateKeyOfA,
  serve,
  serveFiles,
  server,
  sha256,
  stolen,
  templateA,
  useHostileNetwork,
} from '@updraft/test-kit/hostile-network';
import { passThrough } from '@updraft/test-kit/hostile-proxy';
import { forgeOnline, getBytes } from '@updraft/test-kit/repo-tools';

// Hostile network, rollback and freeze (docs/security.md, "Threats and defences"): a proxy
// replays older metadata or, with the server's stolen online keys, signs older versions or
// points the channel back; it keeps serving what it captured while the device's time moves
// on; and it fast-forwards the timestamp until the key is rotated. Every case ends with the
// device running its last good bundle, and the reason code it reported.

useHostileNetwork({ frozenApp: true });

// Rollback.
test('replay of an older timestamp → rollback', () =>
  attackCase({ attack: async () => serve(isPath('/timestamp.json'), oldTimestampA), expect: 'rollback' }));
test('older snapshot, signed with stolen online keys → rollback', () =>
  attackCase({
    attack: async () =>
      serveFiles(
        A,
        await forgeOnline(server.url, A, stolen, {
          timestampSnapshot: async () => {
            const bytes = await getBytes(`${server.url}/repo/${A}/metadata/1.snapshot.json`);
            return { version: 1, length: bytes.length, hashes: { sha256: sha256(bytes) } };
          },
        }),
      ),
    expect: 'rollback',
  }));
for (const role of ['director', 'releases'] as const) {
  test(`snapshot naming an older ${role}, signed with stolen online keys → rollback`, () =>
    attackCase({
      attack: async () =>
        serveFiles(
          A,
          await forgeOnline(server.url, A, stolen, {
            snapshotMeta: async (meta, fetchVersion) => {
              meta[`${role}.json`] = await fetchVersion(role, 1);
            },
          }),
        ),
      expect: 'rollback',
    }));
}
test('an older release (stolen director key points the channel back) → rollback, device keeps v2', async () => {
  const dir = await copyDevice(templateA);
  const honest = client(dir, A);
  assert.equal((await honest.sync()).status, 'updated');
  assert.equal((await honest.launch()).releaseId, rel['v2']!.releaseId);
  await honest.notifyAppReady();
  const device = client(dir, A);
  proxy.attack = await pointAt('v1');
  const r = await device.sync().finally(() => (proxy.attack = passThrough));
  assert.equal(r.reason, 'rollback', r.message);
  await assertRuns(device, 'v2');
});

// Indefinite freeze: the proxy keeps serving what it captured while the device's time moves on.
for (const [role, days] of [
  ['director', 1.5],
  ['snapshot', 2.5],
  ['timestamp', 3.5],
] as const) {
  test(`frozen metadata: expired ${role} → expired`, () =>
    attackCase({
      app: E,
      clock: days * DAY,
      attack: async () => serve((p) => p === `/repo/${E}/metadata/timestamp.json`, frozenTimestampE),
      expect: 'expired',
      message: new RegExp(`${role} metadata expired`),
    }));
}

// Fast-forward: last in this file, because it rotates A's timestamp key.
test('fast-forward attack with a stolen timestamp key is undone by rotating that key', async () => {
  const dir = await copyDevice(templateA);
  const device = client(dir, A);
  const pushed = await forgeOnline(server.url, A, stolen, { timestampVersion: 2 ** 31 - 1 });
  proxy.attack = serveFiles(A, pushed);
  const accepted = await device.sync().finally(() => (proxy.attack = passThrough));
  assert.equal(accepted.status, 'updated', 'a validly signed timestamp is accepted: the key was stolen');
  const frozen = await client(dir, A).sync();
  assert.equal(frozen.reason, 'rollback', 'the real timestamp now looks older: the device is frozen');

  await rotateKeyOfA('timestamp', '--key', root2KeyPath());
  const recovered = client(dir, A);
  const r = await recovered.sync();
  assert.equal(r.reason, undefined, `${r.status}: ${r.message}`);
  assert.equal(r.status, 'up-to-date');
  // The overlap still lists the stolen key; finishing the rotation drops it.
  await rotateKeyOfA('timestamp', '--finish', '--key', root2KeyPath());
  assert.equal((await client(dir, A).sync()).status, 'up-to-date');
  const again = await forgeOnline(server.url, A, stolen, { timestampVersion: 2 ** 31 - 1 });
  proxy.attack = serveFiles(A, again);
  const retry = await client(dir, A)
    .sync()
    .finally(() => (proxy.attack = passThrough));
  assert.equal(retry.reason, 'signature', 'the stolen key no longer signs anything devices accept');
});
