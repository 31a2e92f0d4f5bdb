import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// Device events, rollups, guardrails and dashboard sessions over real HTTP and a real SQLite file.

const APP = 'insight.app';
const eid = () => randomBytes(16).toString('base64url');
const event = (e: string, releaseId: string | null, extra: Record<string, unknown> = {}) => ({
  id: eid(),
  event: e,
  releaseId,
  channel: 'production',
  platform: 'ios',
  at: new Date().toISOString(),
  ...extra,
});

async function publishOne(t: TestServer, appId: string, releaseId = 'r1') {
  const { keys } = await createTrustedApp(t, appId);
  const { body } = await prepareRelease(t, appId, keys, { releaseId, versionCode: 1 });
  const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
}

async function ingestKey(t: TestServer, appId: string): Promise<{ id: string; key: string }> {
  const res = await t.api('POST', `/v1/apps/${appId}/ingest-keys`, { name: 'devices' });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

const send = (t: TestServer, key: string, events: unknown[]) =>
  request(`${t.url}/v1/events`, 'POST', { events }, { authorization: `Bearer ${key}` });

describe('device events', () => {
  let t: TestServer;
  let key: string;
  before(async () => {
    t = await startTestServer({ guardrailIntervalMs: 0, sourceBudget: 100_000 });
    await publishOne(t, APP);
    key = (await ingestKey(t, APP)).key;
  });
  after(async () => t.stop());

  it('accepts a batch with the ingest key and counts a retried batch once', async () => {
    const batch = [
      event('launched', 'r1'),
      event('app_ready', 'r1'),
      event('crash', 'r1', { reason: 'unconfirmed-launch' }),
    ];
    const first = await send(t, key, batch);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.deepEqual(first.json, { accepted: 3, duplicates: 0, uncounted: 0 });
    const retry = await send(t, key, batch);
    assert.deepEqual(retry.json, { accepted: 0, duplicates: 3, uncounted: 0 });
    // The same id twice in one batch is stored once too.
    const twice = event('check', 'r1');
    assert.deepEqual((await send(t, key, [twice, twice])).json, { accepted: 1, duplicates: 1, uncounted: 0 });
    const insight = await t.api('GET', `/v1/apps/${APP}/releases/r1/insight?channel=production`);
    assert.equal(insight.status, 200, JSON.stringify(insight.json));
    assert.equal(insight.json.totals.launched, 1);
    assert.equal(insight.json.totals.crash, 1);
    assert.equal(insight.json.totals.check, 1);
    assert.equal(insight.json.rates.crash, 1);
    assert.equal(insight.json.series.at(-1).adoption, 1);
  });

  it('refuses admin keys, unknown keys, revoked keys and no key; an ingest key opens no admin route', async () => {
    const batch = [event('check', null)];
    assert.equal((await request(`${t.url}/v1/events`, 'POST', { events: batch })).status, 401);
    assert.equal((await send(t, t.key, batch)).status, 401, 'an admin key is not an ingest key');
    assert.equal((await send(t, `updraft_ingest_${'A'.repeat(43)}`, batch)).status, 401);
    const spare = await ingestKey(t, APP);
    assert.equal((await send(t, spare.key, batch)).status, 200);
    assert.equal((await t.api('DELETE', `/v1/apps/${APP}/ingest-keys/${spare.id}`)).status, 200);
    const revoked = await send(t, spare.key, batch);
    assert.equal(revoked.status, 401);
    assert.match(revoked.json.error.message, /revoked/);
    for (const path of ['/v1/apps', `/v1/apps/${APP}/releases`, '/v1/me']) {
      const res = await request(`${t.url}${path}`, 'GET', undefined, { authorization: `Bearer ${key}` });
      assert.equal(res.status, 401, `${path} with an ingest key`);
    }
    const list = await t.api('GET', `/v1/apps/${APP}/ingest-keys`);
    assert.ok(list.json.keys.every((k: Record<string, unknown>) => !('key' in k) && !('keySha256' in k)));
  });

  it('stores no device identifier and no IP address: unknown fields are refused, the table has no such column', async () => {
    const withDevice = await send(t, key, [event('launched', 'r1', { deviceId: 'abc123' })]);
    assert.equal(withDevice.status, 400);
    assert.match(withDevice.json.error.message, /deviceId/);
    const withIp = await send(t, key, [event('launched', 'r1', { ip: '10.0.0.1' })]);
    assert.equal(withIp.status, 400);
    const db = new Database(join(t.dataDir, 'updraft.db'), { readonly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(device_events)').all() as { name: string }[]).map((c) => c.name);
      assert.deepEqual(columns.sort(), [
        'app_id',
        'at',
        'binary_version',
        'channel',
        'event',
        'id',
        'platform',
        'reason',
        'received_minute',
        'release_id',
      ]);
      const rows = db.prepare('SELECT * FROM device_events').all() as Record<string, unknown>[];
      const text = JSON.stringify(rows);
      assert.ok(!text.includes('127.0.0.1') && !text.includes('abc123'), 'no IP or device id in any row');
    } finally {
      db.close();
    }
  });

  it('rolls up per (release, channel, event, minute): 500 events in a minute are a handful of rows', async () => {
    const events = Array.from({ length: 500 }, (_, i) => event(i % 2 ? 'launched' : 'app_ready', 'r1'));
    assert.deepEqual((await send(t, key, events)).json, { accepted: 500, duplicates: 0, uncounted: 0 });
    const db = new Database(join(t.dataDir, 'updraft.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT COUNT(*) AS n FROM event_rollups WHERE release_id = 'r1'").get() as { n: number };
      assert.ok(rows.n <= 2 * 10, `${rows.n} rollup rows`);
    } finally {
      db.close();
    }
  });
});

describe('ingest rate limit', () => {
  it('answers 429 with retry-after once a key goes over its events per second', async () => {
    // A slow refill (1 event/s): two batches of 50 spend the burst, and the third is refused
    // however long a loaded machine takes between them (at 100/s a 0.5 s stall refilled it).
    const t = await startTestServer({ guardrailIntervalMs: 0, ingestRateLimit: { eventsPerSecond: 1, burst: 100 } });
    try {
      await publishOne(t, APP);
      const { key } = await ingestKey(t, APP);
      const batch = () => Array.from({ length: 50 }, () => event('check', null));
      assert.equal((await send(t, key, batch())).status, 200);
      assert.equal((await send(t, key, batch())).status, 200);
      const limited = await send(t, key, batch());
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.match(limited.json.error.message, /retry the same batch/);
    } finally {
      await t.stop();
    }
  });
});

describe('guardrails', () => {
  let t: TestServer;
  let key: string;
  let hook: Server;
  let hookUrl: string;
  const received: unknown[] = [];
  let hookCalls = 0;

  before(async () => {
    // A webhook receiver that fails the first call, so the retry is exercised.
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hookCalls++;
        if (hookCalls === 1) {
          res.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    // One test process is one network source: lift the per-source budget, and below ask for one source.
    t = await startTestServer({
      guardrailIntervalMs: 100,
      sourceBudget: 100_000,
      webhook: { attempts: 3, backoffMs: 50, timeoutMs: 2000, allowLoopback: true },
    });
    await publishOne(t, APP);
    key = (await ingestKey(t, APP)).key;
  });
  after(async () => {
    await t.stop();
    await new Promise((r) => hook.close(r));
  });

  const pointer = async () =>
    (await t.api('GET', `/v1/apps/${APP}/releases/r1`)).json.current.find(
      (p: { channel: string }) => p.channel === 'production',
    );
  const waitFor = async (cond: () => Promise<boolean>, ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };

  it('does not act below the minimum sample or below the threshold', async () => {
    const set = await t.api('PUT', `/v1/apps/${APP}/channels/production/guardrail`, {
      minLaunches: 40,
      thresholdPercent: 10,
      webhookUrl: hookUrl,
      mode: 'halt',
      minSources: 1,
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    // 20 launches, 10 crashes: 50 % but too few launches.
    await send(t, key, [
      ...Array.from({ length: 20 }, () => event('launched', 'r1')),
      ...Array.from({ length: 10 }, () => event('crash', 'r1')),
    ]);
    assert.equal(await waitFor(async () => (await pointer()).halted, 500), false);
    const health = await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=production`);
    assert.equal(health.json.status, 'insufficient-data');
    // Raise the sample with healthy launches: 10 / 110 = 9 % ≤ 10 %.
    await send(
      t,
      key,
      Array.from({ length: 90 }, () => event('launched', 'r1')),
    );
    assert.equal(await waitFor(async () => (await pointer()).halted, 500), false);
    assert.equal(
      (await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=production`)).json.status,
      'watching',
    );
  });

  it('halts above the threshold through the halt service, audits it as the guardrail and calls the webhook with a retry', async () => {
    await send(
      t,
      key,
      Array.from({ length: 5 }, () => event('rollback', 'r1', { reason: 'crash' })),
    );
    await send(
      t,
      key,
      Array.from({ length: 5 }, () => event('crash', 'r1')),
    );
    // 15 crashes / 110 launches = 13.6 % > 10 %.
    assert.ok(await waitFor(async () => (await pointer()).halted, 5000), 'halted');
    const p = await pointer();
    assert.equal(p.effectiveBasisPoints, 0, 'devices outside get previous: the director signs 0');
    const audit = await t.api('GET', `/v1/audit?app=${APP}`);
    const halt = audit.json.entries.find((e: { action: string }) => e.action === 'release.halt');
    assert.equal(halt.actorName, 'guardrail');
    assert.equal(halt.actorKind, 'service');
    assert.equal(halt.details.guardrail.metric, 'crash');
    assert.ok(halt.signingKeyIds.length > 0, 'the director was re-signed');
    assert.equal((await t.api('GET', '/v1/audit/verify')).json.ok, true);
    assert.ok(await waitFor(async () => received.length === 1, 3000), 'webhook delivered');
    assert.equal(hookCalls, 2, 'the first call failed and was retried');
    assert.deepEqual(
      Object.keys(received[0] as object).sort(),
      [
        'appId',
        'at',
        'channel',
        'failures',
        'failureSources',
        'launches',
        'mode',
        'lookbackMinutes',
        'metric',
        'platform',
        'rate',
        'releaseId',
        'runtimeVersion',
        'threshold',
        'type',
      ].sort(),
    );
    const health = await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=production`);
    assert.equal(health.json.status, 'halted-by-guardrail');
    assert.equal(health.json.lastTrip.webhookStatus, 'delivered');
    assert.equal(health.json.lastTrip.webhookAttempts, 2);
    // A person resumes: the window restarts after the trip, so it is not halted again by old data.
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases/r1/resume`, { channel: 'production' })).status, 200);
    assert.equal(await waitFor(async () => (await pointer()).halted, 400), false);
  });
});

