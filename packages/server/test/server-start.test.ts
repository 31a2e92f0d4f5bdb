import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { API_KEY_PATTERN, startServer } from '../src/index.js';
import { request, startTestServer, tempDir, type TestServer } from './helpers.js';

describe('first start and admin key', () => {
  it('writes admin.key (0600) once; a second start reuses the database and creates no key', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    try {
      const first = await startServer({ dataDir, port: 0 });
      assert.match(first.adminKey ?? '', API_KEY_PATTERN);
      assert.equal(first.adminKeyPath, join(dataDir, 'admin.key'));
      assert.equal((await stat(first.adminKeyPath)).mode & 0o777, 0o600);
      assert.equal((await readFile(first.adminKeyPath, 'utf8')).trim(), first.adminKey);
      await stat(join(dataDir, 'updraft.db'));
      await first.close();

      const second = await startServer({ dataDir, port: 0 });
      try {
        assert.equal(second.adminKey, null);
        assert.equal((await readFile(second.adminKeyPath, 'utf8')).trim(), first.adminKey);
        const res = await request(`${second.url}/v1/apps`, 'GET', undefined, {
          authorization: `Bearer ${first.adminKey}`,
        });
        assert.equal(res.status, 200);
        assert.deepEqual(res.json, { apps: [] });
      } finally {
        await second.close();
      }
    } finally {
      await rm(join(dataDir, '..', '..'), { recursive: true, force: true });
    }
  });
});

describe('HTTP basics', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());

  it('GET /healthz needs no key', async () => {
    const res = await request(`${t.url}/healthz`, 'GET');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true });
  });

  it('answers 401 without a key, with a wrong key, and with a malformed header', async () => {
    for (const authorization of [undefined, 'Bearer updraft_' + 'A'.repeat(43), 'Basic abc', `Bearer ${t.key}x`]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const res = await request(`${t.url}/v1/apps`, 'GET', undefined, headers);
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.json.error.code, 'unauthorized');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  });

  it('refuses an unauthenticated upload before reading it', async () => {
    const res = await request(`${t.url}/v1/apps/a/blobs/${'0'.repeat(64)}`, 'PUT', new Uint8Array(10));
    assert.equal(res.status, 401);
  });

  it('answers bad bodies with 400 and a message naming the field', async () => {
    const cases: [string, string, unknown, string?][] = [
      ['POST', '/v1/apps', {}, 'appId'],
      ['POST', '/v1/apps', { appId: 42 }, 'appId'],
      ['POST', '/v1/apps', { appId: '../etc' }, 'letters'],
      ['POST', '/v1/apps', { appId: 'a', extra: 1 }, 'extra'],
      ['POST', '/v1/apps', '{"appId": ', undefined],
      ['POST', '/v1/apps', '[]', undefined],
      ['POST', '/v1/apps', '{"__proto__": {"x": 1}, "appId": "a"}', undefined],
      ['PUT', '/v1/apps/a/trust', { root: 1, targets: {}, releases: {} }, 'root'],
      ['POST', '/v1/apps/a/blobs/missing', { sha256: ['XYZ'] }, 'SHA-256'],
      ['POST', '/v1/apps/a/blobs/missing', { sha256: Array(20001).fill('0'.repeat(64)) }, 'sha256'],
      [
        'POST',
        '/v1/apps/a/releases',
        { releases: { signed: {}, signatures: [] }, releaseId: 'r 1', channel: 'x' },
        'releaseId',
      ],
      ['GET', '/v1/apps/a/releases?limit=abc', undefined, 'limit'],
    ];
    for (const [method, path, body, mention] of cases) {
      const res = await t.api(method, path, body);
      assert.equal(
        res.status,
        400,
        `${method} ${path} ${String(JSON.stringify(body)).slice(0, 80)} → ${JSON.stringify(res.json)}`,
      );
      assert.equal(typeof res.json.error.code, 'string');
      assert.equal(typeof res.json.error.message, 'string');
      if (mention) assert.match(res.json.error.message, new RegExp(mention));
    }
  });

  it('answers unknown apps with 404 app-not-found and unknown routes with a JSON 404', async () => {
    const res = await t.api('GET', '/v1/apps/nope');
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'app-not-found');
    const missing = await t.api('POST', '/v1/apps/nope/blobs/missing', { sha256: [] });
    assert.equal(missing.status, 404);
    const route = await request(`${t.url}/nothing/here`, 'GET');
    assert.equal(route.status, 404);
    assert.equal(route.json.error.code, 'not-found');
    const repo = await request(`${t.url}/repo/nope/metadata/timestamp.json`, 'GET');
    assert.equal(repo.status, 404);
    assert.equal(repo.headers.get('cache-control'), 'no-store');
  });
});
