import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';
import { readTree, realisticTree, treeDifferences, writeTree, type Tree } from '@updraft/test-kit/trees';

// Real bundle trees through the real server, CLI and Node device client: the one place the
// heavy cases (2,000 small files, one 50 MB file) run; the random trees are in trees-property.

const APP = 'com.example.trees';
const fixture = appOnServer(APP, 'trees');

async function publish(dir: string, extra: string[] = []) {
  const r = await runCli(publishArgs({ dir, app: APP, keys: fixture.keys, extra }), fixture.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as { releaseId: string; files: number };
}

async function sync(device: string) {
  const r = await runCli(
    deviceSyncArgs({ server: fixture.server.url, app: APP, root: join(fixture.keys, 'root.json'), dir: device }),
    fixture.env,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as { status: string; release: string; bytesDownloaded: number; reason?: string; message?: string };
}

/** Launches the device and reads back the release folder it runs. */
async function launchTree(device: string, releaseId: string): Promise<Tree> {
  const launch = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal(launch.code, 0, launch.stderr);
  assert.equal(launch.json?.['releaseId'], releaseId);
  const release = join(device, 'releases', releaseId);
  assert.ok((launch.json?.['launchPath'] as string).startsWith(release));
  return readTree(release);
}

async function writeExtra(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

test('a realistic tree (empty files, same bytes twice, 10 deep, spaces, NFC and NFD, emoji, @2x/@3x, 2,000 files, 50 MB) installs byte for byte', async () => {
  const tree = realisticTree({ manyFiles: 2000, bigFileBytes: 50 * 1024 * 1024 });
  const dir = await writeTree(join(fixture.work.path, 'v1'), tree);
  // Left out by publish: Finder metadata, zip resource forks, and what .updraftignore names.
  await writeExtra(dir, {
    '.DS_Store': 'finder',
    'assets/.DS_Store': 'finder',
    '__MACOSX/assets/._logo.png': 'fork',
    'assets/__MACOSX/._x': 'fork',
    '.updraftignore': '# build leftovers\n*.map\n!keep.map\n/docs/\nsecrets/**\n',
    'index.ios.bundle.map': '{}',
    'assets/deep/app.map': '{}',
    'keep.map': '{"kept":true}',
    'docs/readme.txt': 'not shipped',
    'assets/docs/shipped.txt': 'a docs folder below the root is shipped',
    'secrets/a/b.txt': 'no',
  });
  const expected = new Map(tree);
  expected.set('keep.map', new TextEncoder().encode('{"kept":true}'));
  expected.set('assets/docs/shipped.txt', new TextEncoder().encode('a docs folder below the root is shipped'));

  const v1 = await publish(dir);
  assert.equal(v1.files, expected.size, 'exactly the files not left out are published');

  const device = join(fixture.work.path, 'device');
  const first = await sync(device);
  assert.equal(first.status, 'updated', `${first.reason}: ${first.message}`);
  assert.deepEqual(treeDifferences(await launchTree(device, v1.releaseId), expected), []);
  assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

  const again = await sync(device);
  assert.equal(again.status, 'up-to-date');
  assert.equal(again.bytesDownloaded, 0, 'a second sync of an unchanged tree downloads nothing');

  // The next release changes one file: only that one travels.
  const launchBytes = new TextEncoder().encode('__d(function(){console.log("v2")});');
  await writeFile(join(dir, 'index.ios.bundle'), launchBytes);
  expected.set('index.ios.bundle', launchBytes);
  const v2 = await publish(dir, ['--delta-bases', '0']);
  const second = await sync(device);
  assert.equal(second.status, 'updated', `${second.reason}: ${second.message}`);
  assert.equal(second.bytesDownloaded, launchBytes.length, 'every unchanged file is reused');
  assert.deepEqual(treeDifferences(await launchTree(device, v2.releaseId), expected), []);
});

test('an empty launch file and a release of only empty files install', async () => {
  const tree: Tree = new Map([
    ['index.ios.bundle', new Uint8Array(0)],
    ['assets/.gitkeep', new Uint8Array(0)],
    ['config/empty.json', new Uint8Array(0)],
  ]);
  const dir = await writeTree(join(fixture.work.path, 'empty'), tree);
  const device = join(fixture.work.path, 'device-empty');
  const released = await publish(dir);
  const first = await sync(device);
  assert.equal(first.status, 'updated', `${first.reason}: ${first.message}`);
  assert.equal(first.bytesDownloaded, 0);
  assert.deepEqual(treeDifferences(await launchTree(device, released.releaseId), tree), []);
});

test('a folder with nothing but ignored files says so', async () => {
  const dir = join(fixture.work.path, 'only-ignored');
  await writeExtra(dir, { '.DS_Store': 'x', '__MACOSX/._a': 'y', '.updraftignore': '*.js\n', 'a.js': 'z' });
  const r = await runCli(publishArgs({ dir, app: APP, keys: fixture.keys }), fixture.env);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /no files to publish.*\.updraftignore/);
});
