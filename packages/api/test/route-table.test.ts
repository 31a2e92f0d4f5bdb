import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_ROUTES, AdminClient, AdminHttpError, routeTarget, type FetchLike } from '@updraft/api';

test('routeTarget fills the path parameters (encoded) and appends the query', () => {
  assert.deepEqual(
    routeTarget('POST /v1/apps/:appId/releases/:releaseId/rollout', { params: { appId: 'a.b', releaseId: 'r 1/2' } }),
    { method: 'POST', path: '/v1/apps/a.b/releases/r%201%2F2/rollout' },
  );
  assert.deepEqual(routeTarget('GET /v1/audit', { query: { app: 'x', limit: '5', after: undefined } }), {
    method: 'GET',
    path: '/v1/audit?app=x&limit=5',
  });
  assert.throws(() => routeTarget('GET /v1/apps/:appId', {}), /no value for :appId/);
});

test('every route of the table declares a success response and its error responses', () => {
  for (const [route, schema] of Object.entries(ADMIN_ROUTES)) {
    const statuses = Object.keys(schema.response);
    assert.ok(
      statuses.some((s) => s.startsWith('2')),
      `${route}: no success response`,
    );
    assert.ok(statuses.includes('400') && statuses.includes('401'), `${route}: no error responses`);
  }
});

test("every route's path parameters are the ones its params schema requires", () => {
  for (const [route, schema] of Object.entries(ADMIN_ROUTES)) {
    const inPath = [...route.matchAll(/:([A-Za-z][A-Za-z0-9]*)/g)].map((m) => m[1]).sort();
    const required = 'params' in schema ? [...(schema.params.required as readonly string[])].sort() : [];
    assert.deepEqual(inPath, required, route);
  }
});

test('call sends the route with its body and answers the JSON', async () => {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetch: FetchLike = async (url, init) => {
    sent.push({ url, init });
    return new Response(JSON.stringify({ name: 'beta', protected: true, createdAt: 't', pointers: [] }), {
      status: 201,
    });
  };
  const client = new AdminClient({ baseUrl: 'http://h/', apiKey: 'k', fetch });
  const channel = await client.call('POST /v1/apps/:appId/channels', {
    params: { appId: 'app' },
    body: { name: 'beta', protected: true },
  });
  assert.equal(channel.name, 'beta');
  assert.equal(sent[0]!.url, 'http://h/v1/apps/app/channels');
  assert.equal(sent[0]!.init.method, 'POST');
  assert.equal(sent[0]!.init.body, JSON.stringify({ name: 'beta', protected: true }));
});

test('call sends raw bytes and the idempotent flag when asked, and answers the bytes of a raw route', async () => {
  const sent: { url: string; init: RequestInit; options: { idempotent?: boolean } }[] = [];
  const fetch: FetchLike = async (url, init, options) => {
    sent.push({ url, init, options });
    if (url.endsWith('.map')) return new Response(new Uint8Array([123, 125]), { status: 200 });
    return new Response(JSON.stringify({ sha256: 'a'.repeat(64), length: 2, missing: [] }), { status: 201 });
  };
  const client = new AdminClient({ baseUrl: 'http://h', apiKey: 'k', fetch });
  const bytes = new Uint8Array([1, 2]);
  await client.call(
    'PUT /v1/apps/:appId/blobs/:sha256',
    { params: { appId: 'app', sha256: 'a'.repeat(64) } },
    { raw: bytes },
  );
  assert.equal(sent[0]!.init.body, bytes);
  assert.equal((sent[0]!.init.headers as Record<string, string>)['content-type'], 'application/octet-stream');
  assert.deepEqual(sent[0]!.options, {});

  await client.call(
    'POST /v1/apps/:appId/blobs/missing',
    { params: { appId: 'app' }, body: { sha256: [] } },
    { idempotent: true },
  );
  assert.deepEqual(sent[1]!.options, { idempotent: true });
  assert.equal(sent[1]!.init.body, JSON.stringify({ sha256: [] }));

  const map: Uint8Array = await client.call('GET /v1/apps/:appId/releases/:releaseId/sourcemaps/:name', {
    params: { appId: 'app', releaseId: 'r1', name: 'index.map' },
  });
  assert.deepEqual([...map], [123, 125]);
});

test('call throws the server error with its code and the request line', async () => {
  const fetch: FetchLike = async () =>
    new Response(JSON.stringify({ error: { code: 'codepush-package-not-found', message: 'no package' } }), {
      status: 404,
    });
  const client = new AdminClient({ baseUrl: 'http://h', fetch });
  await assert.rejects(
    client.call('GET /v1/apps/:appId/releases/:releaseId/sourcemaps/:name', {
      params: { appId: 'a', releaseId: 'r', name: 'x.map' },
    }),
    (err: unknown) =>
      err instanceof AdminHttpError &&
      err.status === 404 &&
      err.code === 'codepush-package-not-found' &&
      err.request === 'GET /v1/apps/a/releases/r/sourcemaps/x.map',
  );
});
