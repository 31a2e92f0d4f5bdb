import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_EXPIRY_POLICY, missingSignatures, pushMetadata, renewOffline, SigningError } from '../src/index.js';
import { FakeServer, offlineApp, OFFLINE_NOW } from './fake-server.js';

const NOW = OFFLINE_NOW;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('renewOffline', () => {
  it('renews the roles within the warning window that the keys can sign, one version later', async () => {
    const { keys, current } = await offlineApp();
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
    const { keys, current } = await offlineApp();
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
    const { keys, current } = await offlineApp();
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
