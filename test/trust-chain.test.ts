import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  delegatedSigned,
  keyId,
  loadTrustedRoot,
  parseTimestamp,
  rootSigned,
  serializeEnvelope,
  snapshotSigned,
  timestampSigned,
  updateTimestamp,
  UpdraftError,
  utf8Encode,
  verifyDelegatedTargets,
  verifyRootUpdate,
  verifySnapshot,
  verifyTimestamp,
  verifyTopTargets,
} from '@updraft/protocol';
import {
  expiresAt,
  firstTrust,
  generateKeyFile,
  localSigner,
  metaEntryFor,
  publicKeyOf,
  signMetadata,
  type KeyFile,
} from '@updraft/signing';

// The TUF client checks of @updraft/protocol against metadata made by the Node signing
// module (@tufjs/models): each check is attacked with the failure it must catch.

const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

function reasonOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof UpdraftError) return e.reason;
    throw e;
  }
}

const set = (...keys: KeyFile[]) => ({ keys: keys.map(publicKeyOf), threshold: 1 });

async function makeRepo(algorithm: 'ed25519' | 'ecdsa-p256' = 'ed25519') {
  const k = {
    root: generateKeyFile(algorithm),
    targets: generateKeyFile(algorithm),
    snapshot: generateKeyFile(algorithm),
    timestamp: generateKeyFile(algorithm),
    releases: generateKeyFile(algorithm),
    director: generateKeyFile(algorithm),
  };
  // The offline roles as `updraft apps create` writes them; the online ones below stand in
  // for the server's (their keys are local here, so an attack can sign with them).
  const alone = (key: KeyFile) => ({ ...set(key), signers: [localSigner(key)] });
  const first = await firstTrust({
    online: {
      snapshot: publicKeyOf(k.snapshot),
      timestamp: publicKeyOf(k.timestamp),
      director: publicKeyOf(k.director),
    },
    root: alone(k.root),
    targets: alone(k.targets),
    releases: alone(k.releases),
    nowMs: NOW,
  });
  const root = first.root;
  const targets = serializeEnvelope(first.targets);
  const releases = serializeEnvelope(first.releases);
  const director = serializeEnvelope(
    await signMetadata(delegatedSigned({ version: 1, expires: expiresAt(NOW, 7), targets: {} }), [
      localSigner(k.director),
    ]),
  );
  const snapshot = async (version: number, expiresDays = 7, rel = releases) =>
    serializeEnvelope(
      await signMetadata(
        snapshotSigned({
          version,
          expires: expiresAt(NOW, expiresDays),
          meta: {
            'targets.json': metaEntryFor(targets, 1),
            'releases.json': metaEntryFor(rel, 1),
            'director.json': metaEntryFor(director, 1),
          },
        }),
        [localSigner(k.snapshot)],
      ),
    );
  const timestamp = async (
    version: number,
    snap: Uint8Array,
    snapVersion: number,
    expiresDays = 1,
    signer = k.timestamp,
  ) =>
    serializeEnvelope(
      await signMetadata(
        timestampSigned({ version, expires: expiresAt(NOW, expiresDays), snapshot: metaEntryFor(snap, snapVersion) }),
        [localSigner(signer)],
      ),
    );
  return { k, root, rootBytes: serializeEnvelope(root), targets, releases, director, snapshot, timestamp };
}

for (const algorithm of ['ed25519', 'ecdsa-p256'] as const) {
  test(`${algorithm}: a valid chain verifies end to end`, async () => {
    const repo = await makeRepo(algorithm);
    const root = loadTrustedRoot(repo.rootBytes).signed;
    const snap = await repo.snapshot(1);
    const ts = verifyTimestamp(root, await repo.timestamp(1, snap, 1), null, NOW);
    const snapshot = verifySnapshot(root, snap, ts.signed, null, NOW);
    const targets = verifyTopTargets(root, repo.targets, snapshot.signed, null, NOW);
    verifyDelegatedTargets(targets.signed, 'releases', repo.releases, snapshot.signed, null, NOW);
    verifyDelegatedTargets(targets.signed, 'director', repo.director, snapshot.signed, null, NOW);
  });
}

