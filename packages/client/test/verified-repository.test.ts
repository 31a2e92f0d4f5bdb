import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readVerifiedRepository } from '../src/index.js';
import { FakeTransport } from './helpers/fake-transport.js';
import { newKey, signEnvelope, TestRepo } from '@updraft/test-kit/test-repo';

// The publisher's read of a repository (the CLI signs on top of it): the device's own refresh,
// from an anchor, with every root of the chain kept.

const v1 = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'console.log(1)' } };
const read = (repo: TestRepo, anchor: Uint8Array, now = () => 0) =>
  readVerifiedRepository({ transport: new FakeTransport(repo.files), baseUrl: repo.base, anchor, now });

test('every role verifies from the anchor, and every root from 1 to the latest is kept', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  repo.rotate({ timestamp: true });
  repo.rotate({ root: true });
  // An anchor in the middle of the chain: root 1 comes before it, root 3 is walked from it.
  const got = await read(repo, repo.root(2));
  assert.deepEqual(
    got.roots.map((r) => r.signed.version),
    [1, 2, 3],
  );
  assert.equal(got.root.signed.version, 3);
  assert.deepEqual(got.timestamp.bytes, repo.files.get(repo.url('metadata/timestamp.json')));
  assert.ok(got.releases.signed.targets['manifests/r1.json']);
});

test('expired metadata is read (to be renewed) at time 0, and refused at a real clock', async () => {
  const repo = new TestRepo();
  repo.expires.timestamp = '2020-01-01T00:00:00Z';
  repo.writeTimestamp();
  const got = await read(repo, repo.root(1));
  assert.equal(got.timestamp.signed.expires, '2020-01-01T00:00:00Z');
  await assert.rejects(
    read(repo, repo.root(1), () => Date.parse('2030-01-01T00:00:00Z')),
    { reason: 'expired' },
  );
});

test('metadata the anchor does not vouch for is refused: a snapshot signed by another key', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  repo.keys.snapshot = newKey(); // not the key root 1 names
  repo.writeSnapshotAndTimestamp();
  await assert.rejects(read(repo, repo.root(1)), { reason: 'signature' });
});

test('a root the anchor does not sign is refused, not taken as the latest', async () => {
  const repo = new TestRepo();
  const stranger = newKey();
  const forged = JSON.parse(new TextDecoder().decode(repo.root(1))) as { signed: { version: number } };
  forged.signed.version = 2;
  repo.files.set(repo.url('metadata/2.root.json'), signEnvelope(forged.signed, [stranger]));
  await assert.rejects(read(repo, repo.root(1)), { reason: 'signature' });
});
