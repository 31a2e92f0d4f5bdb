import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  delegatedSigned,
  keyId,
  parseRoot,
  parseTargets,
  rootSigned,
  serializeEnvelope,
  targetsSigned,
  type SignedEnvelope,
} from '@updraft/protocol';
import {
  DEFAULT_EXPIRY_POLICY,
  missingSignatures,
  pushMetadata,
  renewOffline,
  signMetadata,
  SigningError,
  type OfflineMetadata,
  type Signer,
} from '../src/index.js';
import { FakeServer, newSigner } from './fake-server.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An app's offline metadata v1 as verified: root and releases expire in 10 days, targets in 300. */
async function app() {
  const keys = { root: newSigner(), targets: newSigner(), releases: newSigner(), online: newSigner() };
  const set = (s: Signer) => ({ keys: [s.publicKey], threshold: 1 });
  const verified = <T>(env: SignedEnvelope, parse: (e: SignedEnvelope) => { signed: T }) => ({
    signed: parse(env).signed,
    bytes: serializeEnvelope(env),
  });
  const root = await signMetadata(
    rootSigned({
      version: 1,
      expires: iso(NOW + 10 * DAY),
      keyIdOf: keyId,
      roles: {
        root: set(keys.root),
        targets: set(keys.targets),
        snapshot: set(keys.online),
        timestamp: set(keys.online),
      },
    }),
    [keys.root],
  );
  const targets = await signMetadata(
    targetsSigned({
      version: 1,
      expires: iso(NOW + 300 * DAY),
      keyIdOf: keyId,
      releases: set(keys.releases),
      director: set(keys.online),
    }),
    [keys.targets],
  );
  const releases = await signMetadata(delegatedSigned({ version: 1, expires: iso(NOW + 10 * DAY), targets: {} }), [
    keys.releases,
  ]);
  const current: OfflineMetadata = {
    root: verified(root, (e) => parseRoot(e)),
    targets: verified(targets, (e) => parseTargets(e)),
    releases: verified(releases, (e) => parseTargets(e, 'releases')),
  };
  return { keys, current };
}

describe('renewOffline', () => {
  it('renews the roles within the warning window that the keys can sign, one version later', async () => {
    const { keys, current } = await app();
    const { bundle, roles } = await renewOffline({
      appId: 'com.example.app',
      current,
      policy: DEFAULT_EXPIRY_POLICY,
      signers: [keys.root, keys.targets, keys.releases],
      nowMs: NOW,
    });
    assert.deepEqual(roles, ['root', 'releases'], 'targets is not due');
    assert.equal(bundle.targets, undefined);
    assert.equal(bundle.root!.signed['version'], 2);
    assert.equal(bundle.root!.signed['expires'], iso(NOW + DEFAULT_EXPIRY_POLICY.root * 1000));
    assert.equal(bundle.releases!.signed['version'], 2);
    assert.deepEqual(missingSignatures(bundle, current), []);
  });

  it('leaves out a role its keys cannot sign, and pushes the rest', async () => {
    const { keys, current } = await app();
    const { bundle, roles } = await renewOffline({
      appId: 'com.example.app',
      current,
      policy: DEFAULT_EXPIRY_POLICY,
      signers: [keys.releases],
      nowMs: NOW,
    });
    assert.deepEqual(roles, ['releases']);
    const server = await FakeServer.create(keys.releases);
    const pushed = await pushMetadata(server, 'com.example.app', bundle, current);
    assert.equal(pushed.releasesVersion, 2);
    assert.deepEqual(Object.keys(server.pushed[0]!), ['releases']);
  });

  it('pushMetadata refuses a bundle short of signatures, naming whose, and sends nothing', async () => {
    const { keys, current } = await app();
    const { bundle } = await renewOffline({
      appId: 'com.example.app',
      current,
      policy: DEFAULT_EXPIRY_POLICY,
      signers: [keys.root],
      nowMs: NOW,
    });
    const unsigned = { ...bundle, releases: { signed: bundle.root!.signed, signatures: [] } };
    const server = await FakeServer.create(keys.releases);
    await assert.rejects(
      pushMetadata(server, 'com.example.app', unsigned, current),
      (err: unknown) =>
        err instanceof SigningError && err.code === 'threshold' && /releases has 0 of the 1/.test(err.message),
    );
    assert.equal(server.pushed.length, 0);
  });
});
