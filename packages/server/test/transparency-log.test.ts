import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@updraft/protocol';
import {
  cosignNoteBody,
  formatNote,
  hashLeaf,
  noteKeyFromSeed,
  NOTE_COSIGNATURE_V1,
  openCheckpoint,
  parseConsistencyProof,
  parseInclusionProof,
  parseLogEntry,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  type LogTrust,
} from '@updraft/protocol/transparency';
import { createTrustedApp, prepareRelease, request, sha256, startTestServer, startAuditLogFixture } from './helpers.js';

function trustOf(identity: { origin: string; key: string }, witnesses: string[] = [], threshold = 0): LogTrust {
  return {
    origin: identity.origin,
    logKey: parseVerifierKey(identity.key),
    witnesses: witnesses.map(parseVerifierKey),
    witnessThreshold: threshold,
  };
}

test('every root, targets and releases version is logged; checkpoint, entries and proofs verify over HTTP', async () => {
  const t = await startTestServer();
  try {
    const app = 'com.example.log';
    const { keys } = await createTrustedApp(t, app);
    for (const [releaseId, versionCode] of [
      ['r1', 1],
      ['r2', 2],
    ] as const) {
      const { body } = await prepareRelease(t, app, keys, { releaseId, versionCode });
      assert.equal((await t.api('POST', `/v1/apps/${app}/releases`, body)).status, 201);
    }
    const identity = (await t.api('GET', `/v1/apps/${app}/log`)).json as { origin: string; key: string };
    assert.equal(identity.origin, `updraft/${app}`);
    const base = `${t.url}/repo/${app}/log`;
    const cpRes = await request(`${base}/checkpoint`, 'GET');
    assert.equal(cpRes.status, 200);
    assert.match(cpRes.headers.get('content-type') ?? '', /^text\/plain/);
    const cp = openCheckpoint(new TextDecoder().decode(cpRes.bytes), trustOf(identity));
    assert.equal(cp.size, 5, 'root v1, targets v1, releases v1, v2, v3');

    const entries = (await request(`${base}/entries?start=0&end=10`, 'GET')).json.entries as {
      index: number;
      data: string;
    }[];
    const parsed = entries.map((e) => parseLogEntry(Buffer.from(e.data, 'base64')));
    assert.deepEqual(
      parsed.map((e) => (e && e.type === 'updraft.tuf-metadata/1' ? `${e.role}@${e.version}` : null)),
      ['root@1', 'targets@1', 'releases@1', 'releases@2', 'releases@3'],
    );
    // Each entry names the exact bytes the repository serves.
    for (const e of parsed) {
      if (e?.type !== 'updraft.tuf-metadata/1') continue;
      const file = await request(`${t.url}/repo/${app}/metadata/${e.version}.${e.role}.json`, 'GET');
      assert.equal(sha256(file.bytes), e.sha256);
    }
    const leaf3 = hashLeaf(Buffer.from(entries[3]!.data, 'base64'));
    const byHash = parseInclusionProof(
      (await request(`${base}/proof/inclusion?hash=${bytesToHex(leaf3)}`, 'GET')).json,
    );
    assert.equal(byHash.leafIndex, 3);
    assert.ok(verifyInclusion(3, cp.size, leaf3, byHash.hashes, cp.rootHash));
    const leaf1 = hashLeaf(Buffer.from(entries[1]!.data, 'base64'));
    const byIndex = parseInclusionProof((await request(`${base}/proof/inclusion?index=1&treeSize=5`, 'GET')).json);
    assert.ok(verifyInclusion(1, 5, leaf1, byIndex.hashes, cp.rootHash));

    const small = parseInclusionProof((await request(`${base}/proof/inclusion?index=0&treeSize=2`, 'GET')).json);
    assert.equal(small.treeSize, 2);
    const cons = parseConsistencyProof((await request(`${base}/proof/consistency?from=2&to=5`, 'GET')).json);
    const root2 = hashLeafRoot(entries.slice(0, 2).map((e) => hashLeaf(Buffer.from(e.data, 'base64'))));
    assert.ok(verifyConsistency(2, 5, cons.hashes, root2, cp.rootHash));

    // Bad input is a 4xx with a message, never a 5xx.
    for (const [path, status] of [
      ['/entries?start=9&end=10', 400],
      ['/entries?start=x&end=1', 400],
      [`/proof/inclusion?hash=${'0'.repeat(64)}`, 404],
      ['/proof/inclusion?index=0&treeSize=0', 400],
      ['/proof/inclusion?index=7', 400],
      ['/proof/inclusion', 400],
      ['/proof/consistency?from=3&to=2', 400],
      ['/proof/consistency?from=1&to=99', 400],
    ] as const) {
      const r = await request(`${base}${path}`, 'GET');
      assert.equal(r.status, status, path);
      assert.ok(r.json?.error?.message, path);
    }
    assert.equal((await request(`${t.url}/repo/com.example.none/log/checkpoint`, 'GET')).status, 404);
  } finally {
    await t.stop();
  }
});

