import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite from 'better-sqlite3';
import { AUDIT_HEAD_ENTRY_TYPE, parseLogEntry } from '@updraft/protocol/transparency';
import { anchorAuditHeads } from '../src/jobs/audit-anchoring.js';
import { openSqliteStore, type Database } from '../src/index.js';
import { auditEntryHash } from '../src/domain/services.js';
import { cli, createTrustedApp, request, startTestServer, type TestServer } from './helpers.js';

// Issue 14 §7. Someone with write access to the database deletes the newest audit entries and
// re-hashes the new last one (or rewrites an entry and re-hashes everything after it): the
// chain still verifies. The anchors in /log/audit must catch both, `updraft audit verify`
// must say which and where, and the anchoring job must refuse to anchor the tampered head
// and raise an alert instead of blessing it.

const WEBHOOK = 'https://hooks.example.com/updraft-audit';

type Row = Record<string, unknown> & { seq: number };

/** Row → the record auditEntryHash takes (JSON columns parsed, as the store reads them). */
function recordOf(r: Row) {
  return {
    orgId: r['org_id'] as string,
    seq: r.seq,
    appId: r['app_id'] as string | null,
    actorId: r['actor_id'] as string,
    actorName: r['actor_name'] as string,
    actorRole: r['actor_role'] as string,
    actorKind: r['actor_kind'] as string,
    action: r['action'] as string,
    target: r['target'] as string,
    releaseId: r['release_id'] as string | null,
    manifestSha256: r['manifest_sha256'] as string | null,
    signingKeyIds: JSON.parse(r['signing_key_ids'] as string) as string[],
    details: JSON.parse(r['details'] as string) as Record<string, unknown>,
    requestId: r['request_id'] as string,
    at: r['at'] as string,
    prevHash: r['prev_hash'] as string,
    appPrevHash: r['app_prev_hash'] as string | null,
  };
}

