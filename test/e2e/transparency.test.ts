import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalBytes, keyId, sha256Hex, type TufKey } from '@updraft/protocol';
import {
  encodeLogEntry,
  formatCheckpointBody,
  formatNote,
  hashLeaf,
  parseLogEntry,
  parseSignerKey,
  rootFromLeafHashes,
  signNoteBody,
} from '@updraft/protocol/transparency';
import { publishContent, serverForFile, syncDevice } from '@updraft/test-kit/app-on-server';
import { runCli } from '@updraft/test-kit/cli';

// Issue 9 end to end: the real server, CLI and Node device client. The attacker here holds
// the server's database (and so its online and log keys) and the publisher's releases key.

const fixture = serverForFile('e2e-log');

async function cli(args: string[]) {
  return runCli([...args, '--json'], fixture.env);
}

async function createApp(app: string): Promise<string> {
  const keys = join(fixture.work.path, 'keys', app);
  const r = await cli(['apps', 'create', app, '--keys', keys, '--transparency', 'enforce']);
  assert.equal(r.code, 0, r.stderr);
  return keys;
}

const ENFORCE = ['--transparency', 'enforce'];
const publish = (app: string, keys: string, content: string) => publishContent(fixture, app, keys, content);
const sync = (app: string, keys: string, device: string) => syncDevice(fixture, app, keys, device, ENFORCE);

type MonitoredRelease = { releaseId: string; versionCode: number; signerKeyIds: string[]; targetsVersion: number };

function monitor(app: string, keys: string, state?: string) {
  return cli(['log', 'monitor', '--app', app, '--keys', keys, ...(state ? ['--state', state] : [])]);
}

async function releasesKeyId(keys: string): Promise<string> {
  const k = JSON.parse(await readFile(join(keys, 'releases.key.json'), 'utf8')) as TufKey;
  return keyId(k);
}

/** The attacker's view of the database: the server keeps running and keeps serving it. */
function openDb(): Database.Database {
  const db = new Database(join(fixture.server.dataDir, 'updraft.db'));
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
  const device = join(fixture.work.path, 'device-logged');
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
    releases: MonitoredRelease[];
  };
  assert.deepEqual(seen.releases, [
    { releaseId: r1.releaseId, versionCode: 1, signerKeyIds: [await releasesKeyId(keys)], targetsVersion: 1 },
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
  const device = join(fixture.work.path, 'device-forked');
  await publish(app, keys, 'console.log("f1")');
  assert.equal((await sync(app, keys, device)).status, 'updated');
  const m1 = await monitor(app, keys);
  assert.equal(m1.code, 0, m1.stderr);

  // A second release, then the attacker rewrites history: the entry of targets v1 now names
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

/**
 * What an attacker holding the database and some key can do: the next version of `role`,
 * changed by `change`, signed by `key`, stored, logged and covered by a re-signed checkpoint.
 */
function plantVersion(
  app: string,
  role: 'targets' | 'releases',
  key: { keyid: string; private: string },
  change: (signed: Record<string, unknown>) => void,
): void {
  const db = openDb();
  try {
    const latest = db
      .prepare('select version, bytes from metadata where app_id = ? and role = ? order by version desc')
      .get(app, role) as { version: number; bytes: Buffer };
    const signed = JSON.parse(latest.bytes.toString('utf8')).signed as Record<string, unknown>;
    signed['version'] = latest.version + 1;
    change(signed);
    const sig = sign(null, canonicalBytes(signed), createPrivateKey(key.private)).toString('hex');
    const bytes = Buffer.from(JSON.stringify({ signed, signatures: [{ keyid: key.keyid, sig }] }));
    const now = new Date().toISOString();
    db.prepare(
      'insert into metadata (app_id, role, version, bytes, sha256, length, expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(app, role, latest.version + 1, bytes, sha256Hex(bytes), bytes.length, now, now);
    const entry = encodeLogEntry({
      type: 'updraft.tuf-metadata/1',
      appId: app,
      role,
      version: latest.version + 1,
      sha256: sha256Hex(bytes),
      length: bytes.length,
    });
    const size = (db.prepare('select count(*) as n from log_leaves where log_id = ?').get(app) as { n: number }).n;
    db.prepare('insert into log_leaves (log_id, idx, leaf_hash, data, created_at) values (?, ?, ?, ?, ?)').run(
      app,
      size,
      Buffer.from(hashLeaf(entry)),
      Buffer.from(entry),
      now,
    );
    resignCheckpoint(db, app);
  } finally {
    db.close();
  }
}

/** A releases version that adds one release, copied from a logged one. */
function plantRelease(app: string, releaseId: string, key: { keyid: string; private: string }): void {
  plantVersion(app, 'releases', key, (signed) => {
    const targets = signed['targets'] as Record<string, { custom: { updraft: Record<string, unknown> } }>;
    const [, template] = Object.entries(targets).find(([path]) => path.startsWith('manifests/'))!;
    targets[`manifests/${releaseId}.json`] = {
      ...template,
      custom: { updraft: { ...template.custom.updraft, releaseId, versionCode: 90 + (signed['version'] as number) } },
    };
  });
}

/** An Ed25519 key that no metadata of the app ever listed. */
function strangerKey(): { keyid: string; private: string; public: TufKey } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const pub: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: spki.subarray(-32).toString('hex') } };
  return { keyid: keyId(pub), private: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), public: pub };
}

