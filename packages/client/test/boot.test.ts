import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { ClientStatus } from '../src/types.js';
import { device, restart } from './helpers/setup.js';
import { TestRepo } from '@updraft/test-kit/test-repo';

const release = (n: number) => ({
  releaseId: `r${n}`,
  versionCode: n,
  files: { 'index.bundle': `console.log(${n})`, 'shared.js': 'shared' },
  launch: 'index.bundle',
});

function floorOf(state: unknown): unknown {
  return (state as { floor: unknown }).floor;
}

async function readState(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${dir}/state.json`, 'utf8')) as Record<string, unknown>;
}

test('pending → trial → confirmed, with the floor raised before the new code runs', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  await d.client.sync();

  const launch = await d.client.launch();

  assert.equal(launch.releaseId, 'r1');
  assert.equal(launch.versionCode, 1);
  assert.equal(launch.launchPath, d.storage.resolve('releases/r1/index.bundle'));
  assert.equal(await readFile(launch.launchPath!, 'utf8'), 'console.log(1)');
  const onDisk = await readState(d.dir);
  assert.deepEqual(onDisk['trial'], { releaseId: 'r1', versionCode: 1, epoch: 0, launch: 'index.bundle' });
  assert.deepEqual(floorOf(onDisk), { epoch: 0, versionCode: 1 });

  await d.client.notifyAppReady();

  assert.deepEqual(await d.client.status(), {
    confirmed: { releaseId: 'r1', versionCode: 1 },
    pending: null,
    trial: null,
    fallback: null,
    failed: [],
  } satisfies ClientStatus);
  const next = await (await restart(repo, d)).client.launch();
  assert.equal(next.releaseId, 'r1');
  assert.equal(next.rolledBack, undefined);
});

test('a trial never confirmed rolls back to the confirmed release and is recorded as failed', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  await d.client.sync();
  await d.client.launch();
  await d.client.notifyAppReady();
  repo.publish(release(2));
  const second = await restart(repo, d);
  await second.client.sync();
  assert.equal((await second.client.launch()).releaseId, 'r2'); // then it crashes

  const third = await restart(repo, d);
  const launch = await third.client.launch();

  assert.equal(launch.releaseId, 'r1');
  assert.equal(launch.launchPath, d.storage.resolve('releases/r1/index.bundle'));
  assert.deepEqual(launch.rolledBack, { releaseId: 'r2', versionCode: 2 });
  const status = await third.client.status();
  assert.equal(status.trial, null);
  assert.deepEqual(status.failed, [{ releaseId: 'r2', versionCode: 2 }]);
  // The floor stays at the failed trial: r1 runs, but nothing older may be installed.
  assert.deepEqual(floorOf(await readState(d.dir)), { epoch: 0, versionCode: 2 });
});

test('with no confirmed release a rollback launches the embedded bundle', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const embedded = { launchPath: '/app/main.jsbundle' };
  const d = await device(repo, { config: { embedded } });
  await d.client.sync();
  await d.client.launch();

  const launch = await (await restart(repo, d, { embedded })).client.launch();

  assert.deepEqual(launch, {
    launchPath: '/app/main.jsbundle',
    releaseId: null,
    versionCode: null,
    rolledBack: { releaseId: 'r1', versionCode: 1 },
  });
});

test('a fresh device launches the embedded bundle, or null without one', async () => {
  const repo = new TestRepo();
  const d = await device(repo);
  assert.deepEqual(await d.client.launch(), { launchPath: null, releaseId: null, versionCode: null });
});

test('launch() twice in one process does not take its own trial for a crash', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  await d.client.sync();

  const a = await d.client.launch();
  const b = await d.client.launch();

  assert.equal(a, b);
  assert.deepEqual((await d.client.status()).trial, { releaseId: 'r1', versionCode: 1 });
});

test('confirming keeps the previous release as fallback and removes older ones', async () => {
  const repo = new TestRepo();
  let d = await device(repo);
  for (const n of [1, 2, 3]) {
    repo.publish(release(n));
    d = await restart(repo, d);
    assert.equal((await d.client.sync()).status, 'updated');
    assert.equal((await d.client.launch()).releaseId, `r${n}`);
    await d.client.notifyAppReady();
  }

  const status = await d.client.status();
  assert.deepEqual(status.confirmed, { releaseId: 'r3', versionCode: 3 });
  assert.deepEqual(status.fallback, { releaseId: 'r2', versionCode: 2 });
  assert.deepEqual(await d.storage.listDir('releases'), ['r2', 'r3']);
  assert.deepEqual(await d.storage.listDir('manifests'), ['r2.json', 'r3.json']);
});

test('a confirmed release whose files vanished falls back to the previous one', async () => {
  const repo = new TestRepo();
  let d = await device(repo);
  for (const n of [1, 2]) {
    repo.publish(release(n));
    d = await restart(repo, d);
    await d.client.sync();
    await d.client.launch();
    await d.client.notifyAppReady();
  }
  await d.storage.remove('releases/r2');

  const launch = await (await restart(repo, d)).client.launch();

  assert.equal(launch.releaseId, 'r1');
});

test('a pending release whose files vanished is dropped, not started', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  await d.client.sync();
  await d.storage.remove('releases/r1');

  const launch = await (await restart(repo, d)).client.launch();

  assert.equal(launch.releaseId, null);
  const status = await d.client.status();
  assert.equal(status.trial, null);
  assert.deepEqual(floorOf(await readState(d.dir)), { epoch: 0, versionCode: 0 });
});

test('a sync during a trial installs the next release as pending and keeps the trial', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  await d.client.sync();
  await d.client.launch();
  repo.publish(release(2));

  assert.equal((await d.client.sync()).status, 'updated');
  await d.client.notifyAppReady();

  const status = await d.client.status();
  assert.deepEqual(status.confirmed, { releaseId: 'r1', versionCode: 1 });
  assert.deepEqual(status.pending, { releaseId: 'r2', versionCode: 2 });
  assert.deepEqual(await d.storage.listDir('releases'), ['r1', 'r2']);
});

test('state events report each transition', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  const seen: string[] = [];
  d.client.on('state', (s) =>
    seen.push(`${s.pending?.releaseId ?? '-'}/${s.trial?.releaseId ?? '-'}/${s.confirmed?.releaseId ?? '-'}`),
  );

  await d.client.sync();
  await d.client.launch();
  await d.client.notifyAppReady();

  assert.deepEqual(seen, ['r1/-/-', '-/r1/-', '-/-/r1']);
});
