import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readTree } from '@updraft/test-kit/trees';
import { treeSyncProperty } from '@updraft/test-kit/tree-sync-property';
import { Updraft, UPDRAFT_FOLDER } from '../src/updraft.js';
import { FakeNativeModule, fakeBlobUtil, nativeBoot } from './fake-platform.js';

// The random-tree property (packages/test-kit/src/tree-sync-property.ts) on React Native:
// every app start, the native boot glue picks the bundle, then JavaScript's Updraft adopts it.
treeSyncProperty('React Native', async (target, documentDir) => {
  const start = () =>
    new Updraft({ ...target, readyTimeoutMs: 0 }, { blob: fakeBlobUtil(documentDir), native: new FakeNativeModule() });
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
});
