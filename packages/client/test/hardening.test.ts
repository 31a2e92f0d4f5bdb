import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyNativeBoot, bootPointerOf, launchPathOf } from '../src/state/boot-pointer.js';
import { planLaunch } from '../src/engine/boot.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import type { Timers } from '../src/ports/ports.js';
import { emptyState, type DeviceState } from '../src/state/state.js';
import { TestRepo } from '@updraft/test-kit/test-repo';
import { device, restart } from './helpers/setup.js';

const release = (n: number, files?: Record<string, string | Uint8Array>) => ({
  releaseId: `r${n}`,
  versionCode: n,
  launch: 'index.bundle',
  files: files ?? { 'index.bundle': `run(${n})` },
});

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  tasks: (() => void)[] = [];
  setTimeout(task: () => void) {
    this.tasks.push(task);
    return () => (this.tasks = this.tasks.filter((t) => t !== task));
  }
  fire() {
    const t = this.tasks;
    this.tasks = [];
    t.forEach((f) => f());
  }
}

async function confirmed(repo: TestRepo, n: number, config = {}) {
  repo.publish(release(n));
  const d = await device(repo, { config });
  await d.client.sync();
  await d.client.launch();
  await d.client.notifyAppReady();
  return d;
}

test('no notifyAppReady() within readyTimeoutMs: the trial is rolled back and marked failed at once', async () => {
  const repo = new TestRepo();
  const d = await confirmed(repo, 1);
  repo.publish(release(2));
  await (await restart(repo, d)).client.sync();
  const timers = new ManualTimers();
  const c = (await restart(repo, d, { readyTimeoutMs: 5000 }, { timers })).client;
  const rollbacks: unknown[] = [];
  c.on('rollback', (e) => rollbacks.push(e));
  assert.equal((await c.launch()).releaseId, 'r2');
  assert.equal(timers.tasks.length, 1);

  timers.fire();
  await c.clearFailed('none'); // runs under the state lock, so after the expiry
  assert.deepEqual(rollbacks, [
    { releaseId: 'r2', versionCode: 2, cause: 'timeout', launchPath: d.storage.resolve('releases/r1/index.bundle') },
  ]);
  const status = await c.status();
  assert.equal(status.trial, null);
  assert.deepEqual(status.failed, [{ releaseId: 'r2', versionCode: 2 }]);
  await c.notifyAppReady(); // too late: changes nothing
  assert.deepEqual((await c.status()).confirmed, { releaseId: 'r1', versionCode: 1 });
  assert.equal((await (await restart(repo, d)).client.launch()).releaseId, 'r1');
});

test('notifyAppReady() in time cancels the deadline', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const timers = new ManualTimers();
  const d = await device(repo);
  await d.client.sync();
  const c = (await restart(repo, d, undefined, { timers })).client;
  await c.launch();
  assert.equal(timers.tasks.length, 1, 'the default deadline (10 s) is armed');
  await c.notifyAppReady();
  assert.equal(timers.tasks.length, 0);
  assert.deepEqual((await c.status()).confirmed, { releaseId: 'r1', versionCode: 1 });
});

test('maxLaunchAttempts: a trial gets that many launches before it rolls back', async () => {
  const repo = new TestRepo();
  const d = await confirmed(repo, 1);
  repo.publish(release(2));
  await (await restart(repo, d)).client.sync();
  const config = { maxLaunchAttempts: 3 };
  const seen: (string | null)[] = [];
  for (let i = 0; i < 4; i++) seen.push((await (await restart(repo, d, config)).client.launch()).releaseId);
  assert.deepEqual(seen, ['r2', 'r2', 'r2', 'r1']);
  assert.deepEqual((await (await restart(repo, d)).client.status()).failed, [{ releaseId: 'r2', versionCode: 2 }]);
});

test('a failed release stays refused until clearFailed(), and a newer confirmed release prunes the list', async () => {
  const repo = new TestRepo();
  const d = await confirmed(repo, 1);
  repo.publish(release(2));
  await (await restart(repo, d)).client.sync();
  await (await restart(repo, d)).client.launch(); // crashes
  const after = await restart(repo, d);
  assert.equal((await after.client.launch()).releaseId, 'r1');
  const again = await after.client.sync();
  assert.equal(again.status, 'up-to-date');
  assert.match(again.message ?? '', /failed on this device before/);
  assert.deepEqual(await after.client.checkForUpdate(), { available: false, failedBefore: 'r2' });

  await after.client.clearFailed('r2');
  assert.deepEqual((await after.client.status()).failed, []);
  assert.deepEqual(await after.client.checkForUpdate(), {
    available: true,
    releaseId: 'r2',
    versionCode: 2,
    mandatory: false,
  });
  assert.equal((await after.client.sync()).status, 'updated');

  // r2 crashes again; r3 comes and is confirmed: the failed entry below it is pruned.
  await (await restart(repo, d)).client.launch();
  await (await restart(repo, d)).client.launch();
  assert.equal((await (await restart(repo, d)).client.status()).failed.length, 1);
  repo.publish(release(3));
  const third = await restart(repo, d);
  await third.client.sync();
  const fourth = await restart(repo, d);
  await fourth.client.launch();
  await fourth.client.notifyAppReady();
  assert.deepEqual((await fourth.client.status()).failed, []);
});

