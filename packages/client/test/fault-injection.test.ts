import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  applyNativeBoot,
  BOOT_POINTER_PATH,
  parseBootPointer,
  serializeBootPointer,
} from '../src/state/boot-pointer.js';
import { UpdraftClient } from '../src/client.js';
import { NodeHasher } from '../src/ports/node/hasher.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import type { LaunchResult } from '../src/types.js';
import { FakeTransport } from './helpers/fake-transport.js';
import { FaultPlan, FaultyStorage, FaultyTransport, type FaultMode } from './helpers/faulty.js';
import { NOW, sha256, TestRepo, type Published } from '@updraft/test-kit/test-repo';
import { tempDir } from './helpers/setup.js';

/**
 * docs/security.md "crash safety": a fault (an I/O error, or the process dying before or
 * after an operation) at every file-system operation of a full update cycle — sync, the
 * launch that starts the trial, notifyAppReady() — enumerated from a clean run. After each,
 * a fresh app start must launch a complete bundle whose every file matches its signed
 * manifest, and the next sync must succeed.
 */

const big = (seed: number, n: number) => new Uint8Array(n).map((_, i) => (i * seed) % 251);
const r1 = {
  releaseId: 'r1',
  versionCode: 1,
  launch: 'index.bundle',
  files: { 'index.bundle': 'one()', 'assets/logo.png': big(3, 3000) },
};
const r2 = {
  releaseId: 'r2',
  versionCode: 2,
  launch: 'index.bundle',
  files: {
    'index.bundle': 'two()',
    'assets/logo.png': big(3, 3000), // reused by hash
    'x/new.bin': big(7, 5000),
  },
};

function clientOn(repo: TestRepo, dir: string, nativeBoot: boolean, plan?: FaultPlan) {
  const storage = new NodeStorage(dir);
  const transport = new FakeTransport(repo.files);
  return new UpdraftClient(
    {
      ...repo.deviceTarget(),
      trustedRoot: repo.root(1),
      deviceId: 'fault-device',
      readyTimeoutMs: 0,
      nativeBoot,
      // One file at a time, so the operations come in the same order in every run and the
      // enumeration hits each one; concurrent downloads are covered by the other tests.
      downloadConcurrency: 1,
    },
    {
      storage: plan ? new FaultyStorage(storage, plan) : storage,
      transport: plan ? new FaultyTransport(transport, plan) : transport,
      hasher: new NodeHasher(),
      clock: { now: () => NOW },
    },
  );
}

/** What the native glue does before JavaScript runs (its TypeScript reference), on the real folder. */
async function nativeBoot(dir: string): Promise<void> {
  const storage = new NodeStorage(dir);
  const bytes = await storage.readFile(BOOT_POINTER_PATH);
  const pointer = bytes ? parseBootPointer(bytes) : null;
  if (!pointer) return;
  const existing = new Set<string>();
  for (const r of [pointer.confirmed, pointer.fallback, pointer.trial, pointer.pending]) {
    const p = r && `releases/${r.releaseId}/${r.launch}`;
    if (p && (await storage.exists(p))) existing.add(p);
  }
  const { next } = applyNativeBoot(pointer, (p) => existing.has(p));
  if (next !== pointer) await storage.writeFileAtomic(BOOT_POINTER_PATH, serializeBootPointer(next));
}

async function appStart(repo: TestRepo, dir: string, native: boolean, plan?: FaultPlan) {
  if (native && !plan?.dead) await nativeBoot(dir);
  const client = clientOn(repo, dir, native, plan);
  return { client, launch: await client.launch() };
}

async function assertComplete(dir: string, launch: LaunchResult, published: Map<string, Published>, what: string) {
  assert.ok(launch.releaseId === 'r1' || launch.releaseId === 'r2', `${what}: launched ${launch.releaseId}`);
  const manifest = JSON.parse(new TextDecoder().decode(published.get(launch.releaseId)!.manifestBytes)) as {
    files: { path: string; sha256: string }[];
    launch: string;
  };
  const folder = join(dir, 'releases', launch.releaseId);
  assert.equal(launch.launchPath, join(folder, manifest.launch), what);
  for (const f of manifest.files) {
    const bytes = await readFile(join(folder, f.path)).catch(() => null);
    assert.ok(bytes, `${what}: ${launch.releaseId}/${f.path} is missing`);
    assert.equal(sha256(bytes), f.sha256, `${what}: ${launch.releaseId}/${f.path} is damaged`);
  }
}

/** The cycle under test; with a dead plan every step fails like the code of a killed process. */
async function updateCycle(repo: TestRepo, dir: string, native: boolean, plan: FaultPlan): Promise<void> {
  const first = clientOn(repo, dir, native, plan);
  await first.sync().catch(() => undefined);
  const { client } = await appStart(repo, dir, native, plan).catch(() => ({ client: null }));
  await client?.notifyAppReady().catch(() => undefined);
}

async function runFaultSuite(native: boolean): Promise<number> {
  const repo = new TestRepo();
  const published = new Map<string, Published>();
  published.set('r1', repo.publish(r1));
  const baseline = await tempDir();
  const setup = clientOn(repo, baseline, native);
  assert.equal((await setup.sync()).status, 'updated');
  await appStart(repo, baseline, native).then((s) => s.client.notifyAppReady());
  published.set('r2', repo.publish(r2));

  const copy = async () => {
    const dir = await tempDir();
    await cp(baseline, dir, { recursive: true });
    return dir;
  };

  const counting = new FaultPlan();
  const clean = await copy();
  await updateCycle(repo, clean, native, counting);
  assert.equal((await appStart(repo, clean, native)).launch.releaseId, 'r2', 'the clean cycle installs r2');
  const points = counting.count;
  assert.ok(points > 30, `only ${points} operations counted`);

  let exercised = 0;
  for (const mode of ['throw', 'crash-before', 'crash-after'] as FaultMode[]) {
    for (let i = 0; i < points; i++) {
      const what = `${native ? 'native boot, ' : ''}${mode} at #${i} (${counting.ops[i]})`;
      const dir = await copy();
      const plan = new FaultPlan(i, mode);
      await updateCycle(repo, dir, native, plan);
      assert.ok(plan.count > i, `${what}: the fault was never reached`);

      const next = await appStart(repo, dir, native);
      await assertComplete(dir, next.launch, published, what);
      await next.client.notifyAppReady();
      const sync = await next.client.sync();
      assert.ok(
        sync.status === 'updated' || sync.status === 'up-to-date',
        `${what}: sync ${sync.status} ${sync.message}`,
      );
      const after = await appStart(repo, dir, native);
      await assertComplete(dir, after.launch, published, `${what}, then sync`);
      exercised++;
    }
  }
  return exercised;
}

test('a fault at any file-system operation of an update cycle leaves a complete, verified bundle', async () => {
  const exercised = await runFaultSuite(false);
  console.log(`fault injection (engine boot): ${exercised} injection points exercised, all passed`);
});

test('the same with the native boot rule (React Native) choosing the bundle', async () => {
  const exercised = await runFaultSuite(true);
  console.log(`fault injection (native boot): ${exercised} injection points exercised, all passed`);
});
