import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  encodeLogEntry,
  formatCheckpointBody,
  formatNote,
  hashLeaf,
  keyId,
  parseLogEntry,
  parseSignerKey,
  rootFromLeafHashes,
  signNoteBody,
  type TufKey,
} from '@updraft/protocol';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '../helpers/cli.js';
import type { ServerProcess } from '../helpers/cli.js';

// Issue 9 end to end: the real server, CLI and Node device client. The attacker here holds
// the server's database (and so its online and log keys) and the publisher's releases key.

let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;

before(async () => {
  work = await tempDir('e2e-log');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

async function cli(args: string[]) {
  return runCli([...args, '--json'], env);
}

async function createApp(app: string): Promise<string> {
  const keys = join(work.path, 'keys', app);
  const r = await cli(['apps', 'create', app, '--keys', keys, '--transparency', 'enforce']);
  assert.equal(r.code, 0, r.stderr);
  return keys;
}

async function publish(
  app: string,
  keys: string,
  content: string,
): Promise<{ releaseId: string; versionCode: number }> {
  const dir = join(work.path, 'bundles', app, content.replace(/\W/g, ''));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'main.jsbundle'), content);
  const r = await runCli(publishArgs({ dir, app, keys }), env);
  assert.equal(r.code, 0, r.stderr);
  return r.json as { releaseId: string; versionCode: number };
}

async function sync(app: string, keys: string, device: string) {
  const r = await runCli(
    deviceSyncArgs({
      server: server.url,
      app,
      root: join(keys, 'root.json'),
      dir: device,
      extra: ['--transparency', 'enforce'],
    }),
    env,
  );
  return r.json as { status: string; release: string | null; reason?: string; message?: string };
}

function monitor(app: string, keys: string) {
  return cli(['log', 'monitor', '--app', app, '--keys', keys]);
}

async function releasesKeyId(keys: string): Promise<string> {
  const k = JSON.parse(await readFile(join(keys, 'releases.key.json'), 'utf8')) as TufKey;
  return keyId(k);
}

/** The attacker's view of the database: the server keeps running and keeps serving it. */
function openDb(): Database.Database {
  const db = new Database(join(server.dataDir, 'updraft.db'));
  db.pragma('busy_timeout = 5000');
  return db;
}

function resignCheckpoint(db: Database.Database, app: string): void {
  const key = db.prepare('select signer_key, origin from log_keys where log_id = ?').get(app) as {
    signer_key: string;
    origin: string;
  };
  const leaves = (
    db.prepare('select leaf_hash from log_leaves where log_id = ? order by idx').all(app) as { leaf_hash: Buffer }[]
  ).map((r) => new Uint8Array(r.leaf_hash));
  const body = formatCheckpointBody({ origin: key.origin, size: leaves.length, rootHash: rootFromLeafHashes(leaves) });
  const note = formatNote(body, [signNoteBody(body, parseSignerKey(key.signer_key))]);
  db.prepare('insert or replace into log_checkpoints (log_id, tree_size, note, created_at) values (?, ?, ?, ?)').run(
    app,
    leaves.length,
    note,
    new Date().toISOString(),
  );
}

