import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  chooseRelease,
  manifestTargetPath,
  parseJsonObject,
  parseManifest,
  parseReleaseCustom,
} from '@updraft/protocol';
import { localSigner, publishRelease, rollbackRelease } from '@updraft/signing';
import { createTrustedApp, refresh, sha256, startTestServer, type PublisherKeys, type TestServer } from './helpers.js';

// The publisher workflows of @updraft/signing against the real server, over the admin API
// (their unit tests use an in-memory fake): what they send is accepted, and a device that
// refreshes from the app's root gets it.

describe('publisher workflows against the server', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let rootBytes: Uint8Array;
  const appId = 'com.example.workflows';
  const device = { appId, platform: 'ios', runtimeVersion: '1.0.0', channel: 'production', deviceId: 'd1' };

  before(async () => {
    t = await startTestServer({ jobs: false });
    ({ keys, rootBytes } = await createTrustedApp(t, appId));
  });
  after(async () => t.stop());

  async function publish(text: string, keep?: number) {
    const bytes = new TextEncoder().encode(text);
    await t.publisher.putBlob(appId, sha256(bytes), bytes);
    return publishRelease(t.publisher, {
      appId,
      platform: 'ios',
      runtimeVersion: '1.0.0',
      channel: 'production',
      channels: ['production'],
      launch: 'index.bundle',
      files: [
        { path: 'index.bundle', sha256: sha256(bytes), length: bytes.length, contentType: 'application/javascript' },
      ],
      releasesKey: localSigner(keys.releases),
      epoch: 0,
      ...(keep === undefined ? {} : { keep }),
    });
  }

  it('publishRelease: each release takes the next versionCode and devices are pointed at it', async () => {
    const first = await publish('console.log(1)');
    const second = await publish('console.log(2)');
    assert.deepEqual([first.versionCode, second.versionCode], [1, 2]);
    const repo = await refresh(t.url, appId, rootBytes);
    assert.equal(chooseRelease(repo.director, repo.releases, device)!.release.releaseId, second.releaseId);
  });

  it('rollbackRelease: a new versionCode that runs the earlier release’s files', async () => {
    const before = await refresh(t.url, appId, rootBytes);
    const first = Object.values(before.releases.targets)
      .map((target) => parseReleaseCustom(target.custom, 'release'))
      .find((r) => r.versionCode === 1)!;
    const back = await rollbackRelease(t.publisher, {
      appId,
      channel: 'production',
      fromReleaseId: first.releaseId,
      releasesKey: localSigner(keys.releases),
      epoch: 0,
    });
    assert.equal(back.versionCode, 3);
    const repo = await refresh(t.url, appId, rootBytes);
    assert.equal(chooseRelease(repo.director, repo.releases, device)!.release.releaseId, back.releaseId);
    const files = async (releaseId: string) => {
      const path = manifestTargetPath(releaseId);
      const target = repo.releases.targets[path]!;
      const bytes = await t.publisher.targetFile(appId, path, target.hashes['sha256']!, releaseId);
      return parseManifest(parseJsonObject(bytes, 'manifest')).files;
    };
    assert.deepEqual(await files(back.releaseId), await files(first.releaseId));
  });

  it('a bounded listing: old releases leave it, those in use stay, and a rollback reaches a dropped one', async () => {
    const before = await refresh(t.url, appId, rootBytes);
    const first = Object.values(before.releases.targets)
      .map((target) => parseReleaseCustom(target.custom, 'release'))
      .find((r) => r.versionCode === 1)!;
    const filesOf = async (repo: typeof before, releaseId: string) => {
      const path = manifestTargetPath(releaseId);
      const bytes = await t.publisher.targetFile(
        appId,
        path,
        repo.releases.targets[path]!.hashes['sha256']!,
        releaseId,
      );
      return parseManifest(parseJsonObject(bytes, 'manifest')).files;
    };
    const firstFiles = await filesOf(before, first.releaseId);

    const published = [];
    for (let n = 0; n < 4; n++) published.push(await publish(`console.log('kept ${n}')`, 2));
    const after = await refresh(t.url, appId, rootBytes);
    // The two newest, and the one production served as previous when the newest was signed.
    assert.deepEqual(
      Object.keys(after.releases.targets).sort(),
      published
        .slice(-3)
        .map((r) => manifestTargetPath(r.releaseId))
        .sort(),
    );
    assert.deepEqual(
      (await t.publisher.releasesInUse(appId)).sort(),
      published
        .slice(-2)
        .map((r) => r.releaseId)
        .sort(),
    );

    const back = await rollbackRelease(t.publisher, {
      appId,
      channel: 'production',
      fromReleaseId: first.releaseId,
      releasesKey: localSigner(keys.releases),
      epoch: 0,
      keep: 2,
    });
    assert.equal(back.versionCode, published.at(-1)!.versionCode + 1);
    const repo = await refresh(t.url, appId, rootBytes);
    assert.equal(chooseRelease(repo.director, repo.releases, device)!.release.releaseId, back.releaseId);
    assert.deepEqual(await filesOf(repo, back.releaseId), firstFiles);
  });
});
