import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UpdraftClient } from '../src/client.js';
import { NodeHasher } from '../src/ports/node/hasher.js';
import { NodeStorage } from '../src/ports/node/storage.js';
import { STATE_SCHEMA } from '../src/state/state.js';
import { FakeTransport } from './helpers/fake-transport.js';
import { NOW, TestRepo } from '@updraft/test-kit/test-repo';
import { device, restart, tempDir } from './helpers/setup.js';

const v1 = { releaseId: 'r1', versionCode: 1, files: { 'index.bundle': 'one' } };

async function confirmedDevice() {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  await d.client.sync();
  await d.client.launch();
  await d.client.notifyAppReady();
  return { repo, d };
}

test('state.json and its backup hold the same document in the documented format', async () => {
  const { d } = await confirmedDevice();
  const main = await readFile(join(d.dir, 'state.json'), 'utf8');
  assert.equal(await readFile(join(d.dir, 'state.json.bak'), 'utf8'), main);
  assert.deepEqual(JSON.parse(main), {
    schema: STATE_SCHEMA,
    deviceId: 'test-device',
    confirmed: { releaseId: 'r1', versionCode: 1, epoch: 0, launch: 'index.bundle' },
    fallback: null,
    trial: null,
    trialLaunches: 0,
    pending: null,
    floor: { epoch: 0, versionCode: 1 },
    failed: [],
  });
});

test('a corrupt state.json recovers from the backup', async () => {
  const { repo, d } = await confirmedDevice();
  await writeFile(join(d.dir, 'state.json'), '{"schema": "updraft.device-st');

  const next = await restart(repo, d);
  const launch = await next.client.launch();

  assert.equal(launch.releaseId, 'r1');
  assert.deepEqual((await next.client.status()).confirmed, { releaseId: 'r1', versionCode: 1 });
});

test('a missing state.json recovers from the backup', async () => {
  const { repo, d } = await confirmedDevice();
  await d.storage.remove('state.json');
  assert.equal((await (await restart(repo, d)).client.launch()).releaseId, 'r1');
});

test('with both copies damaged the device starts empty and launches the embedded bundle', async () => {
  const { repo, d } = await confirmedDevice();
  await writeFile(join(d.dir, 'state.json'), 'garbage');
  await writeFile(join(d.dir, 'state.json.bak'), JSON.stringify({ schema: STATE_SCHEMA, deviceId: 5 }));

  const next = await restart(repo, d, { embedded: { launchPath: '/app/main.jsbundle' } });
  const launch = await next.client.launch();

  assert.equal(launch.launchPath, '/app/main.jsbundle');
  assert.equal((await next.client.status()).confirmed, null);
  // The trusted metadata survives a lost state: the device does not fall back to older metadata.
  assert.ok(await d.storage.exists('metadata/timestamp.json'));
});

test('a generated device id is 128-bit hex and survives restarts', async () => {
  const repo = new TestRepo();
  const dir = await tempDir();
  const make = (random?: (n: number) => Uint8Array) =>
    new UpdraftClient(
      {
        ...repo.deviceTarget(),
        trustedRoot: repo.root(1),
      },
      {
        transport: new FakeTransport(repo.files),
        storage: new NodeStorage(dir),
        hasher: new NodeHasher(),
        clock: { now: () => NOW },
        ...(random ? { random } : {}),
      },
    );
  await make().status();
  const first = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).deviceId as string;
  assert.match(first, /^[0-9a-f]{32}$/);

  await make(() => new Uint8Array(16).fill(7)).status();

  assert.equal(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).deviceId, first);
});

test('the random port is used when given', async () => {
  const repo = new TestRepo();
  const dir = await tempDir();
  const client = new UpdraftClient(
    {
      ...repo.deviceTarget(),
      trustedRoot: repo.root(1),
    },
    {
      transport: new FakeTransport(repo.files),
      storage: new NodeStorage(dir),
      hasher: new NodeHasher(),
      random: (n) => new Uint8Array(n).fill(0xab),
    },
  );
  await client.status();
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  assert.equal(state.deviceId, 'ab'.repeat(16));
});

test('configuration mistakes throw at construction with the field named', async () => {
  const repo = new TestRepo();
  const ports = {
    transport: new FakeTransport(repo.files),
    storage: new NodeStorage(await tempDir()),
    hasher: new NodeHasher(),
  };
  const config = {
    ...repo.deviceTarget(),
    trustedRoot: repo.root(1),
  };
  assert.throws(() => new UpdraftClient({ ...config, channel: '../prod' }, ports), /channel/);
  assert.throws(() => new UpdraftClient({ ...config, trustedRoot: new Uint8Array(0) }, ports), /trustedRoot/);
});

test('a shipped root that does not parse is rejected as malformed', async () => {
  const repo = new TestRepo();
  const d = await device(repo, { config: { trustedRoot: new TextEncoder().encode('{"signed":') } });
  const result = await d.client.sync();
  assert.equal(result.status, 'rejected');
  assert.equal(result.reason, 'malformed');
});

test('a newer root verified on the device wins over the older shipped one', async () => {
  const repo = new TestRepo();
  repo.publish(v1);
  const d = await device(repo);
  repo.rotate({ root: true });
  await d.client.sync();
  // A second rotation signed only by the newest root key: only a device that kept root 2 can follow it.
  repo.rotate({ root: true });
  repo.roots.delete(2);
  repo.files.delete(repo.url('metadata/2.root.json'));

  const result = await (await restart(repo, d)).client.sync();

  assert.equal(result.status, 'up-to-date');
  const root = JSON.parse(new TextDecoder().decode((await d.storage.readFile('metadata/root.json'))!));
  assert.equal(root.signed.version, 3);
});
