import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, keyId, utf8Decode, utf8Encode, UpdraftError, type TufKey } from '../src/index.js';
import {
  base64DecodeStrict,
  base64Encode,
  consistencyProof,
  cosignNoteBody,
  formatCheckpointBody,
  formatNote,
  hashLeaf,
  inclusionProof,
  logTrustFromPin,
  noteKeyFromSeed,
  NOTE_COSIGNATURE_V1,
  NOTE_ED25519,
  openCheckpoint,
  pae,
  parseLogPin,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  parseProvenanceRef,
  provenanceStatement,
  rootFromLeafHashes,
  signNoteBody,
  signaturesBy,
  verifyConsistency,
  verifyDsse,
  verifyInclusion,
  verifyLogged,
  verifyNoteSignature,
  verifyProvenance,
  IN_TOTO_PAYLOAD_TYPE,
  type LogTrust,
} from '../src/transparency/transparency.js';
import * as V from './transparency-vectors.js';

const h = (hex: string) => hexToBytes(hex);
const leafHashes = V.LEAVES_HEX.map((l) => hashLeaf(h(l)));

test('RFC 6962 roots of every prefix of the 8-leaf tree', () => {
  assert.equal(bytesToHex(rootFromLeafHashes([])), V.EMPTY_TREE_HEX);
  for (let n = 1; n <= 8; n++) assert.equal(bytesToHex(rootFromLeafHashes(leafHashes.slice(0, n))), V.ROOTS_HEX[n - 1]);
});

test('inclusion proofs: the published vectors verify, are what we generate, and every corruption fails', () => {
  for (const v of V.INCLUSION_PROOFS) {
    const index = v.leaf - 1;
    const proof = v.proof.map(h);
    const root = h(V.ROOTS_HEX[v.size - 1]!);
    const leaf = leafHashes[index]!;
    assert.deepEqual(
      inclusionProof(leafHashes, index, v.size).map(bytesToHex),
      v.proof,
      `generate ${v.leaf}/${v.size}`,
    );
    assert.ok(verifyInclusion(index, v.size, leaf, proof, root), `verify ${v.leaf}/${v.size}`);
    const bad: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
      [index + 1, v.size, leaf, proof, root],
      [index ^ 2, v.size, leaf, proof, root],
      [index, v.size * 2, leaf, proof, root],
      [index, Math.floor(v.size / 2), leaf, proof, root],
      [index, v.size, hashLeaf(utf8Encode('WrongLeaf')), proof, root],
      [index, v.size, leaf, proof, h(V.EMPTY_TREE_HEX)],
      [index, v.size, leaf, [...proof, root], root],
      [index, v.size, leaf, [root, ...proof], root],
    ];
    if (index > 0) bad.push([index - 1, v.size, leaf, proof, root]);
    if (proof.length > 0) bad.push([index, v.size, leaf, proof.slice(0, -1), root]);
    proof.forEach((_, i) => {
      const flipped = proof.map((p) => p.slice());
      flipped[i]![0]! ^= 8;
      bad.push([index, v.size, leaf, flipped, root]);
    });
    for (const [i, s, l, p, r] of bad) assert.equal(verifyInclusion(i, s, l, p, r), false, `corrupt ${i}/${s}`);
  }
  // Every leaf of every prefix, generated and verified.
  for (let n = 1; n <= 8; n++) {
    for (let i = 0; i < n; i++) {
      assert.ok(verifyInclusion(i, n, leafHashes[i]!, inclusionProof(leafHashes, i, n), h(V.ROOTS_HEX[n - 1]!)));
    }
  }
});

test('consistency proofs: the published vectors verify, are what we generate, and corruptions fail', () => {
  for (const v of V.CONSISTENCY_PROOFS) {
    const proof = v.proof.map(h);
    const r1 = h(V.ROOTS_HEX[v.size1 - 1]!);
    const r2 = h(V.ROOTS_HEX[v.size2 - 1]!);
    assert.deepEqual(consistencyProof(leafHashes, v.size1, v.size2).map(bytesToHex), v.proof);
    assert.ok(verifyConsistency(v.size1, v.size2, proof, r1, r2), `${v.size1}→${v.size2}`);
    if (proof.length === 0) continue;
    const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
      [v.size1 - 1, v.size2, proof, r1, r2],
      [v.size1 + 1, v.size2, proof, r1, r2],
      [v.size1, v.size2 * 2, proof, r1, r2],
      [v.size1, v.size2, proof, r2, r1],
      [v.size1, v.size2, [], r1, r2],
      [v.size1, v.size2, [...proof, r2], r1, r2],
      [v.size1, v.size2, [r1, ...proof], r1, r2],
      [v.size1, v.size2, proof.slice(0, -1), r1, r2],
    ];
    proof.forEach((_, i) => {
      const flipped = proof.map((p) => p.slice());
      flipped[i]![0]! ^= 16;
      bad.push([v.size1, v.size2, flipped, r1, r2]);
    });
    for (const [a, b, p, x, y] of bad) assert.equal(verifyConsistency(a, b, p, x, y), false, `corrupt ${a}→${b}`);
  }
  for (let m = 1; m <= 8; m++) {
    for (let n = m; n <= 8; n++) {
      const p = consistencyProof(leafHashes, m, n);
      assert.ok(verifyConsistency(m, n, p, h(V.ROOTS_HEX[m - 1]!), h(V.ROOTS_HEX[n - 1]!)), `${m}→${n}`);
    }
  }
  assert.equal(verifyConsistency(2, 1, [], h(V.ROOTS_HEX[1]!), h(V.ROOTS_HEX[0]!)), false, 'time travel');
});

