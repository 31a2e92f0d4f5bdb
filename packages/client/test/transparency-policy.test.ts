import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdraftError } from '@updraft/protocol';
import { device } from './helpers/setup.js';
import { TestRepo } from '@updraft/test-kit/test-repo';

// The policy plumbing of the device's transparency check, against a repository whose root
// pins no log (the end-to-end log checks are in test/e2e/transparency.test.ts).

const release = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'console.log(1)' } };

test('off (the default without a pin): no log request, the release installs', async () => {
  const repo = new TestRepo();
  repo.publish(release);
  const d = await device(repo);
  assert.equal((await d.client.sync()).status, 'updated');
  assert.equal(d.transport.requests.filter((u) => u.includes('/log/')).length, 0);
});

test('enforce without a log pinned in root: refused with reason transparency, nothing downloaded', async () => {
  const repo = new TestRepo();
  repo.publish(release);
  const d = await device(repo, { config: { transparency: 'enforce' } });
  const result = await d.client.sync();
  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'transparency');
  assert.match(result.message ?? '', /pins no log key/);
  assert.equal(d.transport.fileRequests().length, 0);
  assert.equal((await d.client.status()).pending, null);
});

test('warn: the failure is reported as an error event and the release still installs', async () => {
  const repo = new TestRepo();
  repo.publish(release);
  const d = await device(repo, { config: { transparency: 'warn' } });
  const errors: UpdraftError[] = [];
  d.client.on('error', (e) => errors.push(e));
  assert.equal((await d.client.sync()).status, 'updated');
  assert.deepEqual(
    errors.map((e) => e.reason),
    ['transparency'],
  );
});

test('a config value outside off|warn|enforce is refused at construction', async () => {
  const repo = new TestRepo();
  await assert.rejects(
    () => device(repo, { config: { transparency: 'strict' as 'enforce' } }),
    /transparency must be "off", "warn" or "enforce"/,
  );
});
