import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../src/index.js';
import { openSqliteStore } from '../src/persistence/sqlite.js';
import { request, startTestServer, tempDir, type TestServer } from './helpers.js';

// Issue 14 point 6: password guessing against dashboard sign-in, in parallel and across
// instances; and emails that must not reveal other organizations' users.

const PASSWORD = 'correct horse battery staple';

describe('sign-in throttling', () => {
  let t: TestServer;
  let second: RunningServer;
  before(async () => {
    t = await startTestServer();
    // A second instance on the same database, as behind a load balancer.
    second = await startServer({ dataDir: t.dataDir, port: 0 });
    for (const email of ['vera@example.com', 'otto@example.com']) {
      const res = await t.api('POST', '/v1/users', { email, role: 'viewer', password: PASSWORD });
      assert.equal(res.status, 201, JSON.stringify(res.json));
    }
  });
  after(async () => {
    await second.close();
    await t.stop();
  });

  const signIn = (url: string, email: string, password: string) =>
    request(`${url}/auth/session`, 'POST', { email, password });

  it('200 parallel guesses get at most 5 password checks; the rest are refused before any check', async () => {
    const guesses = Array.from({ length: 200 }, (_, i) =>
      signIn(i % 2 ? t.url : second.url, 'vera@example.com', `guess ${i}`),
    );
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    const evaluated = statuses.filter((s) => s === 401).length;
    assert.ok(evaluated <= 5, `${evaluated} guesses were checked`);
    assert.equal(statuses.filter((s) => s === 429).length, 200 - evaluated);
    // Even the right password waits now.
    assert.equal((await signIn(t.url, 'vera@example.com', PASSWORD)).status, 429);
  });

  it('counts attempts across instances: 5 failures spread over two instances lock the email', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await signIn(t.url, 'otto@example.com', `a${i}`)).status, 401);
    for (let i = 0; i < 2; i++) assert.equal((await signIn(second.url, 'otto@example.com', `b${i}`)).status, 401);
    assert.equal((await signIn(second.url, 'otto@example.com', 'b2')).status, 429);
  });

  it('evicts by age only: many other emails never reset a locked one; a window ends after 15 minutes', async () => {
    const store = await openSqliteStore(`${await tempDir()}/throttle.db`);
    try {
      const key = (s: string) => createHash('sha256').update(s).digest('hex');
      const now = Date.parse('2026-12-01T00:00:00Z');
      const window = 15 * 60_000;
      for (let i = 1; i <= 5; i++) assert.equal(await store.access.reserveSignInAttempt(key('target'), now, window), i);
      for (let i = 0; i < 2000; i++) await store.access.reserveSignInAttempt(key(`flood ${i}`), now + 1, window);
      await store.access.evictSignInAttempts(now + 2 - window);
      assert.equal(
        await store.access.reserveSignInAttempt(key('target'), now + 2, window),
        6,
        'the flood did not reset it',
      );
      await store.access.evictSignInAttempts(now + window + 1 - window);
      assert.equal(await store.access.reserveSignInAttempt(key('target'), now + window + 1, window), 1, 'a new window');
    } finally {
      await store.close();
    }
  });
});

describe('dashboard emails per organization', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());

  it('a taken email in another organization is not revealed; each signs in to its own organization', async () => {
    assert.equal(
      (await t.api('POST', '/v1/users', { email: 'lea@example.com', role: 'admin', password: PASSWORD })).status,
      201,
    );
    const org = await t.api('POST', '/v1/orgs', { id: 'tenant', name: 'Tenant' });
    assert.equal(org.status, 201);
    const tenant = org.json.ownerKey.key as string;
    const other = `${PASSWORD} (tenant)`;
    const res = await request(
      `${t.url}/v1/users`,
      'POST',
      { email: 'Lea@example.com', role: 'viewer', password: other },
      { authorization: `Bearer ${tenant}` },
    );
    assert.equal(res.status, 201, 'the same email in another organization is just another user');
    const home = await request(`${t.url}/auth/session`, 'POST', { email: 'lea@example.com', password: PASSWORD });
    assert.equal(home.status, 200);
    const away = await request(`${t.url}/auth/session`, 'POST', {
      org: 'tenant',
      email: 'lea@example.com',
      password: other,
    });
    assert.equal(away.status, 200);
    const cookie = (away.headers.get('set-cookie') ?? '').split(';')[0]!;
    const me = await request(`${t.url}/v1/me`, 'GET', undefined, { cookie });
    assert.equal(me.json.org.id, 'tenant');
    assert.equal(me.json.role, 'viewer');
    // The tenant's password does not open the first organization's account, nor the reverse.
    assert.equal(
      (await request(`${t.url}/auth/session`, 'POST', { email: 'lea@example.com', password: other })).status,
      401,
    );
  });
});