test('signed note: the Go/C2SP PeterNeumann vector, byte for byte', () => {
  const vkey = parseVerifierKey(V.NOTE_VKEY);
  assert.equal(vkey.name, 'PeterNeumann');
  assert.equal(vkey.keyId, 0xc74f20a3);
  const skey = parseSignerKey(V.NOTE_SKEY);
  assert.deepEqual(skey.publicKey, vkey.publicKey);
  assert.equal(signNoteBody(V.NOTE_TEXT, skey), V.NOTE_SIG_LINE);
  const note = parseNote(formatNote(V.NOTE_TEXT, [V.NOTE_SIG_LINE]));
  assert.equal(note.body, V.NOTE_TEXT);
  const [sig] = signaturesBy(note, vkey);
  assert.ok(sig && verifyNoteSignature(note.body, sig, vkey));
  const tampered = parseNote(formatNote(V.NOTE_TEXT.replace('cryptography', 'cryptographY'), [V.NOTE_SIG_LINE]));
  assert.equal(verifyNoteSignature(tampered.body, tampered.signatures[0]!, vkey), false);
  // Manglings of the verifier key are refused.
  assert.throws(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'));
  assert.throws(() => parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T'));
  assert.throws(() => parseNote('no blank line\n\u2014 a AAAA\n'));
});

test('base64 round trip and strictness', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = randomBytes(n);
    assert.equal(base64Encode(bytes), Buffer.from(bytes).toString('base64'));
    assert.deepEqual(base64DecodeStrict(base64Encode(bytes)), new Uint8Array(bytes));
  }
  assert.throws(() => base64DecodeStrict('a*bc'));
  assert.throws(() => base64DecodeStrict('AB=='.replace('AB', 'AF')), /base64/); // non-zero leftover bits
});

function logFixture(witnessCount = 0) {
  const log = noteKeyFromSeed('updraft/test', NOTE_ED25519, randomBytes(32));
  const witnesses = Array.from({ length: witnessCount }, (_, i) =>
    noteKeyFromSeed(`witness.example/${i}`, NOTE_COSIGNATURE_V1, randomBytes(32)),
  );
  const checkpoint = (leaves: Uint8Array[], cosigners = witnesses) => {
    const body = formatCheckpointBody({
      origin: 'updraft/test',
      size: leaves.length,
      rootHash: rootFromLeafHashes(leaves),
    });
    const lines = [signNoteBody(body, parseSignerKey(log.signerKey))];
    for (const w of cosigners) lines.push(cosignNoteBody(body, parseSignerKey(w.signerKey), 1_700_000_000));
    return formatNote(body, lines);
  };
  const trust = (threshold: number): LogTrust => ({
    origin: 'updraft/test',
    logKey: parseVerifierKey(log.verifierKey),
    witnesses: witnesses.map((w) => parseVerifierKey(w.verifierKey)),
    witnessThreshold: threshold,
  });
  return { log, witnesses, checkpoint, trust };
}

test('checkpoints: signed by the pinned log key, for its origin, with the required witness cosignatures', () => {
  const f = logFixture(2);
  const leaves = [hashLeaf(utf8Encode('a')), hashLeaf(utf8Encode('b')), hashLeaf(utf8Encode('c'))];
  const cp = openCheckpoint(f.checkpoint(leaves), f.trust(2));
  assert.equal(cp.size, 3);
  assert.deepEqual(cp.rootHash, rootFromLeafHashes(leaves));
  assert.equal(cp.cosigners.length, 2);
  assert.throws(
    () => openCheckpoint(f.checkpoint(leaves, f.witnesses.slice(0, 1)), f.trust(2)),
    (e: UpdraftError) => e.reason === 'transparency' && /1 valid witness/.test(e.message),
  );
  const other = logFixture();
  assert.throws(() => openCheckpoint(other.checkpoint(leaves), f.trust(0)), /not signed by the pinned log key/);
  const forged = f.checkpoint(leaves).replace('\n3\n', '\n4\n');
  assert.throws(() => openCheckpoint(forged, f.trust(0)), /does not verify/);
  assert.throws(
    () => openCheckpoint(f.checkpoint(leaves), { ...f.trust(0), origin: 'updraft/other' }),
    /not "updraft\/other"/,
  );
});

