import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTrustedApp, prepareRelease, request, sha256, startTestServer, type TestServer } from './helpers.js';

// Who may ship: every admin route × every kind of caller, over real HTTP. The expectations
// below are the specification (docs/api.md "Roles and scopes"), written out independently
// of the server's own tables.

const RANK = { viewer: 0, developer: 1, 'release-manager': 2, admin: 3, owner: 4 } as const;
type RoleName = keyof typeof RANK;

interface Caller {
  name: string;
  role: RoleName;
  kind: 'member' | 'service';
  scopes?: string[];
  /** 401 on every route. */
  invalid?: 'revoked' | 'expired' | 'none';
  key?: string;
}

interface Route {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: Uint8Array;
  role: RoleName;
  scopes: string[];
  /** Changes a protected channel: release-manager+ or a CI service account only. */
  protectedChannel?: boolean;
}

const APP = 'acl.app';
const blob = new TextEncoder().encode('acl-blob');
const blobHash = sha256(blob);

function expectAllowed(route: Route, c: Caller): boolean {
  if (c.invalid) return false;
  if (RANK[c.role] < RANK[route.role]) return false;
  const scopes = c.scopes ?? ['*'];
  // `*` stands for every scope but `witness`, which must be named on the key (issue 14 §2).
  const wildcard = scopes.includes('*') && route.scopes.some((s) => s !== 'witness');
  if (!wildcard && !route.scopes.some((s) => scopes.includes(s))) return false;
  if (
    route.protectedChannel &&
    !(RANK[c.role] >= RANK['release-manager'] || (c.kind === 'service' && c.role !== 'viewer'))
  )
    return false;
  return true;
}

