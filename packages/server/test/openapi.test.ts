import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request, startTestServer, type TestServer } from './helpers.js';

// The OpenAPI document is generated from the schemas the server validates with, so a route
// without a schema shows up here as an operation without parameters or body.

describe('OpenAPI document', () => {
  let t: TestServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document under test
  let doc: any;
  before(async () => {
    t = await startTestServer();
    const res = await request(`${t.url}/openapi.json`, 'GET');
    assert.equal(res.status, 200);
    doc = res.json;
  });
  after(async () => t.stop());

  it('is OpenAPI 3 and served without a key', () => {
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, 'Updraft admin and device API');
    assert.ok(doc.components.securitySchemes.apiKey);
  });

  it('every operation declares its path parameters, its query and (for writes) its JSON body', () => {
    const ops: string[] = [];
    for (const [path, methods] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        ops.push(name);
        const params = (op['parameters'] ?? []) as { in: string; name: string; schema: unknown }[];
        for (const m of path.matchAll(/\{([^}]+)\}/g)) {
          assert.ok(
            params.some((p) => p.in === 'path' && p.name === m[1] && p.schema),
            `${name}: no schema for {${m[1]}}`,
          );
        }
        assert.ok(op['summary'], `${name}: no summary`);
        // Release files and source maps are raw bytes, not JSON.
        const raw = path.includes('/blobs/{sha256}') || path.endsWith('/sourcemaps/{name}');
        if (['post', 'put', 'patch'].includes(method) && !raw) {
          const body = (op['requestBody'] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
          assert.ok(body?.['application/json']?.schema, `${name}: no body schema`);
        }
        if (path.startsWith('/v1')) {
          const scheme = path === '/v1/events' ? 'ingestKey' : 'apiKey';
          assert.deepEqual(op['security'], [{ [scheme]: [] }], `${name}: no security`);
        }
      }
    }
    for (const expected of [
      'POST /v1/apps/{appId}/releases/{releaseId}/promote',
      'POST /v1/apps/{appId}/releases/{releaseId}/rollout',
      'PUT /v1/apps/{appId}/channels/{channel}/protection',
      'POST /v1/keys',
      'GET /v1/audit/verify',
      'POST /device/v1/apps/{appId}/resolve',
    ]) {
      assert.ok(ops.includes(expected), `${expected} is documented`);
    }
  });
});
