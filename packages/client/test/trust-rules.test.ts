import assert from 'node:assert/strict';
import { test } from 'node:test';
import { device } from './helpers/setup.js';
import { TestRepo } from './helpers/repo.js';

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
  assert.deepEqual(d.transport.requests, [repo.url('metadata/timestamp.json')], 'one request');

  repo.publish({ releaseId: 'r2', versionCode: 2, files: { 'index.bundle': 'console.log(2)' } });
  assert.equal((await d.client.sync()).release, 'r2', 'a new timestamp is verified in full');

  now = Date.parse('2100-01-01T00:00:00Z');
  const frozen = await d.client.sync();
  assert.equal(frozen.reason, 'expired', 'the reused set is still checked for expiry');
});