test('timestamp: forged, foreign, expired, replayed and oversized timestamps are refused', async () => {
  const repo = await makeRepo();
  const other = await makeRepo();
  const root = loadTrustedRoot(repo.rootBytes).signed;
  const snap = await repo.snapshot(2);
  const good = await repo.timestamp(5, snap, 2);
  const trusted = parseTimestamp(JSON.parse(new TextDecoder().decode(good))).signed;
  const foreign = await other.timestamp(5, snap, 2);
  const older = await repo.timestamp(4, snap, 2);

  const forged = JSON.parse(new TextDecoder().decode(good));
  forged.signed.version = 6;
  assert.equal(
    reasonOf(() => verifyTimestamp(root, good, null, NOW)),
    null,
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, utf8Encode(JSON.stringify(forged)), null, NOW)),
    'signature',
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, foreign, null, NOW)),
    'signature',
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, good, null, NOW + 2 * DAY)),
    'expired',
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, older, trusted, NOW)),
    'rollback',
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, new Uint8Array(17 * 1024).fill(32), null, NOW)),
    'length',
  );
  assert.equal(
    reasonOf(() => verifyTimestamp(root, utf8Encode('{"signed":'), null, NOW)),
    'malformed',
  );
});

test('timestamp update (TUF §5.4.3.1): the same version keeps the trusted copy, whatever the new one says', async () => {
  const repo = await makeRepo();
  const root = loadTrustedRoot(repo.rootBytes).signed;
  const trusted = verifyTimestamp(root, await repo.timestamp(5, await repo.snapshot(2), 2), null, NOW);
  // Version 5 again, naming another snapshot (even an older one): discarded, not an error.
  const again = await repo.timestamp(5, await repo.snapshot(9), 9);
  assert.equal(updateTimestamp(root, again, trusted, NOW), trusted);
  const older = await repo.timestamp(5, await repo.snapshot(1), 1);
  assert.equal(updateTimestamp(root, older, trusted, NOW), trusted);
  // A newer version replaces it; an older one, or one not signed by the timestamp key, is refused.
  const newer = await repo.timestamp(6, await repo.snapshot(3), 3);
  assert.equal(updateTimestamp(root, newer, trusted, NOW).signed.version, 6);
  const rolledBack = await repo.timestamp(4, await repo.snapshot(2), 2);
  assert.equal(
    reasonOf(() => updateTimestamp(root, rolledBack, trusted, NOW)),
    'rollback',
  );
  const forged = JSON.parse(new TextDecoder().decode(again));
  forged.signed.expires = '2099-01-01T00:00:00Z';
  assert.equal(
    reasonOf(() => updateTimestamp(root, utf8Encode(JSON.stringify(forged)), trusted, NOW)),
    'signature',
  );
  // The kept copy is still checked for expiry.
  assert.equal(
    reasonOf(() => updateTimestamp(root, again, trusted, NOW + 2 * DAY)),
    'expired',
  );
});

test('a signature list that names one key twice is malformed (so is a role listing a key twice)', async () => {
  const repo = await makeRepo();
  const root = loadTrustedRoot(repo.rootBytes).signed;
  const good = await repo.timestamp(1, await repo.snapshot(1), 1);
  const doubled = JSON.parse(new TextDecoder().decode(good));
  doubled.signatures = [doubled.signatures[0], doubled.signatures[0]];
  assert.equal(
    reasonOf(() => verifyTimestamp(root, good, null, NOW)),
    null,
  );
  assert.throws(
    () => verifyTimestamp(root, utf8Encode(JSON.stringify(doubled)), null, NOW),
    (e: unknown) =>
      e instanceof UpdraftError &&
      e.reason === 'malformed' &&
      /signatures\[1\]\.keyid must be a key id not listed before/.test(e.message),
  );
  const rootDoc = JSON.parse(new TextDecoder().decode(repo.rootBytes));
  const keyid = rootDoc.signed.roles.timestamp.keyids[0];
  rootDoc.signed.roles.timestamp.keyids = [keyid, keyid];
  assert.equal(
    reasonOf(() => loadTrustedRoot(utf8Encode(JSON.stringify(rootDoc)))),
    'malformed',
  );
});

