import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_ROUTES } from '@updraft/api';
import type { FastifyInstance } from 'fastify';
import { buildApp, FolderBlobStore, openSqliteStore } from '../src/index.js';
import type { Database } from '../src/persistence/persistence.js';
import { request, startTestServer, type TestServer } from './helpers.js';
import { registeredRoutes } from './route-catalogue.js';

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

  it("every route of the typed client's table (ADMIN_ROUTES) is an operation the server serves", () => {
    for (const route of Object.keys(ADMIN_ROUTES)) {
      const [method, path] = route.split(' ') as [string, string];
      const documented = path.replace(/:([A-Za-z][A-Za-z0-9]*)/g, '{$1}');
      assert.ok(doc.paths[documented]?.[method.toLowerCase()], `${route}: not in /openapi.json`);
    }
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

/**
 * Routes the server registers but leaves out of the document on purpose, each with why.
 * HEAD is left out everywhere: Fastify answers it for every GET (the document lists the GET).
 */
const HIDDEN: Record<string, string> = {
  'GET /openapi.json': 'the document itself',
  'GET /': "the dashboard's HTML page, not an API",
  'GET /assets/{file}': "the dashboard's static files, not an API",
  'GET /metrics': "Prometheus metrics for the operator's scraper, behind their own token (docs/operations.md)",
};

/** Error statuses whose body is not `{error: {code, message}}`, each with why. */
const OTHER_ERROR_BODIES: Record<string, string> = {
  'GET /readyz 503': 'the readiness report, the same shape as the 200',
  'GET /repo/{appId}/targets/{*} 416': 'no body: Content-Range names the length (RFC 9110)',
  'GET /expo/{appId}/assets/{file} 416': 'no body: Content-Range names the length (RFC 9110)',
};

type Responses = Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document under test
type Operation = { responses?: Responses; parameters?: unknown[]; requestBody?: unknown; security?: any };

/** What an operation fails to declare about its answers; empty when it declares them all. */
function missingResponses(name: string, op: Operation): string[] {
  const responses = op.responses ?? {};
  const missing: string[] = [];
  // Without a response schema, @fastify/swagger writes a bare `200: Default Response`.
  const success = Object.entries(responses).filter(
    ([code, r]) =>
      /^[23]\d\d$/.test(code) &&
      (code === '204' || code === '304' || Object.values(r.content ?? {}).some((media) => media.schema)),
  );
  if (success.length === 0) missing.push('a success response with its schema (or 204)');
  const errors = Object.entries(responses).filter(([code]) => /^[45]\d\d$/.test(code));
  for (const [code, r] of errors) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON schema under test
    const schema = r.content?.['application/json']?.schema as any;
    if (`${name} ${code}` in OTHER_ERROR_BODIES) continue;
    if (!schema) missing.push(`${code}: a JSON schema`);
    else if (!schema.properties?.error) {
      missing.push(`${code}: the {error: {code, message}} schema`);
    }
  }
  // Whatever takes input can refuse it; whatever needs a credential can refuse that.
  if ((op.parameters?.length || op.requestBody) && !responses['400']) missing.push('400 for invalid input');
  if (op.security?.length && !responses['401']) missing.push('401 for a missing or wrong credential');
  return missing;
}

describe('OpenAPI document: coverage of the routes and their responses', () => {
  let app: FastifyInstance;
  let store: Database;
  let dir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document under test
  let doc: any;
  const operations = (): [string, Operation][] =>
    Object.entries<Record<string, Operation>>(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
    );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'updraft-openapi-'));
    store = await openSqliteStore(join(dir, 'updraft.db'));
    // Every optional route on: /metrics needs a token.
    app = await buildApp({
      store,
      blobs: await FolderBlobStore.open(join(dir, 'blobs')),
      jobs: false,
      metricsToken: 't',
    });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(async () => {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('documents every route the server registers, except the deliberately hidden ones', () => {
    const registered = registeredRoutes(app);
    assert.ok(registered.includes('GET /repo/{appId}/targets/{*}'), 'the route tree was read');
    const documented = operations().map(([name]) => name);
    for (const name of Object.keys(HIDDEN))
      assert.ok(registered.includes(name), `${name} is hidden but not registered`);
    const undocumented = registered.filter((name) => !(name in HIDDEN) && !documented.includes(name));
    const unregistered = documented.filter((name) => !registered.includes(name));
    assert.deepEqual({ undocumented, unregistered }, { undocumented: [], unregistered: [] });
  });

  it('every operation declares its success response schema and its error responses', () => {
    const problems: string[] = [];
    for (const [name, op] of operations()) {
      const missing = missingResponses(name, op);
      if (missing.length > 0) problems.push(`${name} does not declare ${missing.join('; ')}`);
    }
    assert.deepEqual(problems, []);
  });
});
