import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import {
  createTrustedApp,
  prepareRelease,
  request,
  sha256,
  startTestServer,
  type ApiResponse,
  type TestServer,
} from './helpers.js';

// Bad input on every route of the OpenAPI document: bad bodies, bad ids, SQL and
// path-traversal strings, wrong types, out-of-range numbers, unknown and missing fields.
// Whatever comes in, the answer is never 5xx; input the route's schema refuses is a 400 whose
// message names the field. The schemas are read from /openapi.json, so a new route is covered
// without touching this file (and fails here if it has no baseline below).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ajv is CommonJS; its constructor type is not needed here
const Ajv = createRequire(import.meta.url)('ajv') as any;
const ajv = new Ajv({ strict: false, allErrors: false });

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

const APP = 'bad.app';
const STRINGS = [
  "' OR '1'='1",
  '1; DROP TABLE apps; --',
  "Robert'); DELETE FROM audit_log;--",
  '../../etc/passwd',
  '..\\..\\windows\\system32',
  '%2e%2e%2f%2e%2e%2fetc',
  '..',
  '.',
  '',
  ' ',
  '\u0000',
  'a\nb',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '😀💥',
  'x'.repeat(5000),
];
const VALUES: unknown[] = [...STRINGS, null, true, 0, -1, 1.5, 10001, 1e308, [], [null], {}, { $gt: '' }];

/** Values that are valid for a field's schema are sent too; only refused ones must be 400. */
function schemaAccepts(schema: Schema, value: unknown): boolean {
  return ajv.validate(schema, value) as boolean;
}

let baseline: Record<string, { body?: Record<string, unknown>; query?: Record<string, string> }>;
const context: Record<string, string> = {};

