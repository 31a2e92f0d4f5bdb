import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite from 'better-sqlite3';
import { anchorAuditHeads } from '../src/jobs/audit-anchoring.js';
import { openSqliteStore } from '../src/index.js';
import { cli, startTestServer, type TestServer } from './helpers.js';
import {
  expectFailedThenDelivered,
  listDeliveries,
  startFailOnceReceiver,
  untilDeliveries,
  type FailOnceReceiver,
} from './webhook-receiver.js';

// An operator whose SIEM stopped receiving audit alerts reads the audit webhook's last
// deliveries: event, host, status, attempts, the last attempt's HTTP status or error. Real
// HTTP both ways: a receiver on 127.0.0.1 answers the first attempt 500 and the second 204,
// and the alert is raised the real way (the anchoring job refusing a truncated log).

describe("the audit webhook's delivery history", () => {
  const PATH = '/v1/audit/webhook/deliveries';
  let t: TestServer;
  let receiver: FailOnceReceiver;

  before(async () => {
    receiver = await startFailOnceReceiver('/siem', 'SIEM down');
    t = await startTestServer({
      auditAnchorIntervalMs: 0,
      webhook: { attempts: 4, backoffMs: 100, timeoutMs: 20_000, allowLoopback: true },
    });
  });
  after(async () => {
    receiver?.releaseSecond();
    await t?.stop();
    await receiver?.close();
  });

  const deliveries = () => listDeliveries(t, PATH);
  const until = (what: string, ok: (d: Record<string, unknown>[]) => boolean) => untilDeliveries(t, PATH, what, ok);

  it('is empty before anything was raised', async () => {
    assert.deepEqual(await deliveries(), []);
  });

  it('lists a delivery that failed once (HTTP 500, retrying) and then was delivered (204, 2 attempts)', async () => {
    assert.equal((await t.api('PUT', '/v1/audit/webhook', { url: receiver.url })).status, 200);
    // Another instance's anchoring job anchors the head; someone deletes the newest entry; the
    // next anchoring pass refuses the shorter head and raises the alert (and its webhook).
    const file = join(t.dataDir, 'updraft.db');
    const store = await openSqliteStore(file);
    try {
      await anchorAuditHeads(store, Date.now);
      const db = new BetterSqlite(file);
      try {
        db.prepare('delete from audit_log where seq = (select max(seq) from audit_log)').run();
      } finally {
        db.close();
      }
      assert.equal((await anchorAuditHeads(store, Date.now)).length, 1, 'the alert is raised');
    } finally {
      await store.close();
    }

    const host = new URL(receiver.url).host;
    const { delivered } = await expectFailedThenDelivered(receiver, 'audit.anchor-refused', until);
    assert.equal(JSON.parse(receiver.received[1]!.body).status, 'truncated');
    assert.equal((await deliveries()).length, 1, 'one delivery, two attempts');

    // The CLI reads the same list (the API's shape), and says it in a line.
    const json = await cli(['audit', 'webhook', '--deliveries', '--json'], t);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { deliveries: [delivered] });
    const human = await cli(['audit', 'webhook', '--deliveries'], t);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      `${String(delivered['createdAt'])}  audit.anchor-refused  delivered after 2 attempt(s): HTTP 204  → ${host}  (${String(delivered['id'])})\n`,
    );
    const both = await cli(['audit', 'webhook', '--deliveries', '--clear'], t);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --set <https-url>, --clear or --deliveries/);
  });

  it('is read with the audit log’s access; a bad limit is a 400 that says what to send', async () => {
    const dev = await t.api('POST', '/v1/keys', { name: 'dev', role: 'developer', kind: 'service' });
    assert.equal(dev.status, 201);
    const asDev = await t.api('GET', '/v1/audit/webhook/deliveries', undefined, {
      authorization: `Bearer ${dev.json.key}`,
    });
    assert.equal(asDev.status, 403);
    const bad = await t.api('GET', '/v1/audit/webhook/deliveries?limit=0');
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /limit/);
    assert.match(bad.json.error.message, /1 to 1000/);
    assert.equal((await t.api('GET', '/v1/audit/webhook/deliveries?limit=1')).json.deliveries.length, 1);
  });
});
