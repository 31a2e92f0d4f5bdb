import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';

// Targeting from the device's side: `updraft device sync` passes the device's attributes to
// the same rule evaluation the server signs into the channel pointer.

let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
const APP = 'com.example.targeting';

before(async () => {
  work = await tempDir('e2e-targeting');
  server = await startServerProcess(join(work.path, 'data'));
});
after(async () => {
  await server?.stop();
  await work?.cleanup();
});

test('a release targeted at app versions >=2.0.0 reaches only devices that match', async () => {
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work.path, 'keys');
  assert.equal((await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env)).code, 0);
  const target = { app: APP, platform: 'android', runtimeVersion: '1' };
  const publish = async (name: string, extra: string[]) => {
    const dir = join(work.path, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.js'), name);
    const r = await runCli(publishArgs({ dir, ...target, keys, extra }), env);
    assert.equal(r.code, 0, r.stderr);
    return r.json!['releaseId'] as string;
  };
  const v1 = await publish('v1', []);
  const v2 = await publish('v2', ['--target-app-version', '>=2.0.0', '--target-custom', 'tier=beta']);

  const sync = (device: string, attrs: string[]) =>
    runCli(
      deviceSyncArgs({
        server: server.url,
        ...target,
        root: join(keys, 'root.json'),
        dir: join(work.path, device),
        extra: attrs,
      }),
    );
  const old = await sync('old-app', ['--app-version', '1.5.0', '--attr', 'tier=beta']);
  assert.equal(old.json?.['release'], v1, 'an app version outside the range keeps the previous release');
  const wrongTier = await sync('wrong-tier', ['--app-version', '2.1.0', '--attr', 'tier=stable']);
  assert.equal(wrongTier.json?.['release'], v1, 'a custom attribute that does not match keeps the previous release');
  const match = await sync('new-app', ['--app-version', '2.1.0', '--attr', 'tier=beta']);
  assert.equal(match.json?.['release'], v2, match.stdout);

  const bad = await sync('bad', ['--attr', 'no-equals-sign']);
  assert.equal(bad.code, 2);
  // With --json a device command's error is the JSON on stdout, printed once.
  assert.match(bad.stdout, /key=value/);
  assert.equal(bad.stderr, '');
});