test('enforce: a logged release installs, its provenance verifies, the monitor lists it; a release kept out of the log is refused', async () => {
  const app = 'com.example.logged';
  const keys = await createApp(app);
  const device = join(work.path, 'device-logged');
  const r1 = await publish(app, keys, 'console.log("r1")');
  const first = await sync(app, keys, device);
  assert.equal(first.status, 'updated', JSON.stringify(first));
  assert.equal(first.release, r1.releaseId);

  const prov = await cli(['release', 'provenance', r1.releaseId, '--app', app, '--keys', keys]);
  assert.equal(prov.code, 0, prov.stderr);
  const p = prov.json as {
    releaseSignatureVerified: boolean;
    builderKeyIds: string[];
    subjects: { name: string }[];
    buildTime: string;
  };
  assert.equal(p.releaseSignatureVerified, true);
  assert.notDeepEqual(p.builderKeyIds, [await releasesKeyId(keys)], 'the builder key is not the releases key');
  assert.deepEqual(
    p.subjects.map((s) => s.name),
    [`manifests/${r1.releaseId}.json`, 'main.jsbundle'],
  );
  assert.match(p.buildTime, /^\d{4}-\d{2}-\d{2}T/);

  const show = await cli(['release', 'show', r1.releaseId, '--app', app, '--keys', keys]);
  assert.equal(show.code, 0, show.stderr);
  const shown = (show.json as { provenance: { builderKeyIds: string[]; releaseSignatureVerified: boolean } })
    .provenance;
  assert.deepEqual(shown.builderKeyIds, p.builderKeyIds, '`release show` shows the verified provenance');
  assert.equal(shown.releaseSignatureVerified, true);

  const m1 = await monitor(app, keys);
  assert.equal(m1.code, 0, m1.stderr);
  const seen = m1.json as {
    checkpoint: { size: number };
    releases: { releaseId: string; versionCode: number; signerKeyIds: string[] }[];
  };
  assert.deepEqual(seen.releases, [
    { releaseId: r1.releaseId, versionCode: 1, signerKeyIds: [await releasesKeyId(keys)] },
  ]);

  // The attacker publishes with the stolen releases key, then keeps that releases version out
  // of the log (drops its leaf and the checkpoint that covered it).
  const evil = await publish(app, keys, 'console.log("evil")');
  const db = openDb();
  try {
    const size = (db.prepare('select count(*) as n from log_leaves where log_id = ?').get(app) as { n: number }).n;
    const last = db.prepare('select data from log_leaves where log_id = ? and idx = ?').get(app, size - 1) as {
      data: Buffer;
    };
    assert.equal((parseLogEntry(new Uint8Array(last.data)) as { role: string }).role, 'releases');
    db.prepare('delete from log_leaves where log_id = ? and idx = ?').run(app, size - 1);
    db.prepare('delete from log_checkpoints where log_id = ? and tree_size = ?').run(app, size);
  } finally {
    db.close();
  }
  const refused = await sync(app, keys, device);
  assert.equal(refused.status, 'rejected', JSON.stringify(refused));
  assert.equal(refused.reason, 'transparency');
  assert.match(refused.message ?? '', /not in the transparency log/);
  assert.notEqual(refused.release, evil.releaseId);
  const status = await cli(['device', 'status', '--dir', device]);
  assert.equal((status.json as { pending: { releaseId: string } }).pending.releaseId, r1.releaseId);
});

test('a rewritten (forked) log is caught by the device and by the monitor', async () => {
  const app = 'com.example.forked';
  const keys = await createApp(app);
  const device = join(work.path, 'device-forked');
  await publish(app, keys, 'console.log("f1")');
  assert.equal((await sync(app, keys, device)).status, 'updated');
  const m1 = await monitor(app, keys);
  assert.equal(m1.code, 0, m1.stderr);

  // A second release, then the attacker rewrites history: the entry of releases v1 now names
  // other bytes, and the checkpoint is re-signed with the log key from the database.
  await publish(app, keys, 'console.log("f2")');
  const db = openDb();
  try {
    const row = db.prepare('select data from log_leaves where log_id = ? and idx = 1').get(app) as { data: Buffer };
    const entry = parseLogEntry(new Uint8Array(row.data))!;
    assert.equal(entry.type, 'updraft.tuf-metadata/1');
    const forged = encodeLogEntry({ ...entry, sha256: 'f'.repeat(64) } as typeof entry);
    db.prepare('update log_leaves set data = ?, leaf_hash = ? where log_id = ? and idx = 1').run(
      Buffer.from(forged),
      Buffer.from(hashLeaf(forged)),
      app,
    );
    resignCheckpoint(db, app);
  } finally {
    db.close();
  }
  const caught = await sync(app, keys, device);
  assert.equal(caught.status, 'rejected', JSON.stringify(caught));
  assert.equal(caught.reason, 'transparency');
  assert.match(caught.message ?? '', /not consistent/);

  const m2 = await monitor(app, keys);
  assert.equal(m2.code, 3, m2.stdout);
  assert.match(m2.stderr, /not consistent|forked|rewritten/);
  assert.equal((m2.json as { error: { code: string } }).error.code, 'log-inconsistent');
});
