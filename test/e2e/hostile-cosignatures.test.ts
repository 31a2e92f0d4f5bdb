import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  cosignNoteBody,
  parseCheckpointBody,
  formatNote,
  noteKeyFromSeed,
  NOTE_COSIGNATURE_V1,
  parseNote,
  parseSignerKey,
} from '@updraft/protocol/transparency';
import { publishContent, serverForFile, syncDevice } from '@updraft/test-kit/app-on-server';
import { runCli } from '@updraft/test-kit/cli';

// Issue 14 §2: a key that may publish cannot freeze devices through the transparency log.
// Real server process, real CLI, real Node device client in `enforce` mode with one pinned
// witness (threshold 1). The attacker holds a developer API key, then a witness API key
// (a witness service's credential, but not the witness's signing key).

const fixture = serverForFile('e2e-cosign');
const witness = noteKeyFromSeed('witness.example/w1', NOTE_COSIGNATURE_V1, randomBytes(32));
/** Pinned too, but offline: it never cosigns. */
const silent = noteKeyFromSeed('witness.example/w2', NOTE_COSIGNATURE_V1, randomBytes(32));
const app = 'com.example.cosigned';

async function cli(args: string[]) {
  return runCli([...args, '--json'], fixture.env);
}

async function apiKey(name: string, role: string, scopes?: string): Promise<string> {
  const r = await cli([
    'keys',
    'api',
    'create',
    '--name',
    name,
    '--role',
    role,
    ...(scopes ? ['--scopes', scopes] : []),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (r.json as { key: string }).key;
}

async function checkpointText(): Promise<string> {
  return (await fetch(`${fixture.server.url}/repo/${app}/log/checkpoint`)).text();
}

async function postCosigned(
  key: string,
  note: string,
): Promise<{ status: number; body: { error?: { code: string } } }> {
  const res = await fetch(`${fixture.server.url}/v1/apps/${app}/log/cosignatures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ checkpoint: note }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

/** The served checkpoint plus extra signature lines. */
function withLines(served: string, lines: string[]): string {
  const note = parseNote(served);
  return formatNote(note.body, [...note.signatures.map((s) => s.line), ...lines]);
}

/** A line that names the pinned witness (same name and key id) but whose signature is junk. */
function forgedWitnessLine(served: string, w = witness): string {
  const real = cosignNoteBody(parseNote(served).body, parseSignerKey(w.signerKey), 1_700_000_000);
  const [dash, name, sig] = real.trim().split(' ') as [string, string, string];
  const bytes = Buffer.from(sig, 'base64');
  bytes[bytes.length - 1]! ^= 0xff;
  return `${dash} ${name} ${bytes.toString('base64')}\n`;
}

function realWitnessLine(served: string): string {
  return cosignNoteBody(parseNote(served).body, parseSignerKey(witness.signerKey), Math.floor(Date.now() / 1000));
}

test('forged or junk cosignature lines are refused and stored nowhere; devices in enforce mode keep updating', async () => {
  const keys = join(fixture.work.path, 'keys');
  const created = await cli([
    'apps',
    'create',
    app,
    '--keys',
    keys,
    '--transparency',
    'enforce',
    '--witness',
    witness.verifierKey,
    '--witness',
    silent.verifierKey,
    '--witness-threshold',
    '1',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const publish = (content: string) => publishContent(fixture, app, keys, content);
  const device = join(fixture.work.path, 'device');
  const sync = () => syncDevice(fixture, app, keys, device, ['--transparency', 'enforce']);

  const developerKey = await apiKey('dev', 'developer');
  const r1 = await publish('console.log("r1")');
  let served = await checkpointText();
  // The attack of issue 14 §2: a developer (publish) key posts one forged line naming the witness.
  const byDeveloper = await postCosigned(developerKey, withLines(served, [forgedWitnessLine(served)]));
  assert.equal(byDeveloper.status, 403, 'a publish key is not a witness credential');
  const witnessKey = await apiKey('witness-w1', 'viewer', 'witness');
  // Even with a witness credential, a line that does not verify under the pinned key is refused…
  const forged = await postCosigned(witnessKey, withLines(served, [forgedWitnessLine(served)]));
  assert.equal(forged.status, 400);
  assert.equal(forged.body.error?.code, 'bad-cosignature');
  // …and so are 16 lines by keys nobody pinned (they used to fill every slot).
  const junk = Array.from({ length: 16 }, (_, i) => {
    const k = noteKeyFromSeed(`junk.example/j${i}`, NOTE_COSIGNATURE_V1, randomBytes(32));
    return cosignNoteBody(parseNote(served).body, parseSignerKey(k.signerKey), 1);
  });
  const junkRes = await postCosigned(witnessKey, withLines(served, junk));
  assert.equal(junkRes.status, 400);
  assert.equal(junkRes.body.error?.code, 'unknown-witness');
  assert.equal(await checkpointText(), served, 'nothing was stored');

  // The real witness still gets in, once: a second line of the same witness adds nothing.
  const good = await postCosigned(witnessKey, withLines(served, [realWitnessLine(served)]));
  assert.equal(good.status, 200, JSON.stringify(good.body));
  const again = await postCosigned(witnessKey, withLines(served, [realWitnessLine(served)]));
  assert.deepEqual([again.status, (again.body as { added?: number }).added], [200, 0]);
  assert.equal(parseNote(await checkpointText()).signatures.length, 2, 'log signature + one cosignature');
  const first = await sync();
  assert.equal(first.status, 'updated', JSON.stringify(first));
  assert.equal(first.release, r1.releaseId);

  // A second release: the witness cosigns the new checkpoint and the device moves on.
  const r2 = await publish('console.log("r2")');
  served = await checkpointText();
  assert.equal((await postCosigned(witnessKey, withLines(served, [realWitnessLine(served)]))).status, 200);
  const second = await sync();
  assert.equal(second.status, 'updated', JSON.stringify(second));
  assert.equal(second.release, r2.releaseId);

  // Whoever can still add a line to the served note (here: straight into the database) gets
  // it ignored by the device, not obeyed: the forged line of the silent witness does not count,
  // and does not stop the valid cosignature of w1 from meeting the threshold.
  const r3 = await publish('console.log("r3")');
  served = await checkpointText();
  assert.equal((await postCosigned(witnessKey, withLines(served, [realWitnessLine(served)]))).status, 200);
  const db = new Database(join(fixture.server.dataDir, 'updraft.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('insert into log_cosignatures (log_id, tree_size, line, created_at) values (?, ?, ?, ?)').run(
      app,
      parseCheckpointBody(parseNote(served).body).size,
      forgedWitnessLine(served, silent),
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
  assert.equal(parseNote(await checkpointText()).signatures.length, 3, 'the forged line is served');
  const third = await sync();
  assert.equal(third.status, 'updated', JSON.stringify(third));
  assert.equal(third.release, r3.releaseId);
});