describe('audit log anchors: truncation and rewriting', () => {
  let t: TestServer;
  let db: BetterSqlite.Database;
  let store: Database;
  let original: Row[];

  before(async () => {
    t = await startTestServer({ auditAnchorIntervalMs: 0 });
    await createTrustedApp(t, 'anchor.a');
    for (const name of ['ci-1', 'ci-2', 'ci-3']) {
      assert.equal((await t.api('POST', '/v1/keys', { name, role: 'developer', kind: 'service' })).status, 201);
    }
    assert.equal((await t.api('PUT', '/v1/audit/webhook', { url: WEBHOOK })).status, 200);
    db = new BetterSqlite(join(t.dataDir, 'updraft.db'));
    // A second connection to the same file, as another server instance's anchoring job would have.
    store = await openSqliteStore(join(t.dataDir, 'updraft.db'));
  });
  after(async () => {
    db?.close();
    await store?.close();
    await t.stop();
  });

  const rows = () => db.prepare('select * from audit_log order by seq').all() as Row[];
  const verify = async () => (await t.api('GET', '/v1/audit/verify')).json;
  const anchors = async () => {
    const size = Number(
      (db.prepare("select count(*) n from log_leaves where log_id = '_audit'").get() as { n: number }).n,
    );
    if (size === 0) return [];
    const entries = (await request(`${t.url}/log/audit/entries?start=0&end=${size}`, 'GET')).json.entries as {
      data: string;
    }[];
    return entries
      .map((e) => parseLogEntry(Buffer.from(e.data, 'base64')))
      .filter((e) => e?.type === AUDIT_HEAD_ENTRY_TYPE);
  };
  const restore = () => {
    db.prepare('delete from audit_log').run();
    const cols = Object.keys(original[0]!);
    const insert = db.prepare(
      `insert into audit_log (${cols.join(',')}) values (${cols.map((c) => `@${c}`).join(',')})`,
    );
    for (const r of original) insert.run(r);
  };
  /** Replaces row `seq` with `edit` applied, re-hashed, and re-hashes every later row so the chain verifies. */
  const rehashFrom = (seq: number, edit: (r: Row) => Row) => {
    let prev: string | null = null;
    for (const r of rows().filter((x) => x.seq >= seq)) {
      const changed = r.seq === seq ? edit(r) : { ...r };
      if (prev !== null) changed['prev_hash'] = prev;
      const hash = auditEntryHash(recordOf(changed));
      db.prepare('update audit_log set details = ?, prev_hash = ?, hash = ? where seq = ?').run(
        changed['details'],
        changed['prev_hash'],
        hash,
        r.seq,
      );
      prev = hash;
    }
  };

  it('anchors each organization under an opaque, stable id, never its name', async () => {
    assert.deepEqual(await anchorAuditHeads(store, Date.now), []);
    const [first] = await anchors();
    assert.match(String(first?.source), /^org:[0-9a-f]{32}$/);
    assert.ok(!String(first?.source).includes('default'));
    assert.equal((await t.api('POST', '/v1/keys', { name: 'ci-4', role: 'developer', kind: 'service' })).status, 201);
    await anchorAuditHeads(store, Date.now);
    const all = await anchors();
    assert.equal(all.length, 2);
    assert.equal(all[1]!.source, first!.source, 'the same id at every anchor');
    original = rows();
    const v = await verify();
    assert.equal(v.status, 'ok');
    assert.equal(v.anchor.size, original.at(-1)!.seq);
    assert.equal(v.anchor.source, first!.source);
  });

  it('catches the newest entries deleted and the new last one re-hashed; the job refuses and alerts once', async () => {
    const n = original.length;
    db.prepare('delete from audit_log where seq > ?').run(n - 2);
    rehashFrom(n - 2, (r) => ({ ...r, details: '{"name":"nothing to see"}' }));
    const anchorsBefore = (await anchors()).length;
    try {
      const v = await verify();
      assert.equal(v.ok, false);
      assert.equal(v.status, 'truncated');
      assert.equal(v.firstBadSeq, n - 1);
      assert.deepEqual(
        v.problems.map((p: { problem: string }) => p.problem),
        ['truncated'],
        'the chain itself verifies: only the anchor shows it',
      );

      const human = await cli(['audit', 'verify'], t);
      assert.equal(human.code, 1, human.stderr);
      assert.match(human.stdout, /TRUNCATED/);
      assert.match(human.stdout, new RegExp(`first bad position: entry ${n - 1}\\b`));
      assert.match(human.stdout, /anchor proof: verified/);
      const json = await cli(['audit', 'verify', '--json'], t);
      assert.equal(json.code, 1);
      const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
      assert.equal(parsed['status'], 'truncated');
      assert.equal(parsed['firstBadSeq'], n - 1);
      assert.equal(parsed['anchorProof'], 'verified');

      const alerts = await anchorAuditHeads(store, Date.now);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.departure.status, 'truncated');
      assert.equal((await anchors()).length, anchorsBefore, 'the shorter head is not anchored');
      const refused = rows().filter((r) => r['action'] === 'audit.anchor-refused');
      assert.equal(refused.length, 1);
      assert.equal(JSON.parse(refused[0]!['details'] as string).status, 'truncated');
      const hooks = db
        .prepare("select url, payload from webhook_deliveries where kind = 'audit.anchor-refused'")
        .all() as {
        url: string;
        payload: string;
      }[];
      assert.equal(hooks.length, 1);
      assert.equal(hooks[0]!.url, WEBHOOK);
      assert.equal(JSON.parse(hooks[0]!.payload).firstBadSeq, n - 1);

      assert.deepEqual(await anchorAuditHeads(store, Date.now), [], 'one alert per anchor, not one per tick');
      assert.equal((await anchors()).length, anchorsBefore);
    } finally {
      restore();
      db.prepare('delete from webhook_deliveries').run();
    }
    assert.equal((await verify()).status, 'ok');
    assert.deepEqual(
      await anchorAuditHeads(store, Date.now),
      [],
      'restored: nothing to alert, and a later departure alerts anew',
    );
  });

  it('catches an entry rewritten and every later one re-hashed, and places it after the last matching anchor', async () => {
    const firstAnchorSize = (await anchors())[0]!.size;
    rehashFrom(firstAnchorSize + 1, (r) => ({ ...r, details: '{"name":"someone else"}' }));
    try {
      const v = await verify();
      assert.equal(v.status, 'rewritten');
      assert.equal(v.firstBadSeq, firstAnchorSize + 1);
      const human = await cli(['audit', 'verify'], t);
      assert.equal(human.code, 1);
      assert.match(human.stdout, /REWRITTEN/);
      const alerts = await anchorAuditHeads(store, Date.now);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]!.departure.status, 'rewritten');
    } finally {
      restore();
    }
    assert.equal((await verify()).status, 'ok');
    await anchorAuditHeads(store, Date.now);
    assert.equal((await verify()).status, 'ok', 'the intact log anchors again');
  });
});