test('checkpoints: a forged line naming a pinned witness is ignored, not fatal (issue 14 §2)', () => {
  const f = logFixture(2);
  const leaves = [hashLeaf(utf8Encode('a')), hashLeaf(utf8Encode('b'))];
  const good = f.checkpoint(leaves, f.witnesses.slice(0, 1));
  const key = parseVerifierKey(f.witnesses[1]!.verifierKey);
  // The pinned name and key id, 72 junk bytes: what anyone could post to a log that stored any line.
  const id = Uint8Array.of(key.keyId >>> 24, (key.keyId >>> 16) & 255, (key.keyId >>> 8) & 255, key.keyId & 255);
  const junk = `\u2014 ${key.name} ${Buffer.concat([id, randomBytes(72)]).toString('base64')}\n`;
  const padded = good + junk + junk.replace(key.name, f.witnesses[0]!.verifierKey.split('+')[0]!);
  const cp = openCheckpoint(padded, f.trust(1));
  assert.deepEqual(cp.cosigners, ['witness.example/0'], 'only the verified cosignature counts');
  assert.throws(
    () => openCheckpoint(padded, f.trust(2)),
    (e: UpdraftError) => e.reason === 'transparency' && /1 valid witness/.test(e.message),
    'a forged line never counts toward the threshold',
  );
});

test('verifyLogged: inclusion under the checkpoint, consistency with the kept one, split view caught', () => {
  const f = logFixture();
  const leaves = Array.from({ length: 5 }, (_, i) => hashLeaf(utf8Encode(`entry ${i}`)));
  const trust = f.trust(0);
  const proofFor = (all: Uint8Array[], i: number) => ({
    leafIndex: i,
    treeSize: all.length,
    hashes: inclusionProof(all, i),
  });
  const first = verifyLogged({
    trust,
    checkpointNote: f.checkpoint(leaves.slice(0, 3)),
    leafHash: leaves[1]!,
    inclusion: proofFor(leaves.slice(0, 3), 1),
    known: null,
    consistency: null,
  });
  assert.equal(first.keep.size, 3);
  const grown = verifyLogged({
    trust,
    checkpointNote: f.checkpoint(leaves),
    leafHash: leaves[4]!,
    inclusion: proofFor(leaves, 4),
    known: first.keep,
    consistency: { from: 3, to: 5, hashes: consistencyProof(leaves, 3, 5) },
  });
  assert.equal(grown.keep.size, 5);
  // A fork: same log key, history rewritten at index 2, with a malicious entry appended.
  const forked = [...leaves.slice(0, 2), hashLeaf(utf8Encode('evil')), ...leaves.slice(3)];
  assert.throws(
    () =>
      verifyLogged({
        trust,
        checkpointNote: f.checkpoint(forked),
        leafHash: forked[2]!,
        inclusion: proofFor(forked, 2),
        known: first.keep,
        consistency: { from: 3, to: 5, hashes: consistencyProof(forked, 3, 5) },
      }),
    (e: UpdraftError) => e.reason === 'transparency' && /not consistent/.test(e.message),
  );
  // An entry that is not in the log has no proof that leads to the root.
  assert.throws(
    () =>
      verifyLogged({
        trust,
        checkpointNote: f.checkpoint(leaves),
        leafHash: hashLeaf(utf8Encode('never logged')),
        inclusion: proofFor(leaves, 4),
        known: null,
        consistency: null,
      }),
    /not in the log/,
  );
});

test('log pin in root: parsed, validated, absent means none', () => {
  const f = logFixture(1);
  const pin = parseLogPin({
    _type: 'root',
    'x-updraft-log': {
      origin: 'updraft/test',
      key: f.log.verifierKey,
      witnesses: [f.witnesses[0]!.verifierKey],
      witnessThreshold: 1,
      policy: 'enforce',
    },
  });
  assert.equal(pin?.policy, 'enforce');
  assert.equal(logTrustFromPin(pin!).witnessThreshold, 1);
  assert.equal(parseLogPin({ _type: 'root' }), null);
  assert.throws(
    () => parseLogPin({ 'x-updraft-log': { origin: 'o', key: f.log.verifierKey, policy: 'maybe' } }),
    /policy/,
  );
  assert.throws(
    () => parseLogPin({ 'x-updraft-log': { origin: 'o', key: f.log.verifierKey, witnessThreshold: 2 } }),
    /witnessThreshold/,
  );
  assert.throws(
    () => parseLogPin({ 'x-updraft-log': { origin: 'o', key: f.witnesses[0]!.verifierKey } }),
    /Ed25519 note key/,
  );
});

