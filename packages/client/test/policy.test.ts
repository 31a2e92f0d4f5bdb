import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePolicy, UpdatePolicyRunner } from '../src/engine/policy.js';
import { TestRepo } from '@updraft/test-kit/test-repo';
import { device, restart } from './helpers/setup.js';

const release = (n: number, mandatory = false) => ({
  releaseId: `r${n}`,
  versionCode: n,
  files: { 'index.bundle': `run(${n})` },
  mandatory,
});

async function runner(repo: TestRepo, policy = {}) {
  const d = await device(repo, { config: { readyTimeoutMs: 0 } });
  await d.client.launch();
  const restarts: string[] = [];
  const r = new UpdatePolicyRunner(d.client, { restart: () => void restarts.push('restart') }, policy, d.clock);
  return { d, r, restarts };
}

test('default policy: check on launch, install at the next launch (no restart)', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const { d, r, restarts } = await runner(repo);
  assert.equal((await r.onLaunch())?.status, 'updated');
  assert.deepEqual(restarts, []);
  assert.equal((await (await restart(repo, d)).client.launch()).releaseId, 'r1');
});

test('a mandatory release restarts at once; a normal one with immediate too', async () => {
  const repo = new TestRepo();
  repo.publish(release(1, true));
  const a = await runner(repo);
  await a.r.onLaunch();
  assert.deepEqual(a.restarts, ['restart']);

  const repo2 = new TestRepo();
  repo2.publish(release(1));
  const b = await runner(repo2, { installMode: 'immediate' });
  await b.r.sync();
  assert.deepEqual(b.restarts, ['restart']);
});

test('next-resume waits for the app to come back after minimumBackgroundMs', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const { d, r, restarts } = await runner(repo, {
    installMode: 'next-resume',
    checkOn: ['manual'],
    minimumBackgroundMs: 1000,
  });
  let now = d.clock.now();
  d.clock.now = () => now;
  assert.equal(await r.onLaunch(), null, 'manual: no check on launch');
  await r.sync();
  r.onBackground();
  now += 500;
  assert.equal(await r.onResume(), null);
  assert.deepEqual(restarts, [], 'too short in the background');
  r.onBackground();
  now += 1500;
  await r.onResume();
  assert.deepEqual(restarts, ['restart']);
});

test('a restart due during a trial waits for notifyAppReady()', async () => {
  const repo = new TestRepo();
  repo.publish(release(1));
  const first = await device(repo);
  await first.client.sync();
  repo.publish(release(2, true));
  const d = await restart(repo, first, { readyTimeoutMs: 0 });
  assert.equal((await d.client.launch()).releaseId, 'r1'); // a trial
  const restarts: number[] = [];
  const r = new UpdatePolicyRunner(d.client, { restart: () => void restarts.push(1) });
  await r.onLaunch();
  assert.deepEqual(restarts, [], 'restarting now would roll the running trial back');
  await r.notifyAppReady();
  assert.deepEqual(restarts, [1]);
});

test('policy mistakes throw with the field named', () => {
  assert.throws(() => resolvePolicy({ installMode: 'later' as never }), /installMode/);
  assert.throws(() => resolvePolicy({ checkOn: ['boot' as never] }), /checkOn/);
});