test('not enough free space fails the cycle before any download, with a storage reason', async () => {
  const repo = new TestRepo();
  repo.publish(release(1, { 'index.bundle': 'x'.repeat(10_000) }));
  class SmallDisk extends NodeStorage {
    override async freeBytes() {
      return 500_000;
    }
  }
  const d = await device(repo, { ports: { storage: (dir) => new SmallDisk(dir) } });
  const errors: string[] = [];
  d.client.on('error', (e) => errors.push(e.reason));

  const result = await d.client.sync();

  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'storage');
  assert.match(result.message ?? '', /not enough free space.*needs \d+ bytes and 500000 are free/);
  assert.equal(d.transport.fileRequests().length, 0);
  assert.deepEqual(errors, ['storage']);
});

test('progress, phase and update-available events during a sync', async () => {
  const repo = new TestRepo();
  repo.publish({ ...release(1), files: { 'index.bundle': 'abc', 'b.bin': 'defgh' }, mandatory: true });
  const d = await device(repo);
  const progress: number[] = [];
  const phases: string[] = [];
  const available: unknown[] = [];
  d.client.on('progress', (p) => progress.push(p.bytes) && assert.equal(p.totalBytes, 8));
  d.client.on('phase', (p) => phases.push(p));
  d.client.on('update-available', (u) => available.push(u));

  const result = await d.client.sync();

  assert.equal(result.mandatory, true);
  assert.equal(progress.at(-1), 8);
  assert.ok(
    progress.every((v, i) => i === 0 || v >= progress[i - 1]!),
    `monotonic: ${progress}`,
  );
  assert.deepEqual(phases, ['checking', 'downloading', 'installing', 'idle']);
  assert.deepEqual(available, [{ releaseId: 'r1', versionCode: 1, mandatory: true }]);
});

test('checkForUpdate() only reports: nothing is downloaded or staged', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const d = await device(repo);
  assert.deepEqual(await d.client.checkForUpdate(), {
    available: true,
    releaseId: 'r1',
    versionCode: 1,
    mandatory: false,
  });
  assert.equal(d.transport.fileRequests().length, 0);
  assert.deepEqual(await d.storage.listDir('releases'), []);
  assert.equal((await d.client.status()).pending, null);
});

test('the native boot rule (TypeScript reference) decides like the engine for every boot state', () => {
  const r = (n: number) => ({ releaseId: `r${n}`, versionCode: n, epoch: 0, launch: 'index.bundle' });
  const options = [null, r(1)];
  let cases = 0;
  for (const confirmed of options)
    for (const fallback of [null, r(0)])
      for (const trial of [null, r(2)])
        for (const pending of [null, r(3)])
          for (const trialLaunches of trial ? [1, 2] : [0])
            for (const max of [1, 2])
              for (const missing of [[], ['r2'], ['r3'], ['r1']]) {
                const state: DeviceState = { ...emptyState('d'), confirmed, fallback, trial, pending, trialLaunches };
                const exists = (p: string) => !missing.some((id) => p.startsWith(`releases/${id}/`));
                const native = applyNativeBoot(bootPointerOf(state, max), exists);
                // The engine: planLaunch, with a trial or pending whose files are gone handled as in client.ts.
                let plan = planLaunch(state, max);
                if (plan.startsTrial && !exists(launchPathOf(plan.run!))) {
                  plan = state.trial ? planLaunch(state, 0) : planLaunch({ ...state, pending: null }, max);
                }
                const runs = plan.startsTrial ? [plan.run] : [plan.run, plan.next.fallback];
                const engine = runs.find((x) => x && exists(launchPathOf(x)));
                const label = JSON.stringify({ confirmed, trial, pending, trialLaunches, max, missing });
                assert.equal(native.launch, engine ? launchPathOf(engine) : null, label);
                assert.equal(native.next.trial?.releaseId ?? null, plan.next.trial?.releaseId ?? null, label);
                assert.equal(native.next.pending?.releaseId ?? null, plan.next.pending?.releaseId ?? null, label);
                assert.equal(native.next.trialLaunches, plan.next.trialLaunches, label);
                assert.equal(native.next.rolledBack.length, plan.rolledBack ? 1 : 0, label);
                cases++;
              }
  assert.equal(cases, 192);
});
