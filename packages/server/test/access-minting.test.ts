import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// Issue 14 point 5: no escalation through minting. Each case performs the escalation an
// attacker holding a limited key would try, over real HTTP.

describe('no escalation through minting', () => {
  let t: TestServer;
  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    request(t.url + path, method, body, { authorization: `Bearer ${key}` });
  const mint = async (body: Record<string, unknown>, by?: string) => {
    const res = by ? await as(by)('POST', '/v1/keys', body) : await t.api('POST', '/v1/keys', body);
    return res;
  };
  before(async () => {
    t = await startTestServer();
    for (const app of ['mint.a', 'mint.b', 'mint.c'])
      assert.equal((await t.api('POST', '/v1/apps', { appId: app })).status, 201);
  });
  after(async () => t.stop());

  it('a key with limited scopes cannot mint a * key or one with a scope it lacks', async () => {
    const limited = (await mint({ name: 'keys-only admin', role: 'admin', scopes: ['keys', 'read'] })).json
      .key as string;
    for (const scopes of [['*'], ['keys', 'publish'], ['orgs']]) {
      const res = await mint({ name: 'escalated', role: 'admin', scopes }, limited);
      assert.equal(res.status, 403, JSON.stringify(scopes));
      assert.equal(res.json.error.code, 'forbidden-scope');
    }
    // Leaving the scopes out inherits the creator's, never "*".
    const inherited = await mint({ name: 'inherits', role: 'viewer' }, limited);
    assert.equal(inherited.status, 201);
    assert.deepEqual(inherited.json.scopes, ['keys', 'read']);
    assert.equal((await mint({ name: 'subset', role: 'viewer', scopes: ['read'] }, limited)).status, 201);
  });

  it('an expiring key cannot mint a key that lives longer or never expires', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const expiring = (await mint({ name: 'temp admin', role: 'admin', expiresAt: soon })).json.key as string;
    const later = await mint(
      { name: 'forever', role: 'viewer', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      expiring,
    );
    assert.equal(later.status, 403);
    assert.equal(later.json.error.code, 'forbidden-expiry');
    const none = await mint({ name: 'no expiry given', role: 'viewer' }, expiring);
    assert.equal(none.status, 201);
    assert.equal(none.json.expiresAt, soon, 'inherits the creator expiry');
    // Nor a dashboard user, who would never expire.
    const user = await as(expiring)('POST', '/v1/users', {
      email: 'escape@example.com',
      role: 'viewer',
      password: 'a long enough password',
    });
    assert.equal(user.status, 403);
  });

  it('an app-limited key sees other apps as missing, mints only within its apps, and creates no app or organization', async () => {
    const created = await mint({ name: 'ci for a', role: 'admin', apps: ['mint.a'], kind: 'service' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json.apps, ['mint.a']);
    const ci = as(created.json.key as string);
    assert.equal((await ci('GET', '/v1/apps/mint.a')).status, 200);
    for (const path of ['/v1/apps/mint.b', '/v1/apps/mint.b/channels', '/v1/apps/mint.b/releases']) {
      const res = await ci('GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.json.error.code, 'app-not-found');
    }
    const other = await ci('POST', '/v1/apps/mint.b/channels', { name: 'sneaky' });
    assert.equal(other.status, 404);
    assert.deepEqual(
      (await ci('GET', '/v1/apps')).json.apps.map((a: { appId: string }) => a.appId),
      ['mint.a'],
    );
    assert.deepEqual((await ci('GET', '/v1/org')).json.apps, ['mint.a']);
    assert.equal((await ci('POST', '/v1/apps', { appId: 'mint.new' })).status, 403);
    assert.equal((await ci('GET', '/v1/audit')).status, 403, 'the organization log names other apps');
    const wider = await mint({ name: 'wider', role: 'viewer', apps: ['mint.a', 'mint.b'] }, created.json.key);
    assert.equal(wider.status, 403);
    assert.equal(wider.json.error.code, 'forbidden-app');
    const everything = await mint({ name: 'unlimited', role: 'viewer' }, created.json.key);
    assert.equal(everything.status, 201);
    assert.deepEqual(everything.json.apps, ['mint.a'], 'leaving apps out inherits the limit');
    assert.equal((await mint({ name: 'ghost', role: 'viewer', apps: ['mint.zzz'] })).status, 400);
  });

  it('only the server’s first organization creates organizations', async () => {
    const made = await t.api('POST', '/v1/orgs', { id: 'tenant', name: 'Tenant' });
    assert.equal(made.status, 201);
    const tenantOwner = as(made.json.ownerKey.key as string);
    const res = await tenantOwner('POST', '/v1/orgs', { id: 'tenant2', name: 'Spawned' });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'forbidden-org');
  });
});

describe('publishing to a channel that does not exist', () => {
  let t: TestServer;
  const APP = 'chan.app';
  let keys: Awaited<ReturnType<typeof createTrustedApp>>['keys'];
  before(async () => {
    t = await startTestServer();
    ({ keys } = await createTrustedApp(t, APP));
  });
  after(async () => t.stop());

  it('refuses a typo, naming the existing channels, and creates nothing', async () => {
    const { body } = await prepareRelease(t, APP, keys, {
      releaseId: 'r1',
      versionCode: 1,
      channel: 'prodution',
      channels: ['*'],
    });
    const res = await t.api('POST', `/v1/apps/${APP}/releases`, body);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'channel-not-found');
    assert.match(res.json.error.message, /no channel "prodution"; its channels are: production, staging/);
    const channels = (await t.api('GET', `/v1/apps/${APP}/channels`)).json.channels.map(
      (c: { name: string }) => c.name,
    );
    assert.deepEqual(channels, ['production', 'staging']);
    assert.equal((await t.api('GET', `/v1/apps/${APP}/releases`)).json.releases.length, 0);
  });

  it('a developer cannot create a channel by publishing to it, even when asking', async () => {
    const dev = (await t.api('POST', '/v1/keys', { name: 'dev', role: 'developer' })).json.key as string;
    const { body } = await prepareRelease(t, APP, keys, {
      releaseId: 'r2',
      versionCode: 2,
      channel: 'dev-only',
      channels: ['*'],
    });
    const res = await request(
      `${t.url}/v1/apps/${APP}/releases`,
      'POST',
      { ...body, createChannel: true },
      {
        authorization: `Bearer ${dev}`,
      },
    );
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'forbidden-role');
  });

  it('a release-manager creates it when asking with createChannel', async () => {
    const rm = (await t.api('POST', '/v1/keys', { name: 'rm', role: 'release-manager' })).json.key as string;
    const { body } = await prepareRelease(t, APP, keys, {
      releaseId: 'r3',
      versionCode: 3,
      channel: 'beta',
      channels: ['*'],
    });
    const res = await request(
      `${t.url}/v1/apps/${APP}/releases`,
      'POST',
      { ...body, createChannel: true },
      {
        authorization: `Bearer ${rm}`,
      },
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const audit = (await t.api('GET', `/v1/audit?app=${APP}`)).json.entries.map((e: { action: string }) => e.action);
    assert.ok(audit.includes('channel.create'));
  });
});
