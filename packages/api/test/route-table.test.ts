import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_ROUTES, AdminClient, routeTarget, type FetchLike } from '@updraft/api';

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