describe('route × role matrix', () => {
  let t: TestServer;
  let routes: Route[];
  const callers: Caller[] = [
    { name: 'owner', role: 'owner', kind: 'member' },
    { name: 'admin', role: 'admin', kind: 'member' },
    { name: 'release-manager', role: 'release-manager', kind: 'member' },
    { name: 'developer', role: 'developer', kind: 'member' },
    { name: 'viewer', role: 'viewer', kind: 'member' },
    { name: 'ci', role: 'developer', kind: 'service' },
    { name: 'ci-viewer', role: 'viewer', kind: 'service' },
    { name: 'read-only-developer', role: 'developer', kind: 'member', scopes: ['read'] },
    { name: 'publish-only-ci', role: 'developer', kind: 'service', scopes: ['publish'] },
    { name: 'witness', role: 'viewer', kind: 'service', scopes: ['witness'] },
    { name: 'revoked', role: 'admin', kind: 'member', invalid: 'revoked' },
    { name: 'expired', role: 'admin', kind: 'member', invalid: 'expired' },
    { name: 'no key', role: 'owner', kind: 'member', invalid: 'none' },
  ];

  before(async () => {
    t = await startTestServer();
    const { keys } = await createTrustedApp(t, APP);
    for (const channel of ['production', 'staging']) {
      const { body } = await prepareRelease(t, APP, keys, {
        releaseId: `r-${channel}`,
        versionCode: channel === 'production' ? 1 : 2,
        channel,
      });
      const res = await t.api('POST', `/v1/apps/${APP}/releases`, body);
      assert.equal(res.status, 201, JSON.stringify(res.json));
    }
    assert.equal(
      (await t.api('PUT', `/v1/apps/${APP}/channels/production/protection`, { protected: true })).status,
      200,
    );

    for (const c of callers) {
      if (c.name === 'owner') {
        c.key = t.key;
        continue;
      }
      if (c.invalid === 'none') continue;
      const body: Record<string, unknown> = { name: c.name, role: c.role, kind: c.kind };
      if (c.scopes) body['scopes'] = c.scopes;
      if (c.invalid === 'expired') body['expiresAt'] = new Date(Date.now() + 1000).toISOString();
      const res = await t.api('POST', '/v1/keys', body);
      assert.equal(res.status, 201, JSON.stringify(res.json));
      assert.match(res.json.key, /^updraft_[A-Za-z0-9_-]{43}$/);
      c.key = res.json.key;
      if (c.invalid === 'revoked') assert.equal((await t.api('DELETE', `/v1/keys/${res.json.id}`)).status, 200);
    }
    // Let the expiring key expire: a real clock, not a mocked one.
    await new Promise((r) => setTimeout(r, 1100));

    const app = `/v1/apps/${APP}`;
    const trustShape = { signed: {}, signatures: [] };
    routes = [
      { name: 'list apps', method: 'GET', path: '/v1/apps', role: 'viewer', scopes: ['read'] },
      { name: 'create app', method: 'POST', path: '/v1/apps', body: { appId: APP }, role: 'admin', scopes: ['apps'] },
      { name: 'show app', method: 'GET', path: app, role: 'viewer', scopes: ['read'] },
      {
        name: 'set trust',
        method: 'PUT',
        path: `${app}/trust`,
        body: { root: trustShape, targets: trustShape, releases: trustShape },
        role: 'admin',
        scopes: ['apps'],
      },
      {
        name: 'missing blobs',
        method: 'POST',
        path: `${app}/blobs/missing`,
        body: { sha256: [blobHash] },
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'upload blob',
        method: 'PUT',
        path: `${app}/blobs/${blobHash}`,
        raw: blob,
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'releases metadata',
        method: 'GET',
        path: `${app}/releases-metadata`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'releases in use',
        method: 'GET',
        path: `${app}/releases-in-use`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'register embedded bundle',
        method: 'PUT',
        path: `${app}/embedded/ios/1.0.0`,
        body: { files: [{ path: 'main.jsbundle', sha256: blobHash, length: blob.length }] },
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'embedded bundle',
        method: 'GET',
        path: `${app}/embedded/ios/1.0.0`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'publish to staging',
        method: 'POST',
        path: `${app}/releases`,
        body: { releases: trustShape, releaseId: 'x1', channel: 'staging' },
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'publish to protected',
        method: 'POST',
        path: `${app}/releases`,
        body: { releases: trustShape, releaseId: 'x1', channel: 'production' },
        role: 'developer',
        scopes: ['publish'],
        protectedChannel: true,
      },
      { name: 'list releases', method: 'GET', path: `${app}/releases`, role: 'viewer', scopes: ['read'] },
      {
        name: 'latest metadata',
        method: 'GET',
        path: `${app}/metadata/root`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'new online key',
        method: 'POST',
        path: `${app}/online-keys`,
        body: { role: 'director' },
        role: 'admin',
        scopes: ['apps'],
      },
      {
        name: 'upload offline metadata',
        method: 'POST',
        path: `${app}/metadata`,
        body: { root: trustShape },
        role: 'admin',
        scopes: ['apps'],
      },
      { name: 'show lifetimes', method: 'GET', path: `${app}/expiry`, role: 'viewer', scopes: ['read', 'publish'] },
      {
        name: 'set lifetimes',
        method: 'PUT',
        path: `${app}/expiry`,
        body: { timestamp: 86400 },
        role: 'admin',
        scopes: ['apps'],
      },
      {
        name: 're-sign',
        method: 'POST',
        path: `${app}/resign`,
        body: {},
        role: 'developer',
        scopes: ['release', 'publish'],
      },
      { name: 'show release', method: 'GET', path: `${app}/releases/r-staging`, role: 'viewer', scopes: ['read'] },
      {
        name: 'release notes',
        method: 'PATCH',
        path: `${app}/releases/r-staging`,
        body: { notes: 'n' },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'promote to staging',
        method: 'POST',
        path: `${app}/releases/r-staging/promote`,
        body: { channel: 'staging' },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'promote to protected',
        method: 'POST',
        path: `${app}/releases/r-production/promote`,
        body: { channel: 'production' },
        role: 'developer',
        scopes: ['release'],
        protectedChannel: true,
      },
      {
        name: 'rollout staging',
        method: 'POST',
        path: `${app}/releases/r-staging/rollout`,
        body: { channel: 'staging', basisPoints: 5000 },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'rollout protected',
        method: 'POST',
        path: `${app}/releases/r-production/rollout`,
        body: { channel: 'production', basisPoints: 5000 },
        role: 'developer',
        scopes: ['release'],
        protectedChannel: true,
      },
      {
        name: 'halt staging',
        method: 'POST',
        path: `${app}/releases/r-staging/halt`,
        body: { channel: 'staging' },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'resume staging',
        method: 'POST',
        path: `${app}/releases/r-staging/resume`,
        body: { channel: 'staging' },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'halt protected',
        method: 'POST',
        path: `${app}/releases/r-production/halt`,
        body: { channel: 'production' },
        role: 'developer',
        scopes: ['release'],
        protectedChannel: true,
      },
      {
        name: 'resume protected',
        method: 'POST',
        path: `${app}/releases/r-production/resume`,
        body: { channel: 'production' },
        role: 'developer',
        scopes: ['release'],
        protectedChannel: true,
      },
      {
        name: 'disable (unknown release)',
        method: 'POST',
        path: `${app}/releases/ghost/disable`,
        body: {},
        role: 'developer',
        scopes: ['release'],
      },
      { name: 'list channels', method: 'GET', path: `${app}/channels`, role: 'viewer', scopes: ['read'] },
      {
        name: 'create channel',
        method: 'POST',
        path: `${app}/channels`,
        body: { name: 'staging' },
        role: 'release-manager',
        scopes: ['channels'],
      },
      {
        name: 'protect channel',
        method: 'PUT',
        path: `${app}/channels/staging/protection`,
        body: { protected: false },
        role: 'admin',
        scopes: ['channels'],
      },
      {
        name: 'create key',
        method: 'POST',
        path: '/v1/keys',
        body: { name: 'made-in-matrix', role: 'viewer' },
        role: 'admin',
        scopes: ['keys'],
      },
      { name: 'list keys', method: 'GET', path: '/v1/keys', role: 'admin', scopes: ['keys'] },
      {
        name: 'revoke key',
        method: 'DELETE',
        path: '/v1/keys/00000000-0000-4000-8000-000000000000',
        role: 'admin',
        scopes: ['keys'],
      },
      { name: 'show org', method: 'GET', path: '/v1/org', role: 'viewer', scopes: ['read'] },
      {
        name: 'create org',
        method: 'POST',
        path: '/v1/orgs',
        body: { id: 'matrix-org', name: 'M' },
        role: 'owner',
        scopes: ['orgs'],
      },
      { name: 'audit list', method: 'GET', path: '/v1/audit', role: 'admin', scopes: ['audit'] },
      { name: 'log identity', method: 'GET', path: `${app}/log`, role: 'viewer', scopes: ['read'] },
      {
        name: 'log cosignatures',
        method: 'POST',
        path: `${app}/log/cosignatures`,
        body: { checkpoint: 'not a checkpoint' },
        role: 'viewer',
        scopes: ['witness'],
      },
      { name: 'audit verify', method: 'GET', path: '/v1/audit/verify', role: 'admin', scopes: ['audit'] },
      { name: 'audit anchor status', method: 'GET', path: '/v1/audit/anchor-status', role: 'admin', scopes: ['audit'] },
      { name: 'audit webhook', method: 'GET', path: '/v1/audit/webhook', role: 'admin', scopes: ['audit'] },
      {
        name: 'audit webhook deliveries',
        method: 'GET',
        path: '/v1/audit/webhook/deliveries',
        role: 'admin',
        scopes: ['audit'],
      },
      {
        name: 'set audit webhook',
        method: 'PUT',
        path: '/v1/audit/webhook',
        body: { url: null },
        role: 'admin',
        scopes: ['audit'],
      },
      {
        name: 'who am I',
        method: 'GET',
        path: '/v1/me',
        role: 'viewer',
        scopes: ['read', 'publish', 'release', 'channels', 'apps', 'keys', 'audit', 'orgs', 'witness'],
      },
      {
        name: 'release insight',
        method: 'GET',
        path: `${app}/releases/r-production/insight`,
        role: 'viewer',
        scopes: ['read'],
      },
      {
        name: 'release guardrail health',
        method: 'GET',
        path: `${app}/releases/r-production/guardrail?channel=production`,
        role: 'viewer',
        scopes: ['read'],
      },
      { name: 'guardrails', method: 'GET', path: `${app}/guardrails`, role: 'viewer', scopes: ['read'] },
      {
        name: 'guardrail webhook deliveries',
        method: 'GET',
        path: `${app}/webhooks/deliveries`,
        role: 'viewer',
        scopes: ['read'],
      },
      {
        name: 'set guardrail',
        method: 'PUT',
        path: `${app}/channels/staging/guardrail`,
        body: { thresholdPercent: 5 },
        role: 'release-manager',
        scopes: ['channels'],
      },
      {
        name: 'create ingest key',
        method: 'POST',
        path: `${app}/ingest-keys`,
        body: { name: 'devices' },
        role: 'admin',
        scopes: ['apps'],
      },
      { name: 'list ingest keys', method: 'GET', path: `${app}/ingest-keys`, role: 'viewer', scopes: ['read'] },
      {
        name: 'revoke ingest key',
        method: 'DELETE',
        path: `${app}/ingest-keys/00000000-0000-4000-8000-000000000000`,
        role: 'admin',
        scopes: ['apps'],
      },
      {
        name: 'add CodePush deployment',
        method: 'POST',
        path: `${app}/codepush/deployments`,
        body: { name: 'Staging', channel: 'staging', platform: 'ios' },
        role: 'release-manager',
        scopes: ['channels'],
      },
      {
        name: 'list CodePush deployments',
        method: 'GET',
        path: `${app}/codepush/deployments`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'remove CodePush deployment',
        method: 'DELETE',
        path: `${app}/codepush/deployments/NoSuchDeployment`,
        role: 'release-manager',
        scopes: ['channels'],
      },
      {
        name: 'make CodePush package',
        method: 'PUT',
        path: `${app}/codepush/packages/no-such-release`,
        body: { packageHash: '0'.repeat(64), signature: null, targetAppVersion: null },
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'CodePush package',
        method: 'GET',
        path: `${app}/codepush/packages/no-such-release`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'keep a source map',
        method: 'PUT',
        path: `${app}/releases/r-production/sourcemaps/index.android.bundle.map?sha256=${'0'.repeat(64)}`,
        raw: new TextEncoder().encode('{}'),
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'list source maps',
        method: 'GET',
        path: `${app}/releases/r-production/sourcemaps`,
        role: 'viewer',
        scopes: ['read'],
      },
      {
        name: 'download a source map',
        method: 'GET',
        path: `${app}/releases/r-production/sourcemaps/index.android.bundle.map`,
        role: 'viewer',
        scopes: ['read'],
      },
      { name: 'Expo signing status', method: 'GET', path: `${app}/expo`, role: 'viewer', scopes: ['read', 'publish'] },
      {
        name: 'store Expo update',
        method: 'PUT',
        path: `${app}/expo/updates/no-such-release`,
        body: { manifest: '{}', signature: null, keyId: null, noUpdateSignature: null },
        role: 'developer',
        scopes: ['publish'],
      },
      {
        name: 'Expo update',
        method: 'GET',
        path: `${app}/expo/updates/no-such-release`,
        role: 'viewer',
        scopes: ['read', 'publish'],
      },
      {
        name: 'Expo rollBackToEmbedded',
        method: 'POST',
        path: `${app}/expo/rollbacks`,
        body: {
          channel: 'staging',
          platform: 'ios',
          runtimeVersion: '1.0.0',
          directive: '{"type":"rollBackToEmbedded","parameters":{"commitTime":"2099-01-01T00:00:00.000Z"}}',
          signature: null,
          keyId: null,
        },
        role: 'developer',
        scopes: ['release'],
      },
      {
        name: 'create user',
        method: 'POST',
        path: '/v1/users',
        body: { email: `matrix-${Math.random()}@example.com`, role: 'viewer', password: 'correct horse battery' },
        role: 'admin',
        scopes: ['keys'],
      },
      { name: 'list users', method: 'GET', path: '/v1/users', role: 'admin', scopes: ['keys'] },
      {
        name: 'disable user',
        method: 'DELETE',
        path: '/v1/users/00000000-0000-4000-8000-000000000000',
        role: 'admin',
        scopes: ['keys'],
      },
    ];
  });
  after(async () => t.stop());

  it('covers every /v1 route of the OpenAPI document', async () => {
    const doc = (await request(`${t.url}/openapi.json`, 'GET')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    // Device events take the app's ingest key, not an admin key (ingest.test.ts covers them).
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1') && path !== '/v1/events')
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const normal = (r: Route) =>
      `${r.method} ${r.path
        .replace(`/apps/${APP}`, '/apps/{appId}')
        .replace(/\/releases\/[^/]+/, (m) => (m === '/releases/' ? m : '/releases/{releaseId}'))
        .replace(/\/blobs\/[0-9a-f]{64}/, '/blobs/{sha256}')
        .replace(/\/channels\/[^/]+\/protection/, '/channels/{channel}/protection')
        .replace(/\/keys\/[0-9a-f-]{36}/, '/keys/{keyId}')
        .replace(/\/metadata\/(root|targets|releases|director|snapshot|timestamp)$/, '/metadata/{role}')

        .replace(/\/embedded\/[^/]+\/[^/]+$/, '/embedded/{platform}/{runtimeVersion}')
        .replace(/\/users\/[0-9a-f-]{36}/, '/users/{userId}')
        .replace(/\/codepush\/deployments\/[^/]+/, '/codepush/deployments/{name}')
        .replace(/\/codepush\/packages\/[^/]+/, '/codepush/packages/{releaseId}')
        .replace(/\/expo\/updates\/[^/]+/, '/expo/updates/{releaseId}')
        .replace(/\/sourcemaps\/[^/?]+/, '/sourcemaps/{name}')
        .replace(/\/ingest-keys\/[0-9a-f-]{36}/, '/ingest-keys/{keyId}')
        .replace(/\/channels\/[^/]+\/guardrail/, '/channels/{channel}/guardrail')
        .replace(/\?.*$/, '')}`;
    const tested = new Set(routes.map(normal));
    for (const d of documented) assert.ok(tested.has(d), `the matrix misses ${d}`);
  });

  it('allows exactly what the role, the scopes and channel protection allow', async () => {
    const failures: string[] = [];
    let checks = 0;
    for (const route of routes) {
      for (const c of callers) {
        const headers: Record<string, string> = c.key ? { authorization: `Bearer ${c.key}` } : {};
        const res = await request(`${t.url}${route.path}`, route.method, route.raw ?? route.body, headers);
        const allowed = expectAllowed(route, c);
        checks++;
        if (c.invalid) {
          if (res.status !== 401) failures.push(`${route.name} as ${c.name}: ${res.status}, expected 401`);
          else if (c.invalid !== 'none' && !res.json.error.message.includes(c.invalid))
            failures.push(`${route.name} as ${c.name}: 401 does not say "${c.invalid}"`);
        } else if (allowed && (res.status === 401 || res.status === 403 || res.status >= 500)) {
          failures.push(`${route.name} as ${c.name}: ${res.status} ${JSON.stringify(res.json)}, expected allowed`);
        } else if (!allowed && res.status !== 403) {
          failures.push(`${route.name} as ${c.name}: ${res.status}, expected 403`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(checks, routes.length * callers.length);
  });

  it('refused calls change nothing: a developer cannot halt production, and it is not in the audit log', async () => {
    const developer = callers.find((c) => c.name === 'developer')!;
    const before = (await t.api('GET', '/v1/audit')).json.entries.length;
    const res = await request(
      `${t.url}/v1/apps/${APP}/releases/r-production/rollout`,
      'POST',
      { channel: 'production', basisPoints: 1 },
      { authorization: `Bearer ${developer.key}` },
    );
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'channel-protected');
    const channels = (await t.api('GET', `/v1/apps/${APP}/channels`)).json.channels;
    assert.notEqual(channels.find((c: { name: string }) => c.name === 'production').pointers[0].basisPoints, 1);
    assert.equal((await t.api('GET', '/v1/audit')).json.entries.length, before);
  });

  it('an admin cannot mint an owner key; keys are listed without secrets, with last use', async () => {
    const admin = callers.find((c) => c.name === 'admin')!;
    const res = await request(
      `${t.url}/v1/keys`,
      'POST',
      { name: 'x', role: 'owner' },
      { authorization: `Bearer ${admin.key}` },
    );
    assert.equal(res.status, 403);
    const list = (await t.api('GET', '/v1/keys')).json.keys as Record<string, unknown>[];
    assert.ok(list.length >= callers.length - 1);
    for (const k of list) {
      assert.equal(k['key'], undefined);
      assert.equal(k['keySha256'], undefined);
      assert.ok(!JSON.stringify(k).includes('updraft_'));
    }
    const owner = list.find((k) => k['name'] === 'owner')!;
    assert.equal(owner['role'], 'owner');
    assert.ok(owner['lastUsedAt'], 'last use is recorded');
    assert.ok(list.find((k) => k['name'] === 'revoked')!['revokedAt']);
    assert.ok(list.find((k) => k['name'] === 'expired')!['expiresAt']);
  });

  it('organizations are isolated: another org sees none of this app', async () => {
    const created = await t.api('POST', '/v1/orgs', { id: 'other-org', name: 'Other' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const other = { authorization: `Bearer ${created.json.ownerKey.key}` };
    assert.deepEqual((await request(`${t.url}/v1/apps`, 'GET', undefined, other)).json.apps, []);
    for (const [method, path, body] of [
      ['GET', `/v1/apps/${APP}`, undefined],
      ['GET', `/v1/apps/${APP}/releases`, undefined],
      ['POST', `/v1/apps/${APP}/releases/r-staging/rollout`, { channel: 'staging', basisPoints: 1 }],
      ['POST', `/v1/apps/${APP}/channels`, { name: 'evil' }],
    ] as const) {
      const res = await request(`${t.url}${path}`, method, body, other);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.json.error.code, 'app-not-found');
    }
    const sameName = await request(`${t.url}/v1/apps`, 'POST', { appId: APP }, other);
    assert.equal(sameName.status, 409, 'cannot take over an existing app id');
    assert.deepEqual((await request(`${t.url}/v1/keys`, 'GET', undefined, other)).json.keys.length, 1);
  });
});