test('after a releases key rotation the monitor checks each release against the keys in force when it was logged', async () => {
  const app = 'com.example.rotated';
  const keys = await createApp(app);
  const oldKeyId = await releasesKeyId(keys);
  const r1 = await publish(app, keys, 'console.log("k1")');
  const rotate = async (...extra: string[]) => {
    const r = await cli(['keys', 'rotate', '--app', app, '--keys', keys, '--role', 'releases', ...extra]);
    assert.equal(r.code, 0, r.stderr);
  };
  await rotate();
  const newKeyId = await releasesKeyId(keys);
  assert.notEqual(newKeyId, oldKeyId);
  const r2 = await publish(app, keys, 'console.log("k2")');
  await rotate('--finish');

  const state = join(fixture.work.path, 'monitor-rotated.json');
  const m1 = await monitor(app, keys, state);
  assert.equal(m1.code, 0, m1.stderr);
  const legit = (m1.json as { releases: MonitoredRelease[] }).releases;
  assert.deepEqual(
    legit.map((r) => [r.releaseId, r.signerKeyIds, r.targetsVersion]),
    [
      [r1.releaseId, [oldKeyId], 1],
      [r2.releaseId, [newKeyId], 2],
    ],
    'releases made before the rotation stay signed by the key in force then',
  );

  // The rotated-out key (kept under retired/) and a key that was never in force sign a release each.
  const retired = join(keys, 'retired');
  const oldFile = (await readdir(retired)).find((f) => f.startsWith(`releases.${oldKeyId.slice(0, 16)}`))!;
  const oldKey = JSON.parse(await readFile(join(retired, oldFile), 'utf8')) as { keyid: string; private: string };
  assert.equal(oldKey.keyid, oldKeyId);
  const stranger = strangerKey();
  plantRelease(app, 'rogue-old-key', oldKey);
  plantRelease(app, 'rogue-stranger', stranger);

  const m2 = await monitor(app, keys, state);
  assert.equal(m2.code, 0, m2.stderr);
  const all = (m2.json as { releases: MonitoredRelease[] }).releases;
  assert.deepEqual(
    all.slice(2).map((r) => [r.releaseId, r.signerKeyIds]),
    [
      ['rogue-old-key', []],
      ['rogue-stranger', []],
    ],
    'a rotated-out key and a stranger key are no releases key in force',
  );
  // A monitor starting from nothing reaches the same verdicts, and the text output names them.
  const fresh = await runCli(
    ['log', 'monitor', '--app', app, '--keys', keys, '--state', `${state}.fresh`],
    fixture.env,
  );
  assert.equal(fresh.code, 0, fresh.stderr);
  const lines = fresh.stdout.split('\n');
  assert.match(
    lines.find((l) => l.includes(r1.releaseId))!,
    new RegExp(`signed by ${oldKeyId}`),
  );
  assert.match(
    lines.find((l) => l.includes('rogue-old-key'))!,
    /no releases key in force/,
  );
  assert.match(
    lines.find((l) => l.includes('rogue-stranger'))!,
    /no releases key in force/,
  );

  // Nor can the keys in force be forged: a targets version that lists the stranger key again,
  // not signed by root's targets key, makes the monitor stop.
  plantVersion(app, 'targets', stranger, (signed) => {
    const delegations = signed['delegations'] as { keys: Record<string, TufKey>; roles: { keyids: string[] }[] };
    delegations.keys[stranger.keyid] = stranger.public;
    for (const role of delegations.roles) role.keyids.push(stranger.keyid);
  });
  const forged = await monitor(app, keys, state);
  assert.equal(forged.code, 3, forged.stdout);
  assert.match(forged.stderr, /targets version 4 in the log/);
});
