import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoot, parseTargets } from '@updraft/protocol';
import {
  DEFAULT_EXPIRY_POLICY,
  missingSignatures,
  roleKeyIds,
  rotationBundle,
  signBundle,
  SigningError,
} from '../src/index.js';
import { newSigner, offlineApp, OFFLINE_NOW } from './fake-server.js';

describe('rotationBundle', () => {
  it('adds a new releases key in the next targets, and the new key signs releases at once', async () => {
    const { keys, current } = await offlineApp();
    const fresh = newSigner();
    const bundle = rotationBundle({
      appId: 'com.example.app',
      current,
      policy: DEFAULT_EXPIRY_POLICY,
      role: 'releases',
      change: { add: [fresh.publicKey], remove: [] },
      newPrivateKey: true,
      nowMs: OFFLINE_NOW,
    });
    assert.equal(bundle.root, undefined);
    const targets = parseTargets(bundle.targets!).signed;
    assert.equal(targets.version, 2);
    assert.deepEqual(targets.delegations!.roles.find((r) => r.name === 'releases')!.keyids, [
      keys.releases.keyId,
      fresh.keyId,
    ]);
    assert.equal(bundle.releases!.signed['version'], 2);
    const signed = await signBundle(bundle, current, [keys.targets, fresh]);
    assert.deepEqual(missingSignatures(signed, current), []);
  });

  it('a root that replaces the root key needs the old and the new key', async () => {
    const { keys, current } = await offlineApp();
    const fresh = newSigner();
    const bundle = rotationBundle({
      appId: 'com.example.app',
      current,
      policy: DEFAULT_EXPIRY_POLICY,
      role: 'root',
      change: { add: [fresh.publicKey], remove: roleKeyIds(current, 'root') },
      newPrivateKey: true,
      nowMs: OFFLINE_NOW,
      epoch: 2,
    });
    const root = parseRoot(bundle.root!).signed;
    assert.deepEqual(root.roles.root.keyids, [fresh.keyId]);
    assert.equal(root.epoch, 2);
    const byOld = await signBundle(bundle, current, [keys.root]);
    assert.deepEqual(
      missingSignatures(byOld, current).map((n) => n.by),
      ["root 2's own root keys"],
    );
    assert.deepEqual(missingSignatures(await signBundle(byOld, current, [fresh]), current), []);
  });

  it('refuses a change that would leave a role without a key', async () => {
    const { current } = await offlineApp();
    assert.throws(
      () =>
        rotationBundle({
          appId: 'com.example.app',
          current,
          policy: DEFAULT_EXPIRY_POLICY,
          role: 'targets',
          change: { add: [], remove: roleKeyIds(current, 'targets') },
          newPrivateKey: false,
          nowMs: OFFLINE_NOW,
        }),
      (err: unknown) => err instanceof SigningError && /would have no key left/.test(err.message),
    );
  });
});
