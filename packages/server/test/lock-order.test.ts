import assert from 'node:assert/strict';
import { describe } from 'node:test';
import pg from 'pg';
import { createTrustedApp, prepareRelease, type TestServer } from './helpers.js';
import { onBackend, serverBackends } from './server-backends.js';

// Audited changes that re-sign lock the app, then its organization (appendAudit). Another
// transaction that takes them the other way round (the organization, then the app: a future
// change, or another version of the server during an upgrade) deadlocks with it on
// PostgreSQL, which ends one of the two (40P01). When that is the server's change, it is run
// again on the new state: 200, never 500.

const APP = 'lock.order';
const postgres = serverBackends.find((b) => b.name === 'PostgreSQL')!;

describe('a deadlock between the app and organization locks (PostgreSQL)', () => {
  let t: TestServer;
  let databaseUrl: string;
  const it = onBackend(postgres, async (started) => {
    t = started.t;
    databaseUrl = started.databaseUrl!;
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, { ...body, basisPoints: 5000 })).status, 201);
  });

  it('the server change that PostgreSQL ends is run again: 200, and the change is signed', async () => {
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    try {
      const { rows } = await other.query('SELECT org_id FROM apps WHERE app_id = $1', [APP]);
      const orgId = rows[0].org_id as string;
      await other.query('BEGIN');
      // This side waits long enough that PostgreSQL ends the server's side (its default: 1 s).
      await other.query("SET LOCAL deadlock_timeout = '10s'");
      await other.query('UPDATE organizations SET audit_webhook_url = audit_webhook_url WHERE id = $1', [orgId]);
      const rollout = t.api('POST', `/v1/apps/${APP}/releases/r1/rollout`, {
        channel: 'production',
        basisPoints: 7500,
      });
      // The server's change has locked the app and waits for the organization.
      const end = Date.now() + 10_000;
      let settled = 'not answered yet';
      void rollout.then(
        (r) => (settled = `answered ${r.status} ${JSON.stringify(r.json)}`),
        (e: unknown) => (settled = `failed: ${String(e)}`),
      );
      for (;;) {
        // In a transaction PostgreSQL lists the sessions once, at the first look, and shows that
        // list until the transaction ends (only their wait events are read afresh): a server
        // connection opened after the first look, as under load when the pool's others are busy
        // with jobs, would never be seen waiting. So each look starts from a new list.
        await other.query('SELECT pg_stat_clear_snapshot()');
        const waiting = await other.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        );
        if (waiting.rows[0].n > 0) break;
        if (Date.now() >= end) {
          // Failed once in a full CI run on Node 24 and never alone: say what everyone was doing.
          const sessions = await other.query(
            'SELECT pid, state, wait_event_type, wait_event, left(query, 100) AS query FROM pg_stat_activity WHERE datname = current_database()',
          );
          assert.fail(
            `the server change never waited for the organization lock; the rollout: ${settled}; sessions: ${JSON.stringify(sessions.rows)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      // Now the other way round: this waits for the app, and the two wait for each other.
      await other.query('UPDATE apps SET trust_initialized_at = trust_initialized_at WHERE app_id = $1', [APP]);
      await other.query('COMMIT');
      const res = await rollout;
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.basisPoints, 7500);
    } finally {
      await other.end();
    }
    const shown = await t.api('GET', `/v1/apps/${APP}/releases/r1`);
    assert.equal(shown.json.current[0].basisPoints, 7500);
    assert.deepEqual((await t.api('GET', '/v1/audit/verify')).json.problems, []);
  });
});
