import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keyId, parseRoot, parseJsonObject, type TufKey } from '@updraft/protocol';
import { generateKeyFile, publicKeyOf } from '@updraft/signing';
import { buildTrust, publisherKeys, refresh, request, startTestServer, type TestServer } from './helpers.js';

describe('apps and their root of trust', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());

  it('creates an app with three online keys, idempotently until the trust is set', async () => {
    const first = await t.api('POST', '/v1/apps', { appId: 'com.example.idem' });
    assert.equal(first.status, 201);
    assert.equal(first.json.appId, 'com.example.idem');
    for (const role of ['snapshot', 'timestamp', 'director']) {
      const key = first.json.onlineKeys[role] as TufKey;
      assert.equal(key.keytype, 'ed25519');
      assert.match(key.keyval.public, /^[0-9a-f]{64}$/);
      assert.deepEqual(Object.keys(key.keyval), ['public'], 'no private key material is returned');
    }
    const again = await t.api('POST', '/v1/apps', { appId: 'com.example.idem' });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first.json);
  });

  it('accepts a valid trust; the repository then verifies with the protocol package', async () => {
    const appId = 'com.example.trusted';
    const created = await t.api('POST', '/v1/apps', { appId });
    const keys = publisherKeys();
    const trust = await buildTrust(created.json.onlineKeys, keys);
    const res = await t.api('PUT', `/v1/apps/${appId}/trust`, trust);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json, { appId, rootVersion: 1 });

    const root = await request(`${t.url}/repo/${appId}/metadata/1.root.json`, 'GET');
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('content-type'), 'application/json');
    assert.equal(root.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(parseRoot(parseJsonObject(root.bytes, 'root')).signed.version, 1);

    const state = await refresh(t.url, appId, root.bytes);
    assert.equal(state.timestamp.version, 1);
    assert.equal(state.snapshot.version, 1);
    assert.deepEqual(Object.keys(state.snapshot.meta).sort(), ['director.json', 'releases.json', 'targets.json']);
    assert.equal(Object.keys(state.releases.targets).length, 0);
    assert.equal(Object.keys(state.director.targets).length, 0);
    // director expires in 7 days, timestamp in 1.
    const days = (iso: string) => Math.round((Date.parse(iso) - Date.now()) / 86_400_000);
    assert.equal(days(state.director.expires), 7);
    assert.equal(days(state.snapshot.expires), 7);
    assert.equal(days(state.timestamp.expires), 1);

    const ts = await request(`${t.url}/repo/${appId}/metadata/timestamp.json`, 'GET');
    assert.equal(ts.headers.get('cache-control'), 'public, max-age=10, must-revalidate');
    for (const missing of [
      '2.root.json',
      '0.root.json',
      '1.timestamp.json',
      '01.root.json',
      'root.json',
      '2.snapshot.json',
    ]) {
      const r = await request(`${t.url}/repo/${appId}/metadata/${missing}`, 'GET');
      assert.equal(r.status, 404, missing);
    }

    const details = await t.api('GET', `/v1/apps/${appId}`);
    assert.equal(details.status, 200);
    assert.equal(details.json.rootVersion, 1);
    // A new app starts with its two standard channels, empty; any other is created on purpose.
    assert.deepEqual(
      details.json.channels.map((c: { name: string; pointers: unknown[] }) => [c.name, c.pointers.length]),
      [
        ['production', 0],
        ['staging', 0],
      ],
    );
    assert.equal(typeof details.json.createdAt, 'string');
    const list = await t.api('GET', '/v1/apps');
    assert.ok(list.json.apps.some((a: { appId: string }) => a.appId === appId));

    // Trust is set once; the app id is taken.
    assert.equal((await t.api('PUT', `/v1/apps/${appId}/trust`, trust)).json.error.code, 'trust-exists');
    const taken = await t.api('POST', '/v1/apps', { appId });
    assert.equal(taken.status, 409);
    assert.equal(taken.json.error.code, 'app-exists');
  });

  it('serves nothing for an app whose trust is not set', async () => {
    await t.api('POST', '/v1/apps', { appId: 'com.example.untrusted' });
    const r = await request(`${t.url}/repo/com.example.untrusted/metadata/timestamp.json`, 'GET');
    assert.equal(r.status, 404);
    const meta = await t.api('GET', '/v1/apps/com.example.untrusted/releases-metadata');
    assert.equal(meta.status, 404);
    assert.equal(meta.json.error.code, 'trust-not-initialized');
  });

  describe('refuses a trust that would let the server approve code, or that it cannot run', () => {
    const cases: [string, (online: Record<string, TufKey>) => Parameters<typeof buildTrust>[2], RegExp][] = [
      [
        'releases delegation uses the server director key',
        (o) => ({ releasesKeys: [o['director']!] }),
        /releases delegation.*server/,
      ],
      [
        'releases delegation lists the server snapshot key among others',
        (o) => ({ releasesKeys: [publicKeyOf(generateKeyFile()), o['snapshot']!] }),
        /releases delegation.*server/,
      ],
      [
        'releases delegation lists the director key spelled as upper-case hex',
        (o) => ({
          releasesKeys: [{ ...o['director']!, keyval: { public: o['director']!.keyval.public.toUpperCase() } }],
        }),
        /releases delegation.*server/,
      ],
      [
        'director is not the server key',
        () => ({ directorKey: publicKeyOf(generateKeyFile()) }),
        /director delegation/,
      ],
      ['snapshot is not the server key', () => ({ snapshotKey: publicKeyOf(generateKeyFile()) }), /snapshot role/],
      ['root is below its threshold', () => ({ rootSigners: [generateKeyFile()] }), /root/],
    ];
    let n = 0;
    for (const [name, override, message] of cases) {
      it(name, async () => {
        const appId = `com.example.bad${n++}`;
        const created = await t.api('POST', '/v1/apps', { appId });
        const trust = await buildTrust(created.json.onlineKeys, publisherKeys(), override(created.json.onlineKeys));
        const res = await t.api('PUT', `/v1/apps/${appId}/trust`, trust);
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.equal(res.json.error.code, 'invalid-trust');
        assert.match(res.json.error.message, message);
        // Nothing was stored: the app can still be set up properly.
        const ok = await t.api(
          'PUT',
          `/v1/apps/${appId}/trust`,
          await buildTrust(created.json.onlineKeys, publisherKeys()),
        );
        assert.equal(ok.status, 200);
      });
    }

    it('tampered signed content and a float in signed', async () => {
      const appId = 'com.example.tampered';
      const created = await t.api('POST', '/v1/apps', { appId });
      const trust = await buildTrust(created.json.onlineKeys, publisherKeys());
      const tampered = structuredClone(trust);
      tampered.targets.signed['expires'] = '2099-01-01T00:00:00Z';
      let res = await t.api('PUT', `/v1/apps/${appId}/trust`, tampered);
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /targets/);
      const float = structuredClone(trust);
      float.releases.signed['x-extra'] = 1.5;
      res = await t.api('PUT', `/v1/apps/${appId}/trust`, float);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      // A key listed under an id that is not its hash could hide a server key under another name.
      const wrongId = structuredClone(trust);
      const rootKeys = wrongId.root.signed['keys'] as unknown as Record<string, TufKey>;
      const [id, key] = Object.entries(rootKeys)[0]!;
      assert.equal(keyId(key), id);
      delete rootKeys[id];
      rootKeys['f'.repeat(64)] = key;
      res = await t.api('PUT', `/v1/apps/${appId}/trust`, wrongId);
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /key id/);
    });
  });
});