test('DSSE: the spec PAE vector and its ECDSA P-256 signature', () => {
  const message = pae(V.DSSE_PAYLOAD_TYPE, utf8Encode(V.DSSE_PAYLOAD));
  assert.equal(utf8Decode(message), V.DSSE_PAE);
  const point = p256.Point.fromAffine({ x: V.DSSE_KEY_X, y: V.DSSE_KEY_Y });
  const sig = base64DecodeStrict(V.DSSE_ENVELOPE.signatures[0]!.sig);
  assert.ok(p256.verify(sig, message, point.toBytes(false), { prehash: true, lowS: false, format: 'compact' }));
  assert.equal(
    p256.verify(sig, pae('http://example.com/Other', utf8Encode(V.DSSE_PAYLOAD)), point.toBytes(false), {
      prehash: true,
      lowS: false,
      format: 'compact',
    }),
    false,
  );
  assert.equal(utf8Decode(base64DecodeStrict(V.DSSE_ENVELOPE.payload)), V.DSSE_PAYLOAD);
  assert.equal(bytesToHex(sha256(message)).length, 64);
});

function ed25519Builder(): { key: TufKey; signPae: (m: Uint8Array) => string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const key: TufKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: raw.toString('hex') } };
  return { key, signPae: (m) => sign(null, m, privateKey).toString('base64') };
}

test('provenance: an in-toto SLSA v1 statement in DSSE verifies with the builder key only', () => {
  const builder = ed25519Builder();
  const statement = provenanceStatement({
    subjects: [{ name: 'manifests/r1.json', sha256: 'a'.repeat(64) }],
    builderId: 'https://ci.example/runner',
    appId: 'com.example.app',
    releaseId: 'r1',
    platform: 'ios',
    runtimeVersion: '1.0.0',
    channel: 'production',
    source: { repository: 'https://git.example/app', commit: 'c'.repeat(40), ref: 'refs/heads/main' },
    startedOn: '2030-01-01T00:00:00Z',
    finishedOn: '2030-01-01T00:01:00Z',
    invocationId: null,
  });
  const payload = utf8Encode(JSON.stringify(statement));
  const envelope = {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: base64Encode(payload),
    signatures: [{ keyid: keyId(builder.key), sig: builder.signPae(pae(IN_TOTO_PAYLOAD_TYPE, payload)) }],
  };
  const summary = verifyProvenance(envelope, builder.key);
  assert.equal(summary.builderId, 'https://ci.example/runner');
  assert.equal(summary.repository, 'https://git.example/app');
  assert.equal(summary.commit, 'c'.repeat(40));
  assert.deepEqual(summary.builderKeyIds, [keyId(builder.key)]);
  assert.throws(
    () => verifyProvenance(envelope, ed25519Builder().key),
    (e: UpdraftError) => e.reason === 'signature',
  );
  const swapped = { ...envelope, payload: base64Encode(utf8Encode(JSON.stringify({ ...statement, subject: [] }))) };
  assert.throws(() => verifyDsse(swapped, [builder.key]), /0 valid signature/);
});

test('provenance reference of a release target: checked as it is read (CLI and dashboard), null when absent', () => {
  const builderKey = ed25519Builder().key;
  const ref = { path: 'attestations/r1.intoto.json', sha256: 'b'.repeat(64), length: 900, builderKey };
  const at = 'manifests/r1.json';
  assert.deepEqual(parseProvenanceRef({ updraft: { releaseId: 'r1', provenance: ref } }, at), ref);
  assert.equal(parseProvenanceRef({ updraft: { releaseId: 'r1' } }, at), null);
  assert.equal(parseProvenanceRef(undefined, at), null);
  // What a cast let through: each is refused with the field named.
  for (const [bad, field] of [
    [{ ...ref, path: '../../admin/secret' }, 'path'],
    [{ ...ref, sha256: 'B'.repeat(64) }, 'sha256'],
    [{ ...ref, length: -1 }, 'length'],
    [{ ...ref, builderKey: { keytype: 'ed25519' } }, 'builderKey'],
    ['attestations/r1.intoto.json', 'provenance'],
  ] as const) {
    assert.throws(
      () => parseProvenanceRef({ updraft: { provenance: bad } }, at),
      new RegExp(`manifests/r1\\.json\\.custom\\.updraft\\.provenance${field === 'provenance' ? '' : `\\.${field}`}`),
      JSON.stringify(bad),
    );
  }
});
