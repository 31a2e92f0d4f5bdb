import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminApi } from '../src/api-client.js';
import { startStaleConnectionServer } from '@updraft/test-kit/stale-connection-server';

// The CLI's admin client against a server that closes each pooled connection just as the
// client reuses it (what a keep-alive timeout shorter than the CLI's pauses does, e.g. while
// it generates patches): every idempotent request is sent once more, on a new connection.

test('idempotent requests survive a pooled connection closed under them; a plain POST is not sent twice', async () => {
  const server = await startStaleConnectionServer((req) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: req.method, path: req.path, bytes: req.body.length }),
  }));
  try {
    const api = new AdminApi(server.url, 'key');
    const calls: [string, () => Promise<unknown>, unknown][] = [
      ['GET', () => api.call('GET /v1/apps'), { method: 'GET', path: '/v1/apps', bytes: 0 }],
      [
        'PUT',
        () =>
          api.call(
            'PUT /v1/apps/:appId/blobs/:sha256',
            { params: { appId: 'a', sha256: 'h' } },
            {
              raw: new Uint8Array(1000),
            },
          ),
        { method: 'PUT', path: '/v1/apps/a/blobs/h', bytes: 1000 },
      ],
      [
        'POST (a query)',
        () =>
          api.call(
            'POST /v1/apps/:appId/blobs/missing',
            { params: { appId: 'a' }, body: { sha256: [] } },
            { idempotent: true },
          ),
        { method: 'POST', path: '/v1/apps/a/blobs/missing', bytes: 13 },
      ],
      [
        'DELETE',
        () => api.call('DELETE /v1/keys/:keyId', { params: { keyId: 'x' } }),
        { method: 'DELETE', path: '/v1/keys/x', bytes: 0 },
      ],
    ];
    for (const [what, call, expected] of calls) {
      assert.deepEqual(await call(), expected, what);
      await sleep(20); // the connection goes back to the pool: the next request reuses it
    }
    assert.ok(server.cutOff >= 3, `the server cut off ${server.cutOff} reused connections`);

    const answered = server.answered.length;
    await assert.rejects(
      api.call('POST /v1/apps/:appId/releases/:releaseId/halt', {
        params: { appId: 'a', releaseId: 'r' },
        body: { channel: 'c' },
      }),
      { code: 'server-unreachable' },
    );
    assert.equal(server.answered.length, answered, 'a POST that may have changed something is not repeated');
  } finally {
    await server.close();
  }
});
