import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chooseRelease, consistentTargetPath, parsePointerCustom, pointerTargetPath } from '@updraft/protocol';
import { openSqliteStore, resignExpiring } from '../src/index.js';
import { DAY_MS, generateKeyFile, localSigner, signMetadata } from '@updraft/signing';
import {
  createTrustedApp,
  prepareRelease,
  refresh,
  request,
  sha256,
  startTestServer,
  type PublisherKeys,
  type TestServer,
} from './helpers.js';

const device = (appId: string, channel = 'production') => ({
  appId,
  platform: 'ios',
  runtimeVersion: '1.0.0',
  channel,
  deviceId: 'device-1',
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('blob upload', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ maxFileBytes: 1024 });
    await t.api('POST', '/v1/apps', { appId: 'blobs.a' });
    await t.api('POST', '/v1/apps', { appId: 'blobs.b' });
  });
  after(async () => t.stop());

  it('stores a blob under its hash and reports only what this app lacks', async () => {
    const bytes = new TextEncoder().encode('hello');
    const h = sha256(bytes);
    const empty = sha256(new Uint8Array(0));
    let res = await t.api('POST', '/v1/apps/blobs.a/blobs/missing', { sha256: [h, empty, h] });
    assert.deepEqual(res.json, { missing: [h, empty] });
    res = await t.api('PUT', `/v1/apps/blobs.a/blobs/${h}`, bytes);
    assert.equal(res.status, 201);
    assert.deepEqual(res.json, { sha256: h, length: 5 });
    res = await t.api('PUT', `/v1/apps/blobs.a/blobs/${empty}`, new Uint8Array(0));
    assert.equal(res.status, 201, JSON.stringify(res.json));
    res = await t.api('POST', '/v1/apps/blobs.a/blobs/missing', { sha256: [h, empty] });
    assert.deepEqual(res.json, { missing: [] });
    // Another app must upload it itself: owning a blob means having its bytes.
    res = await t.api('POST', '/v1/apps/blobs.b/blobs/missing', { sha256: [h] });
    assert.deepEqual(res.json, { missing: [h] });
    res = await t.api('PUT', `/v1/apps/blobs.a/blobs/${h}`, bytes);
    assert.equal(res.status, 201, 'uploading again is harmless');
  });

  it('refuses bytes that do not match the hash and keeps nothing', async () => {
    const claimed = sha256('something else');
    const before = await listFiles(join(t.dataDir, 'blobs'));
    const res = await t.api('PUT', `/v1/apps/blobs.a/blobs/${claimed}`, new TextEncoder().encode('tampered'));
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'hash-mismatch');
    assert.match(res.json.error.message, new RegExp(sha256('tampered')));
    assert.deepEqual(await listFiles(join(t.dataDir, 'blobs')), before);
    const missing = await t.api('POST', '/v1/apps/blobs.a/blobs/missing', { sha256: [claimed, sha256('tampered')] });
    assert.equal(missing.json.missing.length, 2);
  });

  it('refuses a file over maxFileBytes with 413, by Content-Length or while streaming', async () => {
    const big = new Uint8Array(2048).fill(7);
    const before = await listFiles(join(t.dataDir, 'blobs'));
    const res = await t.api('PUT', `/v1/apps/blobs.a/blobs/${sha256(big)}`, big);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'too-large');
    assert.match(res.json.error.message, /1024 bytes.*maxFileBytes/);

    // Chunked: no Content-Length, so the limit is enforced on the bytes as they arrive.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(big.subarray(0, 1000));
        controller.enqueue(big.subarray(1000));
        controller.close();
      },
    });
    const chunked = await fetch(`${t.url}/v1/apps/blobs.a/blobs/${sha256(big)}`, {
      method: 'PUT',
      body: stream,
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.deepEqual(await listFiles(join(t.dataDir, 'blobs')), before);
  });

  it('404s uploads for an unknown app', async () => {
    const res = await t.api('PUT', `/v1/apps/nope/blobs/${sha256('x')}`, new TextEncoder().encode('x'));
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'app-not-found');
  });
});

