import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { AUDIT_HEAD_ENTRY_TYPE, parseLogEntry } from '@updraft/protocol/transparency';
import { anchorAuditHeads } from '../src/jobs/audit-anchoring.js';
import { openSqliteStore } from '../src/index.js';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// The audit log is checked against someone with write access to the database file: each
// kind of tampering is done directly in SQLite while the server runs, and verify must fail.

const A = 'audit.a';
const B = 'audit.b';

type Row = Record<string, unknown> & { seq: number };

describe('hash-chained audit log', () => {
  let t: TestServer;
  let db: Database.Database;
  let publishRequestId: string;

  before(async () => {
    t = await startTestServer();
    const a = await createTrustedApp(t, A);
    await createTrustedApp(t, B);
    const { body } = await prepareRelease(t, A, a.keys, { releaseId: 'a1', versionCode: 1 });
    const res = await t.api('POST', `/v1/apps/${A}/releases`, body);
    assert.equal(res.status, 201);
    publishRequestId = res.headers.get('x-request-id')!;
    assert.equal(
      (await t.api('POST', `/v1/apps/${A}/releases/a1/rollout`, { channel: 'production', basisPoints: 2000 })).status,
      200,
    );
    assert.equal((await t.api('POST', `/v1/apps/${B}/channels`, { name: 'beta', protected: true })).status, 201);
    assert.equal((await t.api('POST', '/v1/keys', { name: 'ci', role: 'developer', kind: 'service' })).status, 201);
    db = new Database(join(t.dataDir, 'updraft.db'));
  });
  after(async () => {
    db?.close();
    await t.stop();
  });

  const verify = async (app?: string) => (await t.api('GET', `/v1/audit/verify${app ? `?app=${app}` : ''}`)).json;
  const rows = () => db.prepare('select * from audit_log order by seq').all() as Row[];

  it('records who did what to which release, with hashes, signing key ids and the request id', async () => {
    const res = await t.api('GET', '/v1/audit');
    assert.equal(res.status, 200);
    const entries = res.json.entries as Record<string, unknown>[];
    assert.deepEqual(
      entries.map((e) => e['action']),
      [
        'app.create',
        'app.trust',
        'app.create',
        'app.trust',
        'release.publish',
        'release.rollout',
        'channel.create',
        'key.create',
      ],
    );
    const publish = entries.find((e) => e['action'] === 'release.publish')!;
    assert.equal(publish['actorName'], 'owner');
    assert.equal(publish['actorRole'], 'owner');
    assert.equal(publish['appId'], A);
    assert.equal(publish['releaseId'], 'a1');
    assert.match(String(publish['manifestSha256']), /^[0-9a-f]{64}$/);
    assert.ok(
      (publish['signingKeyIds'] as string[]).length >= 4,
      'publisher releases key + director, snapshot, timestamp',
    );
    assert.equal(publish['requestId'], publishRequestId);
    assert.match(String(publish['at']), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(publish['target'], 'channel:production/ios/1.0.0');
    assert.deepEqual((await verify()).problems, []);
    assert.equal((await verify()).ok, true);
    assert.equal((await verify(A)).ok, true);
    assert.equal((await verify(A)).entries, 4);
  });

  it('detects an edited row (and --app narrows to the app it belongs to)', async () => {
    const target = rows().find((r) => r['action'] === 'release.rollout')!;
    const original = target['details'];
    db.prepare('update audit_log set details = ? where seq = ?').run('{"basisPoints":10000}', target.seq);
    try {
      const all = await verify();
      assert.equal(all.ok, false);
      assert.deepEqual(
        all.problems.map((p: { seq: number; problem: string }) => [p.seq, p.problem]),
        [[target.seq, 'edited']],
      );
      assert.equal((await verify(A)).ok, false);
      assert.equal((await verify(B)).ok, true, "app B's own chain is intact");
    } finally {
      db.prepare('update audit_log set details = ? where seq = ?').run(original, target.seq);
    }
    assert.equal((await verify()).ok, true);
  });

  it('detects a row inserted in the middle, even with a correct-looking hash', async () => {
    const all = rows();
    const k = all[3]!.seq;
    const forged = {
      ...all[3]!,
      seq: k + 1,
      action: 'release.rollout',
      details: '{}',
      prev_hash: all[3]!['hash'],
      hash: 'f'.repeat(64),
    };
    const shift = db.transaction((by: number) => {
      db.prepare('update audit_log set seq = seq + 1000000 where seq > ?').run(k);
      db.prepare('update audit_log set seq = seq - 1000000 + ? where seq > 1000000').run(by);
    });
    shift(1);
    const cols = Object.keys(forged);
    db.prepare(`insert into audit_log (${cols.join(',')}) values (${cols.map((c) => `@${c}`).join(',')})`).run(forged);
    try {
      const result = await verify();
      assert.equal(result.ok, false);
      const kinds = new Set(result.problems.map((p: { problem: string }) => p.problem));
      assert.ok(kinds.has('edited') && kinds.has('chain-broken'), JSON.stringify(result.problems));
    } finally {
      db.prepare('delete from audit_log where seq = ?').run(k + 1);
      shift(-1);
    }
    assert.equal((await verify()).ok, true);
  });

  it('detects a deleted row', async () => {
    const victim = rows().find((r) => r['action'] === 'release.publish')!;
    db.prepare('delete from audit_log where seq = ?').run(victim.seq);
    try {
      const all = await verify();
      assert.equal(all.ok, false);
      assert.ok(
        all.problems.some(
          (p: { seq: number; problem: string }) => p.seq === victim.seq + 1 && p.problem === 'chain-broken',
        ),
      );
      assert.equal((await verify(A)).ok, false, "A's chain misses its publish");
    } finally {
      const cols = Object.keys(victim);
      db.prepare(`insert into audit_log (${cols.join(',')}) values (${cols.map((c) => `@${c}`).join(',')})`).run(
        victim,
      );
    }
    assert.equal((await verify()).ok, true);
  });

  it("anchors the organization's audit head in the transparency log (/log/audit)", async () => {
    const head = await verify();
    // A second connection to the same file, as another server instance would have.
    const store = await openSqliteStore(join(t.dataDir, 'updraft.db'));
    try {
      await anchorAuditHeads(store, Date.now);
      await anchorAuditHeads(store, Date.now); // unchanged head: not appended twice
    } finally {
      await store.close();
    }
    const entries = (await request(`${t.url}/log/audit/entries?start=0&end=100`, 'GET')).json.entries as {
      data: string;
    }[];
    const anchors = entries
      .map((e) => parseLogEntry(Buffer.from(e.data, 'base64')))
      .filter((e) => e?.type === AUDIT_HEAD_ENTRY_TYPE && /^org:[0-9a-f]{32}$/.test(e.source));
    assert.equal(anchors.length, 1, JSON.stringify(anchors));
    const anchor = anchors[0] as { head: string; size: number };
    assert.equal(anchor.head, head.head);
    assert.equal(anchor.size, rows().at(-1)!.seq);
  });

  it('is append-only through the API: no route edits or deletes entries', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const res = await t.api(method, '/v1/audit', {});
      assert.equal(res.status, 404, method);
    }
  });
});
