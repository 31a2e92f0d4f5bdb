import assert from 'node:assert/strict';
import { test } from 'node:test';
import { device, restart } from './helpers/setup.js';
import { newKey, sha256, signEnvelope, TestRepo } from '@updraft/test-kit/test-repo';

// Fail-closed and epoch rules of the device engine (docs/security.md).

const v1 = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'console.log(1)' } };

test('no trusted root, no update: a damaged shipped root stops the cycle before any request', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  for (const root of ['{}', 'not json', '{"signed":{},"signatures":[]}']) {
    const d = await device(repo, { config: { trustedRoot: new TextEncoder().encode(root) } });
    const result = await d.client.sync();
    assert.equal(result.status, 'rejected', root);
    assert.equal(result.reason, 'malformed');
    assert.deepEqual(d.transport.requests, [], 'nothing was fetched');
    assert.equal((await d.client.launch()).releaseId, null);
  }
});

test('an expired trusted root with no newer one is refused as expired', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo, { now: () => Date.parse('2100-01-01T00:00:00Z') });
  const result = await d.client.sync();
  assert.equal(result.reason, 'expired');
  assert.match(result.message ?? '', /root metadata expired/);
});

test("a release signed into an epoch above the root's is refused as wrong-target", async () => {
  const repo = new TestRepo();
  repo.publish({ ...v1, epoch: 1 });
  const d = await device(repo);
  const result = await d.client.sync();
  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'wrong-target');
  assert.match(result.message ?? '', /above the root's epoch 0/);
  assert.equal(d.transport.fileRequests().length, 0, 'no file of that release was downloaded');
});

test('a later check in the same process reuses the verified set only while nothing changed and nothing expired', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  let now = Date.parse('2030-06-01T00:00:00Z');
  const d = await device(repo, { now: () => now });
  assert.equal((await d.client.sync()).status, 'updated');
  d.transport.requests.length = 0;
  assert.equal((await d.client.sync()).status, 'up-to-date');
  assert.deepEqual(
    d.transport.requests,
    [repo.url('metadata/2.root.json'), repo.url('metadata/timestamp.json')],
    'the next root (absent) and the timestamp',
  );

  repo.publish({ releaseId: 'r2', versionCode: 2, files: { 'index.bundle': 'console.log(2)' } });
  assert.equal((await d.client.sync()).release, 'r2', 'a new timestamp is verified in full');

  now = Date.parse('2100-01-01T00:00:00Z');
  const frozen = await d.client.sync();
  assert.equal(frozen.reason, 'expired', 'the reused set is still checked for expiry');
});

// TUF conformance (spec §5.3-§5.6): each test below failed on the engine before the fix it names.

const storedVersion = async (d: Awaited<ReturnType<typeof device>>, role: string) =>
  JSON.parse(new TextDecoder().decode((await d.storage.readFile(`metadata/${role}.json`))!)).signed.version as number;

test('a root published on its own is seen at the next check, also when the timestamp did not change', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  assert.equal((await d.client.sync()).status, 'updated');
  // The timestamp key leaked: a new root revokes it. timestamp.json is not re-signed (yet).
  const leaked = repo.keys.timestamp;
  repo.keys.timestamp = newKey();
  repo.writeRoot(repo.rootKeys);
  assert.ok(leaked.id !== repo.keys.timestamp.id);

  const sameProcess = await d.client.sync();
  assert.equal(sameProcess.status, 'rejected', 'a timestamp signed by the revoked key is refused at once');
  assert.equal(sameProcess.reason, 'signature');
  assert.equal(await storedVersion(d, 'root'), 2, 'root 2 is trusted and persisted');

  const nextStart = await (await restart(repo, d)).client.sync();
  assert.equal(nextStart.reason, 'signature', 'and after a restart');

  repo.writeSnapshotAndTimestamp();
  assert.equal((await d.client.sync()).status, 'up-to-date', 'the re-signed timestamp is accepted');
});

test('a timestamp with the version already trusted but other content is discarded, never saved', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  assert.equal((await d.client.sync()).status, 'updated');
  const trusted = await d.storage.readFile('metadata/timestamp.json');
  // Same version, naming a snapshot that does not exist (a buggy or hostile timestamp signer).
  const snap = repo.versions.snapshot + 5;
  const bogus = signEnvelope(
    {
      _type: 'timestamp',
      spec_version: '1.0.31',
      version: repo.versions.timestamp,
      expires: repo.expires.timestamp,
      meta: { 'snapshot.json': { version: snap, length: 10, hashes: { sha256: sha256(new Uint8Array(10)) } } },
    },
    [repo.keys.timestamp],
  );
  repo.files.set(repo.url('metadata/timestamp.json'), bogus);

  const result = await d.client.sync();
  assert.equal(result.status, 'up-to-date', result.message);
  assert.deepEqual(await d.storage.readFile('metadata/timestamp.json'), trusted, 'the trusted copy stays');
  assert.ok(!d.transport.requests.some((u) => u.endsWith(`${snap}.snapshot.json`)), 'its snapshot was never asked for');

  repo.publish({ releaseId: 'r2', versionCode: 2, files: { 'index.bundle': 'console.log(2)' } });
  const next = await d.client.sync();
  assert.equal(next.release, 'r2', `the next real timestamp installs (${next.reason ?? ''} ${next.message ?? ''})`);
});

test('after a fast-forward attack on targets, rotating the targets and snapshot keys lets the device recover', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  // Stolen targets and snapshot keys: targets version 100, listed by a snapshot.
  repo.versions.targets = 99;
  repo.writeTargets();
  repo.writeSnapshotAndTimestamp();
  const d = await device(repo);
  assert.equal((await d.client.sync()).status, 'updated');
  assert.equal(await storedVersion(d, 'targets'), 100);

  // Recovery as TUF prescribes: new targets and snapshot keys in a new root, targets back to normal.
  repo.keys.targets = newKey();
  repo.keys.snapshot = newKey();
  repo.writeRoot(repo.rootKeys);
  repo.versions.targets = 1;
  repo.writeTargets();
  repo.publish({ releaseId: 'r2', versionCode: 2, files: { 'index.bundle': 'console.log(2)' } });

  const result = await d.client.sync();
  assert.equal(result.release, 'r2', `${result.reason ?? ''} ${result.message ?? ''}`);
  assert.equal(await storedVersion(d, 'targets'), 2);
});
