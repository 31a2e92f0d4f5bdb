import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { DeviceAttributes } from '@updraft/protocol';
import { device } from './helpers/setup.js';
import { TestRepo } from '@updraft/test-kit/test-repo';

// The device half of "same code on device and server": the committed protocol vectors drive
// real syncs against a signed repository, so a client that evaluated rollout or targeting
// differently from the server fails here.

const vectorsDir = new URL('../../protocol/test/vectors/', import.meta.url);
const rollout = JSON.parse(readFileSync(new URL('rollout.json', vectorsDir), 'utf8')) as {
  vectors: { salt: string; deviceId: string; bucket: number }[];
};
const targeting = JSON.parse(readFileSync(new URL('targeting.json', vectorsDir), 'utf8')) as {
  vectors: { rules: object; device: DeviceAttributes; matches: boolean }[];
};

const v1 = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'console.log(1)' } };

test('rollout vectors: a device is included exactly when its bucket is below the signed basis points', async () => {
  for (const v of rollout.vectors.filter((x) => x.deviceId !== '').slice(0, 6)) {
    for (const [basisPoints, included] of [
      [v.bucket, false],
      [v.bucket + 1, true],
    ] as const) {
      const repo = new TestRepo();
      repo.publish({ ...v1, basisPoints, salt: v.salt });
      const d = await device(repo, { config: { deviceId: v.deviceId } });
      const result = await d.client.sync();
      assert.equal(result.status, included ? 'updated' : 'up-to-date', `${v.deviceId} at ${basisPoints} bp`);
    }
  }
});

test('targeting vectors: the device installs the release exactly when its attributes match the signed rules', async () => {
  for (const v of targeting.vectors) {
    const repo = new TestRepo();
    repo.publish({ ...v1, targeting: v.rules });
    const d = await device(repo, { config: { attributes: v.device } });
    const result = await d.client.sync();
    assert.equal(result.status, v.matches ? 'updated' : 'up-to-date', JSON.stringify(v));
  }
});

test('outside the targeting, the device gets the previous release of the channel', async () => {
  const repo = new TestRepo();
  const first = repo.publish(v1);
  repo.publish({
    releaseId: 'r2',
    versionCode: 2,
    files: { 'index.bundle': 'console.log(2)' },
    targeting: { appVersion: '>=2' },
    previous: { releaseId: 'r1', versionCode: 1, length: first.manifestBytes.length, sha256: first.manifestSha256 },
  });
  const old = await device(repo, { config: { attributes: { appVersion: '1.4.0' } } });
  assert.equal((await old.client.sync()).release, 'r1');
  const current = await device(repo, { config: { attributes: { appVersion: '2.0.0' } } });
  assert.equal((await current.client.sync()).release, 'r2');
});

test('bad attributes in the config are refused at construction, naming the field', async () => {
  const repo = new TestRepo();
  await assert.rejects(
    () => device(repo, { config: { attributes: { appVersion: 2 } as unknown as DeviceAttributes } }),
    /attributes\.appVersion/,
  );
  await assert.rejects(
    () => device(repo, { config: { attributes: { os: '17' } as unknown as DeviceAttributes } }),
    /attributes\.os/,
  );
});
