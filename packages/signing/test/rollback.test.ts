import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifestTargetPath, parseJsonObject, parseManifest, parseTargets } from '@updraft/protocol';
import { publishRelease, rollbackRelease, SigningError, type PublishInput, type Signer } from '../src/index.js';
import { signMetadata } from '../src/sign.js';
import { FakeServer, newSigner } from './fake-server.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');

function release(key: Signer, sha: string): PublishInput {
  return {
    appId: 'com.example.app',
    platform: 'ios',
    runtimeVersion: '1.0.0',
    channel: 'production',
    channels: ['*'],
    launch: 'index.bundle',
    files: [{ path: 'index.bundle', sha256: sha, length: 10, contentType: 'application/javascript' }],
    releasesKey: key,
    epoch: 0,
    now: () => NOW,
  };
}

async function twoReleases() {
  const key = newSigner();
  const server = await FakeServer.create(key);
  const first = await publishRelease(server, release(key, 'aa'.repeat(32)));
  await publishRelease(server, release(key, 'bb'.repeat(32)));
  return { key, server, first };
}

function manifestOf(server: FakeServer, releaseId: string) {
  const target = parseTargets(server.releases, 'releases').signed.targets[manifestTargetPath(releaseId)]!;
  return {
    target,
    manifest: parseManifest(parseJsonObject(server.blobs.get(target.hashes['sha256']!)!, 'manifest')),
  };
}

describe('rollbackRelease', () => {
  it("signs a new release, next versionCode, running the earlier release's files, for the one channel", async () => {
    const { key, server, first } = await twoReleases();
    const result = await rollbackRelease(server, {
      appId: 'com.example.app',
      channel: 'beta',
      fromReleaseId: first.releaseId,
      releasesKey: key,
      epoch: 1,
      now: () => NOW + 1000,
    });
    assert.equal(result.versionCode, 3);
    assert.notEqual(result.releaseId, first.releaseId);
    const { target, manifest } = manifestOf(server, result.releaseId);
    assert.deepEqual(manifest.files, manifestOf(server, first.releaseId).manifest.files);
    assert.equal(manifest.versionCode, 3);
    assert.equal(manifest.epoch, 1);
    assert.equal(manifest.createdAt, '2026-12-01T10:00:01Z');
    assert.deepEqual((target.custom as { updraft: { channels: string[] } }).updraft.channels, ['beta']);
    assert.equal(server.published.at(-1)!.channel, 'beta');
  });

  it('says so when the release is not in the signed releases', async () => {
    const { key, server } = await twoReleases();
    await assert.rejects(
      rollbackRelease(server, {
        appId: 'com.example.app',
        channel: 'production',
        fromReleaseId: 'rnope',
        releasesKey: key,
        epoch: 0,
      }),
      (err: unknown) => err instanceof SigningError && err.code === 'not-found',
    );
  });

  it('refuses a manifest that does not match its signed hash, and signs nothing', async () => {
    const { key, server, first } = await twoReleases();
    const { target } = manifestOf(server, first.releaseId);
    const tampered = new Uint8Array(server.blobs.get(target.hashes['sha256']!)!);
    tampered[tampered.length - 2]! ^= 1;
    server.blobs.set(target.hashes['sha256']!, tampered);
    const before = server.published.length;
    await assert.rejects(
      rollbackRelease(server, {
        appId: 'com.example.app',
        channel: 'production',
        fromReleaseId: first.releaseId,
        releasesKey: key,
        epoch: 0,
      }),
      (err: unknown) => err instanceof SigningError && err.code === 'untrusted-server',
    );
    assert.equal(server.published.length, before);
  });

  it('rolls back to a release the listing no longer has, through the releases version that added it', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    const first = await publishRelease(server, { ...release(key, 'aa'.repeat(32)), keep: 1 });
    await publishRelease(server, { ...release(key, 'bb'.repeat(32)), keep: 1 });
    await publishRelease(server, { ...release(key, 'cc'.repeat(32)), keep: 1 });
    const listed = parseTargets(server.releases, 'releases').signed.targets;
    assert.equal(listed[manifestTargetPath(first.releaseId)], undefined, 'the keep rule dropped the first release');

    const result = await rollbackRelease(server, {
      appId: 'com.example.app',
      channel: 'production',
      fromReleaseId: first.releaseId,
      releasesKey: key,
      epoch: 0,
      keep: 2,
      now: () => NOW + 1000,
    });
    assert.equal(result.versionCode, 4);
    const { manifest } = manifestOf(server, result.releaseId);
    assert.deepEqual(
      manifest.files.map((f) => f.sha256),
      ['aa'.repeat(32)],
    );
    // Added to the current listing, which keeps its newest other release (keep 2).
    assert.equal(Object.keys(parseTargets(server.releases, 'releases').signed.targets).length, 2);
  });

  it('refuses a dropped release whose releases version another key signed (a key rotated since)', async () => {
    const oldKey = newSigner();
    const server = await FakeServer.create(oldKey);
    const first = await publishRelease(server, { ...release(oldKey, 'aa'.repeat(32)), keep: 1 });
    // The releases key rotates: the current listing is re-signed by the new key.
    const key = newSigner();
    server.releases = await signMetadata(server.releases.signed, [key]);
    await publishRelease(server, { ...release(key, 'bb'.repeat(32)), keep: 1 });
    const before = server.published.length;
    await assert.rejects(
      rollbackRelease(server, {
        appId: 'com.example.app',
        channel: 'production',
        fromReleaseId: first.releaseId,
        releasesKey: key,
        epoch: 0,
      }),
      (err: unknown) =>
        err instanceof SigningError &&
        err.code === 'untrusted-server' &&
        /not signed by your releases key/.test(err.message),
    );
    assert.equal(server.published.length, before, 'nothing signed');
  });

  it('refuses a releases version that does not list the release the server says it added', async () => {
    const { key, server, first } = await twoReleases();
    await publishRelease(server, { ...release(key, 'cc'.repeat(32)), keep: 1 });
    server.addedIn.set(first.releaseId, 1);
    await assert.rejects(
      rollbackRelease(server, {
        appId: 'com.example.app',
        channel: 'production',
        fromReleaseId: first.releaseId,
        releasesKey: key,
        epoch: 0,
      }),
      (err: unknown) => err instanceof SigningError && err.code === 'untrusted-server',
    );
  });
});
