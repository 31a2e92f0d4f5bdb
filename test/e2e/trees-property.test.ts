import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { SyncResult } from '@updraft/client';
import { createNodeClient } from '@updraft/client/node';
import { Updraft, UPDRAFT_FOLDER } from '../../packages/react-native/src/updraft.js';
import { FakeNativeModule, fakeBlobUtil, nativeBoot } from '../../packages/react-native/test/fake-platform.js';
import { CapacitorUpdraft } from '../../packages/capacitor/src/updraft.js';
import { FakeWebView, MemoryFilesystem } from '../../packages/capacitor/test/fake-capacitor.js';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';
import { readTree, treeArbitrary, treeDifferences, writeTree, type Tree } from '@updraft/test-kit/trees';

// Random bundle trees (empty files, shared bytes, deep folders, spaces, NFC/NFD, emoji,
// @2x/@3x) published by the real CLI to the real server, then synced and launched by the
// Node client, the React Native binding and the Capacitor binding (their native APIs faked
// at the boundary). Each device keeps its state from tree to tree, so every run after the
// first is an update from one random tree to the next.

const APP = 'com.example.tree-property';
const LAUNCH = 'index.html';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let keys: string;
let trustedRoot: Uint8Array;

before(async () => {
  work = await tempDir('tree-property');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  keys = join(work.path, 'keys');
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
  assert.equal(created.code, 0, created.stderr);
  trustedRoot = new Uint8Array(await readFile(join(keys, 'root.json')));
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const target = () => ({
  server: server.url,
  appId: APP,
  platform: 'ios' as const,
  runtimeVersion: '1.0.0',
  channel: 'production',
  trustedRoot,
  allowInsecureLocalhost: true,
});

/**
 * One device as its platform runs it: sync, then the app starts again and launches the
 * release (returning the files of the folder it runs), then the app says it works.
 */
interface Device {
  name: string;
  sync(): Promise<SyncResult>;
  launch(): Promise<{ releaseId: string | null; launchPath: string | null; files: Tree }>;
  ready(): Promise<void>;
}

function nodeDevice(dir: string): Device {
  const client = createNodeClient({ ...target(), dir });
  return {
    name: 'node',
    sync: () => client.sync(),
    launch: async () => {
      const { releaseId, launchPath } = await client.relaunch();
      return { releaseId, launchPath, files: releaseId ? await readTree(join(dir, 'releases', releaseId)) : new Map() };
    },
    ready: () => client.notifyAppReady(),
  };
}

/** Every app start: the native boot glue picks the bundle, then JavaScript's Updraft adopts it. */
function reactNativeDevice(documentDir: string): Device {
  const start = () =>
    new Updraft(
      { ...target(), readyTimeoutMs: 0 },
      { blob: fakeBlobUtil(documentDir), native: new FakeNativeModule() },
    );
  let app = start();
  return {
    name: 'react-native',
    sync: () => app.sync(),
    launch: async () => {
      const launchPath = await nativeBoot(documentDir);
      app = start();
      const { releaseId } = await app.client.launch();
      const folder = launchPath ? join(launchPath, '..') : null;
      assert.equal(folder, releaseId ? join(documentDir, UPDRAFT_FOLDER, 'releases', releaseId) : null);
      return { releaseId, launchPath, files: folder ? await readTree(folder) : new Map() };
    },
    ready: () => app.notifyAppReady(),
  };
}

/** Every app start: a cold WebView, then the page reloads into the release start() switched to. */
async function capacitorDevice(): Promise<Device> {
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();
  const start = () =>
    CapacitorUpdraft.create({ ...target(), readyTimeoutMs: 0 }, { filesystem: fs.api, webView: webView.api });
  let page = await start();
  return {
    name: 'capacitor',
    sync: () => page.sync(),
    launch: async () => {
      webView.coldStart();
      const { releaseId, launchPath } = await (await start()).start();
      page = await start(); // the reload into the release's folder
      await page.start();
      const prefix = `DATA/updraft/releases/${releaseId}/`;
      const files: Tree = new Map();
      for (const [key, node] of fs.files) {
        if (key.startsWith(prefix) && node instanceof Uint8Array) files.set(key.slice(prefix.length), node);
      }
      assert.equal(webView.current, launchPath ? launchPath.slice(0, launchPath.lastIndexOf('/')) : webView.current);
      return { releaseId, launchPath, files };
    },
    ready: () => page.notifyAppReady(),
  };
}

test('random trees: publish → sync → launch gives the same bytes at the same paths on Node, React Native and Capacitor; a second sync downloads nothing', async () => {
  const devices = [
    nodeDevice(join(work.path, 'node-device')),
    reactNativeDevice(join(work.path, 'rn-documents')),
    await capacitorDevice(),
  ];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(treeArbitrary(LAUNCH), async (tree) => {
      const dir = await writeTree(join(work.path, `tree-${++run}`), tree);
      const published = await runCli(
        publishArgs({ dir, app: APP, keys, extra: ['--launch', LAUNCH, '--delta-bases', '0', '--no-provenance'] }),
        env,
      );
      assert.equal(published.code, 0, published.stdout + published.stderr);
      const { releaseId } = published.json as { releaseId: string };
      for (const device of devices) {
        const first = await device.sync();
        assert.equal(first.status, 'updated', `${device.name}: ${first.reason}: ${first.message}`);
        const launch = await device.launch();
        assert.equal(launch.releaseId, releaseId, device.name);
        assert.ok(
          launch.launchPath?.endsWith(`/releases/${releaseId}/${LAUNCH}`),
          `${device.name}: ${launch.launchPath}`,
        );
        assert.deepEqual(treeDifferences(launch.files, tree), [], device.name);
        await device.ready();
        const again = await device.sync();
        assert.equal(again.status, 'up-to-date', `${device.name}: ${again.message}`);
        assert.equal(again.bytesDownloaded, 0, `${device.name}: a second sync of an unchanged tree downloads nothing`);
      }
    }),
    // Every run publishes through the CLI: a few runs, no shrinking (the failing tree is printed).
    {
      numRuns: 6,
      endOnFailure: true,
      ...(process.env.UPDRAFT_FC_SEED ? { seed: Number(process.env.UPDRAFT_FC_SEED) } : {}),
    },
  );
});
