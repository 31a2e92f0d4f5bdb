import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTrustedApp, prepareRelease, request, sha256, startTestServer, type TestServer } from './helpers.js';

// Source maps beside a release (issue 18 §3): kept with a publish key, read with a read key,
// never served by a device route, never part of what the release signs.

const APP = 'maps.app';
const MAP = new TextEncoder().encode(
  JSON.stringify({ version: 3, sources: ['App.tsx'], names: [], mappings: 'AAAA' }) + '\n',
);
const MAP_SHA = sha256(MAP);
const path = (name = '') => `/v1/apps/${APP}/releases/r1/sourcemaps${name ? `/${name}` : ''}`;

describe('source maps beside releases', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
  });
  after(async () => t.stop());

  it('a publish key keeps a map; a read key lists it and gets the same bytes back', async () => {
    const put = await t.api('PUT', `${path('index.android.bundle.map')}?sha256=${MAP_SHA}`, MAP);
    assert.equal(put.status, 201, JSON.stringify(put.json));
    assert.deepEqual(
      { name: put.json.name, sha256: put.json.sha256, length: put.json.length },
      { name: 'index.android.bundle.map', sha256: MAP_SHA, length: MAP.length },
    );
    const viewer = (await t.api('POST', '/v1/keys', { name: 'v', role: 'viewer', scopes: ['read'] })).json.key;
    const auth = { authorization: `Bearer ${viewer}` };
    const list = await request(`${t.url}${path()}`, 'GET', undefined, auth);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.sourcemaps.map((m: { name: string; sha256: string }) => [m.name, m.sha256]),
      [['index.android.bundle.map', MAP_SHA]],
    );
    const got = await request(`${t.url}${path('index.android.bundle.map')}`, 'GET', undefined, auth);
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, MAP);
    assert.equal(got.headers.get('cache-control'), 'private, no-store');
  });

  it('refuses bytes that do not hash to the given SHA-256, and unknown releases and maps', async () => {
    const wrong = await t.api('PUT', `${path('other.map')}?sha256=${'0'.repeat(64)}`, MAP);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error.code, 'hash-mismatch');
    const noRelease = await t.api('PUT', `/v1/apps/${APP}/releases/r9/sourcemaps/x.map?sha256=${MAP_SHA}`, MAP);
    assert.equal(noRelease.status, 404);
    assert.equal(noRelease.json.error.code, 'release-not-found');
    const noMap = await t.api('GET', path('other.map'));
    assert.equal(noMap.status, 404);
    assert.equal(noMap.json.error.code, 'sourcemap-not-found');
    const notAName = await t.api('PUT', `${path('..%2Fetc.map')}?sha256=${MAP_SHA}`, MAP);
    assert.equal(notAName.status, 400);
  });

  it('no unauthenticated or device route serves a map: not the admin route, not targets/, not Expo assets', async () => {
    for (const p of [path('index.android.bundle.map'), path()]) {
      assert.equal((await request(`${t.url}${p}`, 'GET')).status, 401, p);
    }
    for (const p of [
      `/repo/${APP}/targets/files/${MAP_SHA}.index.android.bundle.map`,
      `/repo/${APP}/targets/${MAP_SHA}.map`,
      `/expo/${APP}/assets/${MAP_SHA}.map`,
    ]) {
      const res = await request(`${t.url}${p}`, 'GET');
      assert.equal(res.status, 404, `${p}: ${res.status}`);
      assert.ok(!Buffer.from(res.bytes).includes(Buffer.from('App.tsx')), p);
    }
    const missing = await t.api('POST', `/v1/apps/${APP}/blobs/missing`, { sha256: [MAP_SHA] });
    assert.deepEqual(missing.json.missing, [MAP_SHA], 'a map is not one of the files the app may publish');
  });
});