test('snapshot: bytes must match the signed length and hash, and versions never go back', async () => {
  const repo = await makeRepo();
  const root = loadTrustedRoot(repo.rootBytes).signed;
  const snap = await repo.snapshot(2);
  const ts = verifyTimestamp(root, await repo.timestamp(1, snap, 2), null, NOW).signed;
  assert.equal(
    reasonOf(() => verifySnapshot(root, snap, ts, null, NOW)),
    null,
  );
  const longer = new Uint8Array(snap.length + 10);
  longer.set(snap);
  assert.equal(
    reasonOf(() => verifySnapshot(root, longer, ts, null, NOW)),
    'length',
  );
  const altered = snap.slice();
  altered[altered.length - 3]! ^= 1;
  assert.equal(
    reasonOf(() => verifySnapshot(root, altered, ts, null, NOW)),
    'hash',
  );
  const stale = await repo.snapshot(1);
  const tsStale = verifyTimestamp(root, await repo.timestamp(2, stale, 1), null, NOW).signed;
  assert.equal(
    reasonOf(() => verifySnapshot(root, stale, tsStale, null, NOW)),
    null,
  );
  const expiredSnap = await repo.snapshot(3, -1);
  const tsExp = verifyTimestamp(root, await repo.timestamp(3, expiredSnap, 3), null, NOW).signed;
  assert.equal(
    reasonOf(() => verifySnapshot(root, expiredSnap, tsExp, null, NOW)),
    'expired',
  );
});

test('root rotation: the next root needs a threshold of the old root and of itself', async () => {
  const repo = await makeRepo();
  const trusted = loadTrustedRoot(repo.rootBytes).signed;
  const newRootKey = generateKeyFile();
  const next = rootSigned({
    version: 2,
    expires: expiresAt(NOW, 365),
    roles: {
      root: set(newRootKey),
      targets: set(repo.k.targets),
      snapshot: set(repo.k.snapshot),
      timestamp: set(repo.k.timestamp),
    },
    keyIdOf: keyId,
  });
  const both = serializeEnvelope(await signMetadata(next, [localSigner(repo.k.root), localSigner(newRootKey)]));
  assert.equal(
    reasonOf(() => verifyRootUpdate(trusted, both)),
    null,
  );
  const onlyNew = serializeEnvelope(await signMetadata(next, [localSigner(newRootKey)]));
  assert.equal(
    reasonOf(() => verifyRootUpdate(trusted, onlyNew)),
    'signature',
  );
  const onlyOld = serializeEnvelope(await signMetadata(next, [localSigner(repo.k.root)]));
  assert.equal(
    reasonOf(() => verifyRootUpdate(trusted, onlyOld)),
    'signature',
  );

  // 2-of-3 root: one signature is below threshold.
  const r2 = [generateKeyFile(), generateKeyFile(), generateKeyFile()];
  const twoOfThree = { keys: r2.map(publicKeyOf), threshold: 2 };
  const v2 = rootSigned({
    version: 2,
    expires: expiresAt(NOW, 365),
    roles: {
      root: twoOfThree,
      targets: set(repo.k.targets),
      snapshot: set(repo.k.snapshot),
      timestamp: set(repo.k.timestamp),
    },
    keyIdOf: keyId,
  });
  const accepted = verifyRootUpdate(
    trusted,
    serializeEnvelope(await signMetadata(v2, [localSigner(repo.k.root), localSigner(r2[0]!), localSigner(r2[1]!)])),
  ).signed;
  const v3 = { ...v2, version: 3 };
  const oneOfTwo = serializeEnvelope(await signMetadata(v3, [localSigner(r2[0]!)]));
  assert.equal(
    reasonOf(() => verifyRootUpdate(accepted, oneOfTwo)),
    'threshold',
  );
  const skip = { ...v2, version: 4 };
  const skipped = serializeEnvelope(await signMetadata(skip, [localSigner(r2[0]!), localSigner(r2[1]!)]));
  assert.equal(
    reasonOf(() => verifyRootUpdate(accepted, skipped)),
    'rollback',
  );
});

test('delegations: releases signed by a key the targets role did not delegate to are refused', async () => {
  const repo = await makeRepo();
  const root = loadTrustedRoot(repo.rootBytes).signed;
  const rogue = generateKeyFile();
  const rogueReleases = serializeEnvelope(
    await signMetadata(delegatedSigned({ version: 1, expires: expiresAt(NOW, 365), targets: {} }), [
      localSigner(rogue),
    ]),
  );
  const snap = await repo.snapshot(1, 7, rogueReleases);
  const ts = verifyTimestamp(root, await repo.timestamp(1, snap, 1), null, NOW).signed;
  const snapshot = verifySnapshot(root, snap, ts, null, NOW).signed;
  const targets = verifyTopTargets(root, repo.targets, snapshot, null, NOW).signed;
  assert.equal(
    reasonOf(() => verifyDelegatedTargets(targets, 'releases', rogueReleases, snapshot, null, NOW)),
    'signature',
  );
});
