import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pruneExpired } from '../src/jobs/retention-job.js';
import { openSqliteStore } from '../src/index.js';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// Issue 14 §3: the ingest key ships inside every app binary, so it is public. Over real HTTP
// and a real SQLite file, one network source (127.0.0.1) plays the attacker; real devices
// are other loopback addresses (127.0.0.2…), as distinct sources are in the field.

const APP = 'hostile.telemetry';
const eid = () => randomBytes(16).toString('base64url');
const event = (e: string, releaseId: string | null, channel = 'production') => ({
  id: eid(),
  event: e,
  releaseId,
  channel,
  platform: 'ios',
  at: new Date().toISOString(),
});

/** POST /v1/events from a given local address. */
function sendFrom(
  t: TestServer,
  key: string,
  from: string,
  events: unknown[],
): Promise<{ status: number; json: Record<string, number> }> {
  const body = JSON.stringify({ events });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${t.url}/v1/events`,
      {
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, number> }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('a holder of the public ingest key, from one network source', () => {
  let t: TestServer;
  let key: string;
  const attacker = '127.0.0.1';
  const db = () => new Database(join(t.dataDir, 'updraft.db'), { readonly: true });
  const pointer = async (channel = 'production') =>
    (await t.api('GET', `/v1/apps/${APP}/releases/r1`)).json.current.find(
      (p: { channel: string }) => p.channel === channel,
    );
  const health = async (channel = 'production') =>
    (await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=${channel}`)).json;
  // The guardrail job runs every 100 ms: give it a few passes.
  const evaluate = () => new Promise((r) => setTimeout(r, 600));

  before(async () => {
    t = await startTestServer({ guardrailIntervalMs: 100 });
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, {
      releaseId: 'r1',
      versionCode: 1,
      channels: ['production', 'staging'],
    });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
    const promoted = await t.api('POST', `/v1/apps/${APP}/releases/r1/promote`, {
      channel: 'staging',
      basisPoints: 10_000,
    });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.json));
    key = (await t.api('POST', `/v1/apps/${APP}/ingest-keys`, { name: 'devices' })).json.key;
    // Even with the guardrail in automatic `halt` mode and a low bar.
    for (const channel of ['production', 'staging']) {
      const set = await t.api('PUT', `/v1/apps/${APP}/channels/${channel}/guardrail`, {
        mode: 'halt',
        minLaunches: 20,
        thresholdPercent: 5,
      });
      assert.equal(set.status, 200, JSON.stringify(set.json));
    }
  });
  after(async () => t?.stop());

  it('cannot halt a rollout: 80 forged crashes (and 5,000 more) from one source change nothing', async () => {
    await sendFrom(t, key, attacker, [
      ...Array.from({ length: 40 }, () => event('launched', 'r1')),
      ...Array.from({ length: 80 }, () => event('crash', 'r1')),
    ]);
    for (let i = 0; i < 10; i++) {
      await sendFrom(
        t,
        key,
        attacker,
        Array.from({ length: 500 }, () => event('crash', 'r1')),
      );
    }
    await evaluate();
    assert.equal((await pointer()).halted, false, 'production still rolling out');
    const h = await health();
    assert.equal(h.failureSources, 1, 'one source, however many events');
    assert.notEqual(h.status, 'halted-by-guardrail');
  });

  it('cannot hide a crashing release: real crashes from 12 sources still halt under a flood of forged launches', async () => {
    // The attacker floods launches on staging (every batch it can get in).
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      const r = await sendFrom(
        t,
        key,
        attacker,
        Array.from({ length: 500 }, () => event('launched', 'r1', 'staging')),
      );
      if (r.status === 429) refused++;
      else assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    assert.ok(refused > 0, 'the per-source rate limit answered 429');
    // 12 real devices: 5 launches and 2 crashes each (40 %).
    for (let d = 2; d < 14; d++) {
      const r = await sendFrom(t, key, `127.0.0.${d}`, [
        ...Array.from({ length: 5 }, () => event('launched', 'r1', 'staging')),
        ...Array.from({ length: 2 }, () => event('crash', 'r1', 'staging')),
      ]);
      assert.deepEqual(r.json, { accepted: 7, duplicates: 0, uncounted: 0 });
    }
    await evaluate();
    assert.equal((await pointer('staging')).halted, true, 'halted despite ~10,000 forged launches');
    const h = await health('staging');
    assert.equal(h.status, 'halted-by-guardrail');
    assert.ok(h.launches <= 60 + 100, `the attacker's launches count up to its budget only (${h.launches})`);
  });

  it('cannot grow the database: 20,000 events with random release and channel names land in one unknown bucket', async () => {
    const count = (table: string) => {
      const d = db();
      try {
        return (d.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    const before = count('event_rollups');
    for (let i = 0; i < 40; i++) {
      await sendFrom(
        t,
        key,
        `127.0.${1 + (i % 3)}.200`,
        Array.from({ length: 500 }, () =>
          event('launched', `r${randomBytes(6).toString('hex')}`, `c${randomBytes(4).toString('hex')}`),
        ),
      );
    }
    const grown = count('event_rollups') - before;
    assert.ok(grown <= 3, `at most one new rollup row per minute and event kind (${grown})`);
    const d = db();
    try {
      const names = d
        .prepare(
          "select distinct release_id, channel from event_rollups where release_id like 'r%' and release_id != 'r1'",
        )
        .all();
      assert.deepEqual(names, [], 'no forged name is stored');
      const unknown = d
        .prepare("select count(*) as n from event_rollups where release_id = '?' and channel = '?'")
        .get() as { n: number };
      assert.ok(unknown.n >= 1, 'they are counted in the unknown bucket');
    } finally {
      d.close();
    }
  });
});

describe('guardrail modes and retention', () => {
  it('a protected channel alerts by default; only an admin may make it halt; an alert trips without halting', async () => {
    const t = await startTestServer({ guardrailIntervalMs: 100 });
    try {
      const { keys } = await createTrustedApp(t, APP);
      const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
      assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
      const protect = await t.api('PUT', `/v1/apps/${APP}/channels/production/protection`, { protected: true });
      assert.equal(protect.status, 200, JSON.stringify(protect.json));
      const listed = (await t.api('GET', `/v1/apps/${APP}/guardrails`)).json.guardrails;
      const prod = listed.find((g: { channel: string }) => g.channel === 'production');
      assert.deepEqual([prod.mode, prod.modeConfigured], ['alert', false]);

      const rm = (await t.api('POST', '/v1/keys', { name: 'rm', role: 'release-manager' })).json.key;
      const asRm = (b: unknown) =>
        request(`${t.url}/v1/apps/${APP}/channels/production/guardrail`, 'PUT', b, { authorization: `Bearer ${rm}` });
      const refused = await asRm({ mode: 'halt' });
      assert.equal(refused.status, 403);
      assert.match(refused.json.error.message, /admin/);
      assert.equal((await asRm({ minLaunches: 20, minSources: 3 })).status, 200, 'other settings stay theirs');

      const key = (await t.api('POST', `/v1/apps/${APP}/ingest-keys`, { name: 'd' })).json.key;
      for (let d = 2; d < 8; d++) {
        await sendFrom(t, key, `127.0.0.${d}`, [
          ...Array.from({ length: 5 }, () => event('launched', 'r1')),
          ...Array.from({ length: 3 }, () => event('crash', 'r1')),
        ]);
      }
      await new Promise((r) => setTimeout(r, 600));
      const h = (await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=production`)).json;
      assert.equal(h.status, 'alerting', JSON.stringify(h));
      assert.equal(h.lastTrip.action, 'alerted');
      const current = (await t.api('GET', `/v1/apps/${APP}/releases/r1`)).json.current[0];
      assert.equal(current.halted, false, 'alert mode never halts');
      // The owner (admin or above) may choose halt.
      const halt = await t.api('PUT', `/v1/apps/${APP}/channels/production/guardrail`, { mode: 'halt' });
      assert.deepEqual([halt.status, halt.json.mode, halt.json.modeConfigured], [200, 'halt', true]);
    } finally {
      await t.stop();
    }
  });

  it('raw events are pruned after 7 days and rollups after 90 (configurable)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-retention-'));
    const store = await openSqliteStore(join(dir, 'updraft.db'));
    try {
      const now = Date.UTC(2027, 0, 1);
      const minute = (daysAgo: number) => Math.floor(now / 60_000) - daysAgo * 24 * 60;
      const stored = (daysAgo: number) => ({
        id: eid(),
        appId: 'a',
        platform: 'ios',
        channel: 'production',
        releaseId: 'r1',
        event: 'launched',
        reason: null,
        binaryVersion: null,
        at: new Date(now).toISOString(),
        receivedMinute: minute(daysAgo),
      });
      await store.transaction((tx) => tx.insight.insertEvents([stored(1), stored(8), stored(91)]));
      await pruneExpired(store, now);
      assert.equal(await store.insight.countEvents('a'), 1, 'events older than 7 days are gone');
      const rollups = await store.insight.rollups('a', 'r1', { fromMinute: 0, toMinute: minute(0) });
      assert.deepEqual(
        rollups.map((r) => r.minute),
        [minute(8), minute(1)],
        'rollups older than 90 days are gone',
      );
      await pruneExpired(store, now, { rollupsDays: 2 });
      assert.equal((await store.insight.rollups('a', 'r1', { fromMinute: 0, toMinute: minute(0) })).length, 1);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
