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

describe('source-map uploads in the audit log', () => {
  let t: TestServer;
  let publisher: string;
  let publisherId: string;
  before(async () => {
    t = await startTestServer({ maxFileBytes: 1024 });
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
    const created = await t.api('POST', '/v1/keys', {
      name: 'ci-publisher',
      role: 'developer',
      kind: 'service',
      scopes: ['publish'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    publisher = created.json.key;
    publisherId = created.json.id;
  });
  after(async () => t.stop());

  const uploads = async () =>
    ((await t.api('GET', `/v1/audit?app=${APP}`)).json.entries as Record<string, unknown>[]).filter(
      (e) => e['action'] === 'sourcemap.upload',
    );
  const put = (name: string, bytes: Uint8Array, headers: Record<string, string>, sha = sha256(bytes)) =>
    request(`${t.url}${path(name)}?sha256=${sha}`, 'PUT', bytes, headers);

  it('records one entry naming the uploader, release, map, size and hash, never the content', async () => {
    const res = await put('index.ios.bundle.map', MAP, { authorization: `Bearer ${publisher}` });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const entries = await uploads();
    assert.equal(entries.length, 1);
    const [entry] = entries as [Record<string, unknown>];
    assert.deepEqual(
      {
        actorId: entry['actorId'],
        actorName: entry['actorName'],
        actorRole: entry['actorRole'],
        actorKind: entry['actorKind'],
        appId: entry['appId'],
        releaseId: entry['releaseId'],
        target: entry['target'],
        requestId: entry['requestId'],
        details: entry['details'],
      },
      {
        actorId: publisherId,
        actorName: 'ci-publisher',
        actorRole: 'developer',
        actorKind: 'service',
        appId: APP,
        releaseId: 'r1',
        target: 'release:r1/sourcemap:index.ios.bundle.map',
        requestId: res.headers.get('x-request-id'),
        details: { name: 'index.ios.bundle.map', sha256: MAP_SHA, length: MAP.length, replaced: null },
      },
    );
    assert.ok(!JSON.stringify(entry).includes('App.tsx'), 'the map itself is not copied into the log');
    assert.equal((await t.api('GET', '/v1/audit/verify')).json.ok, true);
  });

  it('a refused upload (no key, a bad key, a read key, too large, wrong hash, no such release) writes no entry', async () => {
    const before = (await uploads()).length;
    const viewer = (await t.api('POST', '/v1/keys', { name: 'v', role: 'viewer', scopes: ['read'] })).json.key;
    const big = new Uint8Array(2048).fill(0x20);
    const refused: [string, Promise<{ status: number }>, number][] = [
      ['no key', put('a.map', MAP, {}), 401],
      ['a bad key', put('a.map', MAP, { authorization: 'Bearer updraft_api_not-a-key' }), 401],
      ['a read key', put('a.map', MAP, { authorization: `Bearer ${viewer}` }), 403],
      ['too large', put('a.map', big, { authorization: `Bearer ${publisher}` }), 413],
      ['wrong hash', put('a.map', MAP, { authorization: `Bearer ${publisher}` }, '0'.repeat(64)), 400],
      [
        'no such release',
        request(`${t.url}/v1/apps/${APP}/releases/r9/sourcemaps/a.map?sha256=${MAP_SHA}`, 'PUT', MAP, {
          authorization: `Bearer ${publisher}`,
        }),
        404,
      ],
    ];
    for (const [what, res, status] of refused) assert.equal((await res).status, status, what);
    assert.equal((await uploads()).length, before);
    assert.equal((await t.api('GET', path('a.map'))).status, 404, 'nothing was kept either');
  });

  it('uploading a map again is a second entry that names the map it replaced', async () => {
    const rebuilt = new TextEncoder().encode(JSON.stringify({ version: 3, sources: [], names: [], mappings: '' }));
    const res = await put('index.ios.bundle.map', rebuilt, { authorization: `Bearer ${publisher}` });
    assert.equal(res.status, 201);
    const last = (await uploads()).at(-1)!;
    assert.deepEqual((last['details'] as Record<string, unknown>)['replaced'], { sha256: MAP_SHA, length: MAP.length });
  });
});