/** The root of two leaves, computed independently of the server: SHA-256(0x01 ‖ l ‖ r). */
function hashLeafRoot([l, r]: Uint8Array[]): Uint8Array {
  return hexToBytes(sha256(Buffer.concat([Buffer.of(1), l!, r!])));
}

test('witness cosignatures: only a witness key posts, only valid lines by pinned witnesses are kept, one per witness', async () => {
  const t = await startTestServer();
  try {
    const app = 'com.example.witnessed';
    const witness = noteKeyFromSeed('witness.example/w1', NOTE_COSIGNATURE_V1, randomBytes(32));
    const stranger = noteKeyFromSeed('witness.example/w2', NOTE_COSIGNATURE_V1, randomBytes(32));
    await createTrustedApp(t, app, {
      rootExtra: (created) => ({
        'x-updraft-log': {
          ...(created['log'] as object),
          witnesses: [witness.verifierKey],
          witnessThreshold: 1,
          policy: 'enforce',
        },
      }),
    });
    const identity = (await t.api('GET', `/v1/apps/${app}/log`)).json as { origin: string; key: string };
    const created = await t.api('POST', '/v1/keys', {
      name: 'w1',
      role: 'viewer',
      kind: 'service',
      scopes: ['witness'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const asWitness = { authorization: `Bearer ${created.json.key}` };
    const post = (checkpoint: string, headers = asWitness) =>
      request(`${t.url}/v1/apps/${app}/log/cosignatures`, 'POST', { checkpoint }, headers);
    const served = new TextDecoder().decode((await request(`${t.url}/repo/${app}/log/checkpoint`, 'GET')).bytes);
    assert.throws(() => openCheckpoint(served, trustOf(identity, [witness.verifierKey], 1)), /0 valid witness/);
    const note = parseNote(served);
    const now = Math.floor(Date.now() / 1000);
    const line = cosignNoteBody(note.body, parseSignerKey(witness.signerKey), now);
    const withLines = (...lines: string[]) => formatNote(note.body, [...note.signatures.map((s) => s.line), ...lines]);

    // The owner key (`*`) is not a witness credential: `witness` must be named on the key.
    assert.equal(
      (await t.api('POST', `/v1/apps/${app}/log/cosignatures`, { checkpoint: withLines(line) })).status,
      403,
    );
    // A line by a witness nobody pinned, a line naming the pinned witness with a broken
    // signature, a line over another checkpoint: each refuses the whole note, nothing stored.
    // A character inside the signature bytes: the last one before `=` padding may carry only
    // padding bits, which base64 decoders ignore, so changing it can leave the line valid.
    const at = line.lastIndexOf(' ') + 40;
    const tampered = `${line.slice(0, at)}${line[at] === 'A' ? 'B' : 'A'}${line.slice(at + 1)}`;
    for (const [lines, code] of [
      [[cosignNoteBody(note.body, parseSignerKey(stranger.signerKey), now)], 'unknown-witness'],
      [[tampered], 'bad-cosignature'],
      [[line, tampered], 'bad-cosignature'],
      [[line, line], 'duplicate-witness'],
      [[], 'no-cosignature'],
    ] as const) {
      const res = await post(withLines(...lines));
      assert.equal(res.status, 400, `${code}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error.code, code);
    }
    const unchanged = new TextDecoder().decode((await request(`${t.url}/repo/${app}/log/checkpoint`, 'GET')).bytes);
    assert.equal(unchanged, served, 'nothing was stored');

    const res = await post(withLines(line));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.added, 1);
    // Posting again (or a later cosignature by the same witness) adds nothing.
    const later = cosignNoteBody(note.body, parseSignerKey(witness.signerKey), now + 60);
    assert.equal((await post(withLines(later))).json.added, 0);
    const again = new TextDecoder().decode((await request(`${t.url}/repo/${app}/log/checkpoint`, 'GET')).bytes);
    assert.equal(parseNote(again).signatures.length, 2);
    assert.deepEqual(openCheckpoint(again, trustOf(identity, [witness.verifierKey], 1)).cosigners, [
      'witness.example/w1',
    ]);
    // A checkpoint this log never signed (a forged root hash) is refused.
    const forgedBody = note.body.replace(/\n[^\n]+=\n$/, `\n${Buffer.alloc(32, 7).toString('base64')}\n`);
    const forged = formatNote(forgedBody, [cosignNoteBody(forgedBody, parseSignerKey(witness.signerKey), 1)]);
    const bad = await post(forged);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'unknown-checkpoint');
    assert.equal((await post('nonsense')).status, 400);
  } finally {
    await t.stop();
  }
});

test('audit anchoring: the head is appended when it changes, and served from /log/audit', async () => {
  const fixture = await startAuditLogFixture();
  try {
    assert.deepEqual(
      await fixture.anchorOnce(),
      { anchored: false, index: null },
      'empty audit log: nothing to anchor',
    );
    fixture.setHead({ size: 3, head: 'aa'.repeat(32) });
    assert.deepEqual(await fixture.anchorOnce(), { anchored: true, index: 0 });
    assert.deepEqual(await fixture.anchorOnce(), { anchored: false, index: 0 }, 'unchanged head is not appended twice');
    fixture.setHead({ size: 5, head: 'bb'.repeat(32) });
    assert.deepEqual(await fixture.anchorOnce(), { anchored: true, index: 1 });

    const url = await fixture.listen();
    const identity = await fixture.identity();
    const cp = openCheckpoint(
      new TextDecoder().decode((await request(`${url}/checkpoint`, 'GET')).bytes),
      trustOf(identity),
    );
    assert.equal(cp.size, 2);
    const entries = (await request(`${url}/entries?start=0&end=2`, 'GET')).json.entries as { data: string }[];
    const heads = entries.map((e) => parseLogEntry(Buffer.from(e.data, 'base64')));
    assert.deepEqual(
      heads.map((h) => (h?.type === 'updraft.audit-head/1' ? [h.source, h.size, h.head] : null)),
      [
        ['admin', 3, 'aa'.repeat(32)],
        ['admin', 5, 'bb'.repeat(32)],
      ],
    );
    // Someone who rewrites the audit table cannot make its head match what the log holds: the
    // anchored head is provably in the log under a signed checkpoint.
    const leaf = hashLeaf(Buffer.from(entries[0]!.data, 'base64'));
    const proof = parseInclusionProof((await request(`${url}/proof/inclusion?hash=${bytesToHex(leaf)}`, 'GET')).json);
    assert.ok(verifyInclusion(proof.leafIndex, cp.size, leaf, proof.hashes, cp.rootHash));
  } finally {
    await fixture.close();
  }
});