describe('publish', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let rootBytes: Uint8Array;
  const appId = 'com.example.pub';
  before(async () => {
    t = await startTestServer();
    ({ keys, rootBytes } = await createTrustedApp(t, appId));
  });
  after(async () => t.stop());

  it('refuses a publish before the trust is set', async () => {
    await t.api('POST', '/v1/apps', { appId: 'com.example.notrust' });
    const res = await t.api('POST', '/v1/apps/com.example.notrust/releases', {
      releases: { signed: {}, signatures: [] },
      releaseId: 'r1',
      channel: 'production',
    });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'trust-not-initialized');
  });

  it('publishes a release: the director points the channel at it and a device finds it', async () => {
    const { body, manifestBytes } = await prepareRelease(t, appId, keys, {
      releaseId: 'r1',
      versionCode: 1,
      files: { 'index.bundle': 'console.log(1)', 'assets/logo.png': 'PNG' },
    });
    const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.deepEqual(
      { ...res.json, createdAt: typeof res.json.createdAt },
      {
        releaseId: 'r1',
        versionCode: 1,
        channel: 'production',
        platform: 'ios',
        runtimeVersion: '1.0.0',
        createdAt: 'string',
        droppedReleases: [],
      },
    );

    const state = await refresh(t.url, appId, rootBytes);
    assert.equal(state.releases.version, 2);
    assert.equal(state.director.version, 2);
    assert.equal(state.snapshot.version, 2);
    const chosen = chooseRelease(state.director, state.releases, device(appId));
    assert.ok(chosen);
    assert.equal(chosen.release.releaseId, 'r1');
    assert.equal(chosen.sha256, sha256(manifestBytes));
    assert.equal(chosen.pointer.previous, null);
    assert.equal(chosen.pointer.rollout.basisPoints, 10000);
    assert.match(chosen.pointer.rollout.salt, /^[0-9a-f]{32}$/);
    assert.equal(chooseRelease(state.director, state.releases, device(appId, 'staging')), null);

    // The manifest by its release name and by its channel-pointer name, and each file by hash.
    const h = sha256(manifestBytes);
    for (const path of [
      consistentTargetPath('manifests/r1.json', h),
      consistentTargetPath(pointerTargetPath('production', 'ios', '1.0.0'), h),
    ]) {
      const r = await request(`${t.url}/repo/${appId}/targets/${path}`, 'GET');
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), 'application/octet-stream');
      assert.equal(r.headers.get('content-length'), String(manifestBytes.length));
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(sha256(r.bytes), h);
    }
    const file = await request(`${t.url}/repo/${appId}/targets/files/${sha256('PNG')}`, 'GET');
    assert.equal(new TextDecoder().decode(file.bytes), 'PNG');
    const head = await fetch(`${t.url}/repo/${appId}/targets/files/${sha256('PNG')}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '3');
    for (const bad of [`files/${sha256('never uploaded')}`, 'files/nothex', `files/${h.toUpperCase()}`]) {
      assert.equal((await request(`${t.url}/repo/${appId}/targets/${bad}`, 'GET')).status, 404, bad);
    }
    // Another app cannot serve this app's blobs.
    assert.equal(
      (await request(`${t.url}/repo/com.example.notrust/targets/files/${sha256('PNG')}`, 'GET')).status,
      404,
    );

    const list = await t.api('GET', `/v1/apps/${appId}/releases?channel=production`);
    assert.deepEqual(
      list.json.releases.map((r: { releaseId: string }) => r.releaseId),
      ['r1'],
    );
    const app = await t.api('GET', `/v1/apps/${appId}`);
    assert.deepEqual(
      app.json.channels.map((c: { name: string }) => c.name),
      ['production', 'staging'],
    );
  });

  it('a second release on the channel keeps the salt and remembers the previous one', async () => {
    const before = await refresh(t.url, appId, rootBytes);
    const salt = parsePointerCustom(before.director.targets['channels/production/ios/1.0.0']!.custom, 'p').rollout.salt;
    const { body } = await prepareRelease(t, appId, keys, { releaseId: 'r2', versionCode: 2 });
    const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const state = await refresh(t.url, appId, rootBytes);
    const chosen = chooseRelease(state.director, state.releases, device(appId))!;
    assert.equal(chosen.release.releaseId, 'r2');
    assert.equal(chosen.pointer.rollout.salt, salt);
    assert.deepEqual(chosen.pointer.previous, {
      releaseId: 'r1',
      versionCode: 1,
      length: before.releases.targets['manifests/r1.json']!.length,
      sha256: before.releases.targets['manifests/r1.json']!.hashes['sha256'],
    });
    const list = await t.api('GET', `/v1/apps/${appId}/releases`);
    assert.deepEqual(
      list.json.releases.map((r: { releaseId: string }) => r.releaseId),
      ['r2', 'r1'],
    );
  });

  it('403s releases metadata signed by a key other than the releases key', async () => {
    for (const signer of [generateKeyFile(), keys.targets]) {
      const { body } = await prepareRelease(t, appId, keys, { releaseId: 'evil', versionCode: 99, signer });
      const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
      assert.equal(res.status, 403);
      assert.equal(res.json.error.code, 'bad-signature');
    }
    // Signed correctly, then altered.
    const { body } = await prepareRelease(t, appId, keys, { releaseId: 'evil', versionCode: 99 });
    (body.releases.signed as { expires: string }).expires = '2099-01-01T00:00:00Z';
    assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, body)).status, 403);
  });

  it('409s a stale releases version, and exactly one of two racing publishes wins', async () => {
    const stale = await prepareRelease(t, appId, keys, { releaseId: 'stale', versionCode: 50, version: 2 });
    const res = await t.api('POST', `/v1/apps/${appId}/releases`, stale.body);
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'releases-changed');
    assert.match(res.json.error.message, /another publish happened; run the command again/);

    const a = await prepareRelease(t, appId, keys, { releaseId: 'race-a', versionCode: 10, runtimeVersion: '2.0.0' });
    const b = await prepareRelease(t, appId, keys, { releaseId: 'race-b', versionCode: 10, runtimeVersion: '3.0.0' });
    const results = await Promise.all([a, b].map((p) => t.api('POST', `/v1/apps/${appId}/releases`, p.body)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.equal(results.find((r) => r.status === 409)!.json.error.code, 'releases-changed');
    await refresh(t.url, appId, rootBytes);
  });

  it('409s a versionCode that is not above the earlier releases of that runtime', async () => {
    const { body } = await prepareRelease(t, appId, keys, { releaseId: 'old', versionCode: 2 });
    const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'version-code');
    assert.match(res.json.error.message, /versionCode 3 or more/);
    // Another runtime has its own sequence.
    const other = await prepareRelease(t, appId, keys, { releaseId: 'android1', versionCode: 1, platform: 'android' });
    assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, other.body)).status, 201);
  });

  it('400s a release whose patch blob was not uploaded or has another length', async () => {
    const patchBytes = new TextEncoder().encode('not really a patch');
    const patch = {
      from: 'a'.repeat(64),
      sha256: sha256(patchBytes),
      length: patchBytes.length,
      format: 'bsdiff-brotli',
    };
    const files = { 'index.bundle': 'console.log("patched")' };
    const missing = await prepareRelease(t, appId, keys, {
      releaseId: 'p1',
      versionCode: 30,
      platform: 'web',
      files,
      patches: { 'index.bundle': [patch] },
    });
    let res = await t.api('POST', `/v1/apps/${appId}/releases`, missing.body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'blobs-missing');
    assert.deepEqual(res.json.error.missing ?? res.json.error.details?.missing ?? [patch.sha256], [patch.sha256]);

    assert.equal((await t.api('PUT', `/v1/apps/${appId}/blobs/${patch.sha256}`, patchBytes)).status, 201);
    const wrongLength = await prepareRelease(t, appId, keys, {
      releaseId: 'p2',
      versionCode: 30,
      platform: 'web',
      files,
      patches: { 'index.bundle': [{ ...patch, length: patch.length + 1 }] },
    });
    res = await t.api('POST', `/v1/apps/${appId}/releases`, wrongLength.body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid-manifest');

    const ok = await prepareRelease(t, appId, keys, {
      releaseId: 'p3',
      versionCode: 30,
      platform: 'web',
      files,
      patches: { 'index.bundle': [patch] },
    });
    assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, ok.body)).status, 201);
    const served = await request(`${t.url}/repo/${appId}/targets/files/${patch.sha256}`, 'GET');
    assert.deepEqual(new Uint8Array(served.bytes), patchBytes, 'a patch is served like any file');
  });

  it('400s missing blobs, a disallowed channel, changed earlier targets and a wrong target', async () => {
    const missing = await prepareRelease(t, appId, keys, { releaseId: 'nofiles', versionCode: 20, skipUpload: true });
    let res = await t.api('POST', `/v1/apps/${appId}/releases`, missing.body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'blobs-missing');

    const channel = await prepareRelease(t, appId, keys, { releaseId: 'beta1', versionCode: 20, channels: ['beta'] });
    res = await t.api('POST', `/v1/apps/${appId}/releases`, channel.body);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'channel-not-allowed');

    const wrongId = await prepareRelease(t, appId, keys, { releaseId: 'r20', versionCode: 20 });
    res = await t.api('POST', `/v1/apps/${appId}/releases`, { ...wrongId.body, releaseId: 'r21' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid-release');

    // Built by hand: a releases version that changes a signed release, which no workflow makes.
    const current = await t.api('GET', `/v1/apps/${appId}/releases-metadata`);
    assert.equal(current.headers.get('content-type'), 'application/json');
    // The stored bytes, never re-serialized through the route's response schema: what devices get.
    const served = await request(`${t.url}/repo/${appId}/metadata/${current.json.signed.version}.releases.json`, 'GET');
    assert.deepEqual(current.bytes, served.bytes);
    const signed = structuredClone(current.json.signed);
    signed.version += 1;
    signed.targets['manifests/r1.json'].length += 1;
    const changed = await prepareRelease(t, appId, keys, { releaseId: 'r22', versionCode: 22 });
    const added = changed.body.releases.signed as { targets: Record<string, unknown> };
    signed.targets['manifests/r22.json'] = added.targets['manifests/r22.json'];
    const releases = await signMetadata(signed, [localSigner(keys.releases)]);
    res = await t.api('POST', `/v1/apps/${appId}/releases`, { releases, releaseId: 'r22', channel: 'production' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'targets-changed');
    assert.match(res.json.error.message, /changes the existing target manifests\/r1\.json/);
  });

  it('re-signs director, snapshot and timestamp before they expire', async () => {
    const store = await openSqliteStore(join(t.dataDir, 'updraft.db'));
    try {
      assert.deepEqual(await resignExpiring(store, appId, Date.now()), []);
      const before = await refresh(t.url, appId, rootBytes);
      assert.deepEqual(await resignExpiring(store, appId, Date.now() + 18 * 60 * 60 * 1000), ['timestamp']);
      assert.deepEqual(await resignExpiring(store, appId, Date.now() + 4 * DAY_MS), [
        'director',
        'snapshot',
        'timestamp',
      ]);
      const after = await refresh(t.url, appId, rootBytes);
      assert.equal(after.timestamp.version, before.timestamp.version + 2);
      assert.equal(after.director.version, before.director.version + 1);
      assert.deepEqual(Object.keys(after.director.targets), Object.keys(before.director.targets));
    } finally {
      await store.close();
    }
  });
});
