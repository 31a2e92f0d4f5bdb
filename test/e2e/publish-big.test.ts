import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serverForFile } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';
import { jsLikePair } from '@updraft/test-kit/bundles';
import { writeTree } from '@updraft/test-kit/trees';

// A big app publishes every time: the second publish of a multi-megabyte bundle with the
// default delta settings (3 bases) used to fail with "cannot fetch … for delta generation
// (fetch failed)": patch generation outlasted the server's 5 s keep-alive and the CLI reused
// a dead pooled connection. Devices then get the release as a patch.

const fixture = serverForFile('big');
const APP = 'com.example.big';

test('the second publish of a 4 MB bundle with default delta settings succeeds and devices get a patch', async () => {
  const keys = join(fixture.work.path, 'keys');
  assert.equal((await runCli(['apps', 'create', APP, '--keys', keys, '--json'], fixture.env)).code, 0);
  const { old, next } = jsLikePair(4 * 1024 * 1024, 42);
  const release = (bundle: Uint8Array, name: string) =>
    writeTree(
      join(fixture.work.path, name),
      new Map([
        ['index.ios.bundle', bundle],
        ['assets/logo.png', new Uint8Array(2000).fill(7)],
      ]),
    );
  const publish = async (dir: string) => {
    const r = await runCli(publishArgs({ dir, app: APP, keys }), fixture.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.json as { releaseId: string; patches: number; timings: Record<string, number> };
  };
  const device = join(fixture.work.path, 'device');
  const sync = async () => {
    const r = await runCli(
      deviceSyncArgs({ server: fixture.server.url, app: APP, root: join(keys, 'root.json'), dir: device }),
      fixture.env,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.json as { status: string; bytesDownloaded: number; delta?: { filesPatched: number } };
  };

  await publish(await release(old, 'v1'));
  assert.equal((await sync()).status, 'updated');
  assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

  const v2 = await publish(await release(next, 'v2'));
  assert.equal(v2.patches, 1, 'the bundle is patched against v1');
  for (const phase of ['hashMs', 'patchMs', 'uploadMs', 'publishMs']) assert.equal(typeof v2.timings[phase], 'number');

  const got = await sync();
  assert.equal(got.status, 'updated');
  assert.equal(got.delta?.filesPatched, 1);
  assert.ok(got.bytesDownloaded < next.length / 10, `${got.bytesDownloaded} bytes downloaded for a patch`);
});