describe('dashboard sessions and users', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ guardrailIntervalMs: 0 });
    await publishOne(t, APP);
  });
  after(async () => t.stop());

  const cookieOf = (res: { headers: Headers }) => {
    const set = res.headers.get('set-cookie') ?? '';
    return set.split(';')[0]!;
  };

  it('signs in with an API key: httpOnly SameSite=Strict cookie, /v1/me, CSRF header for changes, sign-out ends it', async () => {
    const res = await request(`${t.url}/auth/session`, 'POST', { apiKey: t.key });
    assert.equal(res.status, 200);
    const setCookie = res.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.ok(!setCookie.includes(t.key), 'the cookie is not the API key');
    const cookie = cookieOf(res);
    const me = await request(`${t.url}/v1/me`, 'GET', undefined, { cookie });
    assert.equal(me.status, 200);
    assert.equal(me.json.role, 'owner');
    assert.equal(me.json.may.releaseOps, true);
    const body = { channel: 'production', basisPoints: 2500 };
    const noCsrf = await request(`${t.url}/v1/apps/${APP}/releases/r1/rollout`, 'POST', body, { cookie });
    assert.equal(noCsrf.status, 403, 'a cross-site form cannot change anything');
    assert.equal(noCsrf.json.error.code, 'csrf');
    const withCsrf = await request(`${t.url}/v1/apps/${APP}/releases/r1/rollout`, 'POST', body, {
      cookie,
      'x-updraft-csrf': '1',
    });
    assert.equal(withCsrf.status, 200, JSON.stringify(withCsrf.json));
    assert.equal((await request(`${t.url}/auth/session`, 'DELETE', undefined, { cookie })).status, 200);
    assert.equal((await request(`${t.url}/v1/me`, 'GET', undefined, { cookie })).status, 401);
    assert.equal((await request(`${t.url}/v1/me`, 'GET', undefined, { cookie: 'updraft_session=forged' })).status, 401);
  });

  it('users: scrypt hashes, role-limited, wrong passwords throttled, disabling ends sessions', async () => {
    const create = await t.api('POST', '/v1/users', {
      email: 'Vera@Example.com',
      role: 'viewer',
      password: 'correct horse battery',
    });
    assert.equal(create.status, 201, JSON.stringify(create.json));
    assert.equal(create.json.email, 'vera@example.com');
    assert.ok(!('passwordHash' in create.json));
    const db = new Database(join(t.dataDir, 'updraft.db'), { readonly: true });
    const stored = (db.prepare('SELECT password_hash FROM users').get() as { password_hash: string }).password_hash;
    db.close();
    assert.match(stored, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!stored.includes('correct horse'));
    const short = await t.api('POST', '/v1/users', { email: 'x@example.com', role: 'viewer', password: 'short' });
    assert.equal(short.status, 400);

    const login = await request(`${t.url}/auth/session`, 'POST', {
      email: 'vera@example.com',
      password: 'correct horse battery',
    });
    assert.equal(login.status, 200);
    const cookie = cookieOf(login);
    const me = await request(`${t.url}/v1/me`, 'GET', undefined, { cookie });
    assert.equal(me.json.role, 'viewer');
    assert.equal(me.json.may.releaseOps, false);
    const viewerHalt = await request(
      `${t.url}/v1/apps/${APP}/releases/r1/halt`,
      'POST',
      { channel: 'production' },
      { cookie, 'x-updraft-csrf': '1' },
    );
    assert.equal(viewerHalt.status, 403, 'a viewer session cannot halt');

    for (let i = 0; i < 5; i++) {
      const bad = await request(`${t.url}/auth/session`, 'POST', { email: 'vera@example.com', password: `wrong ${i}` });
      assert.equal(bad.status, 401);
    }
    const throttled = await request(`${t.url}/auth/session`, 'POST', {
      email: 'vera@example.com',
      password: 'correct horse battery',
    });
    assert.equal(throttled.status, 429, 'five failures lock the email for a while');

    assert.equal((await t.api('DELETE', `/v1/users/${create.json.id}`)).status, 200);
    assert.equal((await request(`${t.url}/v1/me`, 'GET', undefined, { cookie })).status, 401, 'disabled: session over');
  });

  it('serves the dashboard page with its security headers', async () => {
    const res = await fetch(`${t.url}/`);
    assert.ok(res.status === 200 || res.status === 503);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal((await fetch(`${t.url}/assets/..%2Fpackage.json`)).status, 404);
  });
});