describe('bad input on every route', () => {
  let t: TestServer;
  let doc: { paths: Record<string, Record<string, Operation>> };
  const results: { route: string; status: number; sent: string; message: string }[] = [];

  let allScopesKey = '';

  before(async () => {
    t = await startTestServer();
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
    const key = await t.api('POST', '/v1/keys', { name: 'spare', role: 'viewer' });
    // Every scope, `witness` too (`*` does not include it), so every route gets to its schema.
    allScopesKey = (await t.api('POST', '/v1/keys', { name: 'all', role: 'owner', scopes: ['*', 'witness'] })).json.key;
    Object.assign(context, {
      appId: APP,
      releaseId: 'r1',
      channel: 'production',
      keyId: key.json.id,
      sha256: sha256('nothing'),
      file: '1.root.json',
      role: 'root',
      '*': `files/${sha256('nothing')}`,
      level: '0',
      hash: sha256('nothing'),
      name: 'index.android.bundle.map',
    });
    const env = { signed: {}, signatures: [] };
    const at = '2031-01-01T00:00:00Z';
    baseline = {
      'POST /v1/apps': { body: { appId: 'fresh.app' } },
      'PUT /v1/apps/{appId}/trust': { body: { root: env, targets: env, releases: env } },
      'POST /v1/apps/{appId}/blobs/missing': { body: { sha256: [sha256('x')] } },
      'PUT /v1/apps/{appId}/embedded/{platform}/{runtimeVersion}': {
        body: { files: [{ path: 'main.jsbundle', sha256: sha256('x'), length: 1 }] },
      },
      'POST /v1/apps/{appId}/releases': {
        body: {
          releases: env,
          releaseId: 'r9',
          channel: 'staging',
          basisPoints: 100,
          mandatory: true,
          targeting: { appVersion: '>=1' },
          notes: 'n',
          startAt: at,
        },
      },
      'GET /v1/apps/{appId}/releases': { query: { channel: 'production', limit: '10' } },
      'PATCH /v1/apps/{appId}/releases/{releaseId}': { body: { notes: 'n' } },
      'POST /v1/apps/{appId}/releases/{releaseId}/promote': {
        body: { channel: 'staging', basisPoints: 100, mandatory: false, targeting: { osVersion: '>=1' }, startAt: at },
      },
      'POST /v1/apps/{appId}/releases/{releaseId}/rollout': { body: { channel: 'production', basisPoints: 5000 } },
      'POST /v1/apps/{appId}/releases/{releaseId}/halt': { body: { channel: 'production' } },
      'POST /v1/apps/{appId}/releases/{releaseId}/resume': { body: { channel: 'production' } },
      'POST /v1/apps/{appId}/releases/{releaseId}/disable': { body: {} },
      'POST /v1/apps/{appId}/channels': { body: { name: 'c1', protected: false } },
      'PUT /v1/apps/{appId}/channels/{channel}/protection': { body: { protected: true } },
      'POST /v1/keys': { body: { name: 'k', role: 'viewer', kind: 'service', scopes: ['read'], expiresAt: at } },
      'POST /v1/orgs': { body: { id: 'o1', name: 'O' } },
      'GET /v1/audit': { query: { app: APP, after: '0', limit: '10' } },
      'GET /v1/audit/verify': { query: { app: APP } },
      'PUT /v1/audit/webhook': { body: { url: null } },
      'POST /v1/apps/{appId}/log/cosignatures': { body: { checkpoint: 'c' } },
      'POST /v1/apps/{appId}/online-keys': { body: { role: 'timestamp' } },
      'POST /v1/apps/{appId}/metadata': { body: { root: env, targets: env, releases: env } },
      'PUT /v1/apps/{appId}/expiry': { body: { timestamp: 3600, warnBefore: 86400 } },
      'POST /v1/apps/{appId}/resign': { body: { force: true } },
      'GET /v1/apps/{appId}/releases/{releaseId}/insight': {
        query: { channel: 'production', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' },
      },
      'GET /v1/apps/{appId}/releases/{releaseId}/guardrail': { query: { channel: 'production' } },
      'PUT /v1/apps/{appId}/channels/{channel}/guardrail': {
        body: { enabled: true, thresholdPercent: 5, lookbackMinutes: 30, minLaunches: 50, webhookUrl: null },
      },
      'POST /v1/apps/{appId}/ingest-keys': { body: { name: 'devices' } },
      'POST /v1/apps/{appId}/codepush/deployments': { body: { name: 'cp1', channel: 'production', platform: 'ios' } },
      ...Object.fromEntries(
        ['deploy', 'download'].flatMap((kind) => [
          [
            `POST /v0.1/public/codepush/report_status/${kind}`,
            {
              body: {
                deployment_key: 'no-such-key',
                app_version: '1.0.0',
                client_unique_id: 'c',
                label: 'v1',
                status: 'DeploymentSucceeded',
              },
            },
          ],
          [
            `POST /reportStatus/${kind}`,
            {
              body: {
                deploymentKey: 'no-such-key',
                appVersion: '1.0.0',
                clientUniqueId: 'c',
                label: 'v1',
                status: 'DeploymentSucceeded',
              },
            },
          ],
        ]),
      ),
      'PUT /v1/apps/{appId}/codepush/packages/{releaseId}': {
        body: { packageHash: sha256('x'), signature: null, targetAppVersion: null },
      },
      'PUT /v1/apps/{appId}/expo/updates/{releaseId}': {
        body: { manifest: '{}', signature: null, keyId: null, noUpdateSignature: null },
      },
      'POST /v1/apps/{appId}/expo/rollbacks': {
        body: {
          channel: 'production',
          platform: 'ios',
          runtimeVersion: '1.0.0',
          directive: '{"type":"rollBackToEmbedded","parameters":{"commitTime":"2099-01-01T00:00:00.000Z"}}',
          signature: null,
          keyId: null,
        },
      },
      'POST /v1/users': { body: { email: 'someone@example.com', role: 'viewer', password: 'correct horse battery' } },
      'POST /auth/session': { body: { email: 'nobody@example.com', password: 'wrong' } },
      'POST /v1/events': {
        body: {
          events: [
            {
              id: 'abcdefghijklmnop',
              event: 'launched',
              releaseId: 'r1',
              channel: 'production',
              platform: 'ios',
              reason: 'crash',
              binaryVersion: '1.0.0',
              at,
            },
          ],
        },
      },
      'GET /log/audit/entries': { query: { start: '0', end: '1' } },
      'GET /repo/{appId}/log/entries': { query: { start: '0', end: '1' } },
      'GET /repo/{appId}/log/proof/consistency': { query: { from: '0', to: '1' } },
      'POST /device/v1/apps/{appId}/resolve': {
        body: {
          channel: 'production',
          platform: 'ios',
          runtimeVersion: '1.0.0',
          deviceId: 'd',
          attributes: { appVersion: '1.0.0', arch: 'arm64', custom: { a: 'b' } },
        },
      },
    };
    doc = (await request(`${t.url}/openapi.json`, 'GET')).json;
  });
  after(async () => t.stop());

  function url(path: string, params: Record<string, string>, query?: Record<string, string>): string {
    const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      name === '*' ? params[name]! : encodeURIComponent(params[name]!),
    );
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    return `${t.url}${filled}${qs}`;
  }

  async function send(
    label: string,
    method: string,
    target: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const res = await request(target, method, body, { authorization: `Bearer ${allScopesKey}`, ...headers });
    results.push({
      route: label,
      status: res.status,
      sent: target.slice(0, 200),
      message: res.json?.error?.message ?? '',
    });
    return res;
  }

  function expectRefusal(res: ApiResponse, what: string, field: string): void {
    assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
    assert.ok(
      String(res.json?.error?.message).includes(field),
      `${what}: the message should name ${field}: ${JSON.stringify(res.json)}`,
    );
  }

  it('has a baseline for every documented route with a body or query', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (op.requestBody?.content['application/json']) assert.ok(baseline[key]?.body, `no baseline body for ${key}`);
      }
    }
  });

  it('bad path ids: 400 naming the parameter when the schema refuses them, never 5xx', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        for (const p of (op.parameters ?? []).filter((x) => x.in === 'path')) {
          for (const bad of STRINGS) {
            if (bad === '' || bad === '.' || bad === '..') continue; // the URL would name another path
            const params = { ...context, [p.name]: p.name === '*' ? encodeURIComponent(bad) : bad };
            const body = baseline[key]?.body;
            const res = await send(key, method.toUpperCase(), url(path, params), body);
            assert.ok(res.status < 500, `${key} with ${p.name}=${JSON.stringify(bad).slice(0, 40)}: ${res.status}`);
            if (res.status === 414) {
              // Longer than any id the router accepts: refused before the parameters are even split out.
              assert.ok(bad.length > 2048);
              assert.match(res.json.error.message, /path parameter/);
            } else if (!schemaAccepts(p.schema, bad)) {
              expectRefusal(res, `${key} ${p.name}=${JSON.stringify(bad).slice(0, 40)}`, `params.${p.name}`);
            }
          }
        }
      }
    }
  });

  it('bad query values and unknown query fields: 400 naming them', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method !== 'get') continue;
        const key = `GET ${path}`;
        const res = await send(key, 'GET', url(path, context, { ...baseline[key]?.query, 'x-unknown': '1' }));
        // Devices and load balancers may decorate URLs of the public routes; only the API is strict.
        if (!path.startsWith('/v1')) {
          assert.ok(res.status < 500);
          continue;
        }
        expectRefusal(res, `${key} ?x-unknown`, 'x-unknown');
        for (const q of (op.parameters ?? []).filter((x) => x.in === 'query')) {
          for (const bad of STRINGS) {
            const r = await send(key, 'GET', url(path, context, { ...baseline[key]?.query, [q.name]: bad }));
            assert.ok(r.status < 500, `${key} ${q.name}=${bad.slice(0, 30)}: ${r.status}`);
            if (!schemaAccepts(q.schema, bad))
              expectRefusal(r, `${key} ?${q.name}=${JSON.stringify(bad).slice(0, 30)}`, `querystring.${q.name}`);
          }
          for (const bad of ['0', '-1', '1001', '1e3', '99999999999999999999']) {
            const r = await send(key, 'GET', url(path, context, { ...baseline[key]?.query, [q.name]: bad }));
            assert.ok(r.status < 500);
            if (!schemaAccepts(q.schema, bad)) expectRefusal(r, `${key} ?${q.name}=${bad}`, `querystring.${q.name}`);
          }
        }
      }
    }
  });

  it('bad bodies: every field replaced, removed or added, and bodies that are not objects or not JSON', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (!schema) continue;
        const key = `${method.toUpperCase()} ${path}`;
        const M = method.toUpperCase();
        const target = url(path, context);
        const base = baseline[key]!.body!;
        const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
        const required = (schema['required'] ?? []) as string[];

        for (const raw of [
          'not json',
          '{"a":',
          'null',
          '[]',
          '"string"',
          '123',
          '['.repeat(5000) + ']'.repeat(5000),
          '{"__proto__":{"admin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
        ]) {
          const res = await send(key, M, target, raw);
          assert.ok(
            res.status >= 400 && res.status < 500,
            `${key} body ${raw.slice(0, 20)}: ${res.status} ${JSON.stringify(res.json)}`,
          );
          assert.match(
            String(res.json?.error?.message),
            /body|JSON|object|unknown field/i,
            `${key} body ${raw.slice(0, 20)}`,
          );
        }
        const wrongType = await send(key, M, target, JSON.stringify(base), { 'content-type': 'text/plain' });
        assert.ok(wrongType.status === 415 || wrongType.status === 400, `${key} as text/plain: ${wrongType.status}`);

        const extra = await send(key, M, target, { ...base, 'x-unknown': 1 });
        // Existing device clients (CodePush's SDK) send fields of their own; a public route that
        // says it accepts more may, while the API stays strict.
        if (path.startsWith('/v1') || schema['additionalProperties'] === false)
          expectRefusal(extra, `${key} unknown field`, 'x-unknown');
        else assert.ok(extra.status < 500, `${key} unknown field: ${extra.status}`);
        for (const f of required) {
          const rest = { ...base };
          delete rest[f];
          expectRefusal(await send(key, M, target, rest), `${key} without ${f}`, `body.${f}`);
        }
        for (const [f, fieldSchema] of Object.entries(properties)) {
          for (const bad of VALUES) {
            const res = await send(key, M, target, { ...base, [f]: bad });
            const what = `${key} ${f}=${JSON.stringify(bad)?.slice(0, 40)}`;
            assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
            if (!schemaAccepts(fieldSchema, bad)) expectRefusal(res, what, `body.${f}`);
          }
        }
        if (properties['targeting']) {
          for (const bad of [
            { appVersion: '>=>1' },
            { appVersion: "1' OR 1=1" },
            { arch: [] },
            { arch: ['../x'] },
            { custom: { 'bad key': 'v' } },
            { custom: { k: 1 } },
            { os: '1' },
          ]) {
            const res = await send(key, M, target, { ...base, targeting: bad });
            expectRefusal(res, `${key} targeting=${JSON.stringify(bad)}`, 'body.targeting');
          }
        }
      }
    }
  });

  it('nothing above reached a 5xx, and the database still works', async () => {
    const fivexx = results.filter((r) => r.status >= 500);
    assert.deepEqual(fivexx, []);
    assert.ok(results.length > 1500, `sent ${results.length} requests`);
    const apps = await t.api('GET', '/v1/apps');
    assert.ok(apps.json.apps.some((a: { appId: string }) => a.appId === APP));
    assert.equal((await t.api('GET', '/v1/audit/verify')).json.ok, true);
  });
});
