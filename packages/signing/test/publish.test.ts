import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalBytes,
  manifestTargetPath,
  parseManifest,
  parseJsonObject,
  parseTargets,
  verifySignature,
  type ReleaseManifest,
} from '@updraft/protocol';
import { publishRelease, SigningError, type PublishInput } from '../src/index.js';
import { FakeServer, newSigner } from './fake-server.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');

function input(releasesKey: PublishInput['releasesKey'], extra: Partial<PublishInput> = {}): PublishInput {
  return {
    appId: 'com.example.app',
    platform: 'ios',
    runtimeVersion: '1.0.0',
    channel: 'production',
    channels: ['production'],
    launch: 'index.bundle',
    files: [{ path: 'index.bundle', sha256: 'ab'.repeat(32), length: 10, contentType: 'application/javascript' }],
    releasesKey,
    epoch: 0,
    now: () => NOW,
    ...extra,
  };
}

describe('publishRelease', () => {
  it('signs the next releases version naming the new manifest, stored by its hash', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    server.policy = { releases: 3600 };
    const result = await publishRelease(server, input(key, { deploy: { basisPoints: 2500 } }));

    assert.equal(result.versionCode, 1);
    const sent = server.published[0]!;
    assert.equal(sent.channel, 'production');
    assert.equal(sent['basisPoints'], 2500);
    const releases = parseTargets(sent.releases, 'releases');
    assert.equal(releases.signed.version, 2);
    assert.equal(releases.signed.expires, '2026-12-01T11:00:00Z');
    assert.ok(
      verifySignature(key.publicKey, releases.signatures[0]!.sig, canonicalBytes(sent.releases.signed)),
      'signed by the releases key',
    );
    const target = releases.signed.targets[manifestTargetPath(result.releaseId)]!;
    const manifestBytes = server.blobs.get(target.hashes['sha256']!)!;
    assert.equal(manifestBytes.length, target.length);
    const manifest: ReleaseManifest = parseManifest(parseJsonObject(manifestBytes, 'manifest'));
    assert.equal(manifest.releaseId, result.releaseId);
    assert.equal(manifest.createdAt, '2026-12-01T10:00:00Z');
    assert.deepEqual(
      manifest.files.map((f) => f.path),
      ['index.bundle'],
    );
    assert.deepEqual((target.custom as { updraft: { channels: string[] } }).updraft.channels, ['production']);
  });

  it('gives the next versionCode of the same platform and runtime version only', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    await publishRelease(server, input(key));
    assert.equal((await publishRelease(server, input(key))).versionCode, 2);
    assert.equal((await publishRelease(server, input(key, { runtimeVersion: '2.0.0' }))).versionCode, 1);
    assert.equal((await publishRelease(server, input(key, { platform: 'android' }))).versionCode, 1);
  });

  it('puts the provenance reference for the signed manifest into the release target', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    let asked: [string, string] | null = null;
    const ref = { path: 'provenance/x.json', sha256: 'cd'.repeat(32), length: 5, builderKey: key.publicKey };
    const result = await publishRelease(
      server,
      input(key, {
        provenance: async (releaseId, sha) => {
          asked = [releaseId, sha];
          return ref;
        },
      }),
    );
    const target = parseTargets(server.releases, 'releases').signed.targets[manifestTargetPath(result.releaseId)]!;
    assert.deepEqual(asked, [result.releaseId, target.hashes['sha256']]);
    assert.deepEqual((target.custom as { updraft: { provenance: unknown } }).updraft.provenance, ref);
  });

  it('refuses releases metadata its releases key did not sign, and sends nothing', async () => {
    const server = await FakeServer.create(newSigner());
    await assert.rejects(
      publishRelease(server, input(newSigner())),
      (err: unknown) => err instanceof SigningError && err.code === 'untrusted-server',
    );
    assert.equal(server.blobs.size, 0);
    assert.equal(server.published.length, 0);
  });

  it('keeps the listing bounded over 50 publishes: the newest `keep`, and every release in use', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    const ids: string[] = [];
    for (let n = 1; n <= 50; n++) {
      const result = await publishRelease(server, input(key, { keep: 5, now: () => NOW + n * 1000 }));
      assert.equal(result.versionCode, n, 'versionCode keeps rising');
      ids.push(result.releaseId);
      // A channel still serves the first release, and a halted rollout the tenth as `previous`.
      if (n === 1 || n === 10) server.inUse.add(result.releaseId);
      const listed = Object.keys(parseTargets(server.releases, 'releases').signed.targets);
      assert.ok(listed.length <= 5 + server.inUse.size, `${listed.length} targets after ${n} publishes`);
    }
    const listed = new Set(Object.keys(parseTargets(server.releases, 'releases').signed.targets));
    const expected = [ids[0]!, ids[9]!, ...ids.slice(-5)].map(manifestTargetPath);
    assert.deepEqual([...listed].sort(), expected.sort());
  });

  it('keeps 20 of each platform and runtime version by default', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    for (let n = 1; n <= 22; n++) await publishRelease(server, input(key, { now: () => NOW + n * 1000 }));
    await publishRelease(server, input(key, { platform: 'android', now: () => NOW + 99_000 }));
    const listed = Object.values(parseTargets(server.releases, 'releases').signed.targets);
    const platforms = listed.map((t) => (t.custom as { updraft: { platform: string } }).updraft.platform);
    assert.equal(platforms.filter((p) => p === 'ios').length, 20);
    assert.equal(platforms.filter((p) => p === 'android').length, 1);
  });

  it('refuses a keep outside 1–1000 before it reads or sends anything', async () => {
    const key = newSigner();
    const server = await FakeServer.create(key);
    await assert.rejects(
      publishRelease(server, input(key, { keep: 0 })),
      (err: unknown) => err instanceof SigningError && err.exitCode === 2,
    );
    assert.equal(server.blobs.size, 0);
  });
});
