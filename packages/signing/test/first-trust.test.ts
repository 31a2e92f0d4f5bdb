import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countValidSignatures, parseRoot, parseTargets, RELEASES_ROLE, type TufKey } from '@updraft/protocol';
import { firstTrust } from '../src/index.js';
import { newSigner, OFFLINE_NOW } from './fake-server.js';

describe('firstTrust', () => {
  it('signs root, targets and releases v1, each to its threshold, over the server’s online keys', async () => {
    const rootKeys = [newSigner(), newSigner()];
    const targetsKey = newSigner();
    const releasesKey = newSigner();
    const online = {
      snapshot: newSigner().publicKey,
      timestamp: newSigner().publicKey,
      director: newSigner().publicKey,
    };
    const pin = { origin: 'example.com/log', key: 'k' };
    const trust = await firstTrust({
      online,
      root: { keys: rootKeys.map((k) => k.publicKey), threshold: 2, signers: rootKeys },
      targets: { keys: [targetsKey.publicKey], threshold: 1, signers: [targetsKey] },
      releases: { keys: [releasesKey.publicKey], threshold: 1, signers: [releasesKey] },
      rootExtra: { 'x-updraft-log': pin },
      nowMs: OFFLINE_NOW,
    });

    const root = parseRoot(trust.root);
    assert.equal(root.signed.version, 1);
    assert.deepEqual(trust.root.signed['x-updraft-log'], pin, 'the extra fields are signed into root');
    const ids = (k: TufKey) => [
      Object.keys(root.signed.keys).find((id) => root.signed.keys[id]!.keyval.public === k.keyval.public),
    ];
    assert.deepEqual(root.signed.roles.snapshot.keyids, ids(online.snapshot));
    assert.deepEqual(root.signed.roles.timestamp.keyids, ids(online.timestamp));
    assert.equal(countValidSignatures(trust.root.signed, root.signatures, root.signed.keys, root.signed.roles.root), 2);

    const targets = parseTargets(trust.targets);
    assert.equal(
      countValidSignatures(trust.targets.signed, targets.signatures, root.signed.keys, root.signed.roles.targets),
      1,
    );
    const releasesRole = targets.signed.delegations!.roles.find((r) => r.name === RELEASES_ROLE)!;
    assert.deepEqual(releasesRole.keyids, [releasesKey.keyId]);
    const releases = parseTargets(trust.releases, 'releases');
    assert.equal(
      countValidSignatures(trust.releases.signed, releases.signatures, targets.signed.delegations!.keys, releasesRole),
      1,
    );
    assert.equal(Object.keys(releases.signed.targets).length, 0);
  });
});
