import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { SyncResult } from '@updraft/client';
import { appOnServer } from './app-on-server.js';
import { publishArgs, runCli } from './cli.js';
import { treeArbitrary, treeDifferences, writeTree, type Tree } from './trees.js';

// Random bundle trees (empty files, shared bytes, deep folders, spaces, NFC/NFD, emoji,
// @2x/@3x) published by the real CLI to the real server, then synced and launched by one
// platform's device (the Node client; React Native and Capacitor with their native APIs faked
// at the boundary, from their own packages' tests). The device keeps its state from tree to
// tree, so every run after the first is an update from one random tree to the next.

export const TREE_LAUNCH = 'index.html';

/** Where a device of the property finds the app (the trusted root is the app's first). */
export interface TreeTarget {
  server: string;
  appId: string;
  platform: 'ios';
  runtimeVersion: string;
  channel: string;
  trustedRoot: Uint8Array;
  allowInsecureLocalhost: true;
}

/**
 * One device as its platform runs it: sync, then the app starts again and launches the
 * release (returning the files of the folder it runs), then the app says it works.
 */
export interface TreeDevice {
  name: string;
  sync(): Promise<SyncResult>;
  launch(): Promise<{ releaseId: string | null; launchPath: string | null; files: Tree }>;
  ready(): Promise<void>;
}

/**
 * Registers the property for one platform: `device` is called once, after the server runs and
 * the app exists, with the target and a folder for the device's own files.
 */
export function treeSyncProperty(
  platformName: string,
  device: (target: TreeTarget, folder: string) => Promise<TreeDevice>,
): void {
  const APP = 'com.example.tree-property';
  const fixture = appOnServer(APP, 'tree-property');

  test(`random trees: publish → sync → launch gives the same bytes at the same paths on ${platformName}; a second sync downloads nothing`, async () => {
    const target: TreeTarget = {
      server: fixture.server.url,
      appId: APP,
      platform: 'ios',
      runtimeVersion: '1.0.0',
      channel: 'production',
      trustedRoot: new Uint8Array(await readFile(join(fixture.keys, 'root.json'))),
      allowInsecureLocalhost: true,
    };
    const dev = await device(target, join(fixture.work.path, 'device'));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(treeArbitrary(TREE_LAUNCH), async (tree) => {
        const dir = await writeTree(join(fixture.work.path, `tree-${++run}`), tree);
        const published = await runCli(
          publishArgs({
            dir,
            app: APP,
            keys: fixture.keys,
            extra: ['--launch', TREE_LAUNCH, '--delta-bases', '0', '--no-provenance'],
          }),
          fixture.env,
        );
        assert.equal(published.code, 0, published.stdout + published.stderr);
        const { releaseId } = published.json as { releaseId: string };
        const first = await dev.sync();
        assert.equal(first.status, 'updated', `${dev.name}: ${first.reason}: ${first.message}`);
        const launch = await dev.launch();
        assert.equal(launch.releaseId, releaseId, dev.name);
        assert.ok(
          launch.launchPath?.endsWith(`/releases/${releaseId}/${TREE_LAUNCH}`),
          `${dev.name}: ${launch.launchPath}`,
        );
        assert.deepEqual(treeDifferences(launch.files, tree), [], dev.name);
        await dev.ready();
        const again = await dev.sync();
        assert.equal(again.status, 'up-to-date', `${dev.name}: ${again.message}`);
        assert.equal(again.bytesDownloaded, 0, `${dev.name}: a second sync of an unchanged tree downloads nothing`);
      }),
      // Every run publishes through the CLI: a few runs, no shrinking (the failing tree is printed).
      {
        numRuns: 6,
        endOnFailure: true,
        ...(process.env.UPDRAFT_FC_SEED ? { seed: Number(process.env.UPDRAFT_FC_SEED) } : {}),
      },
    );
  });
}
