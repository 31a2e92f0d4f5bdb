import assert from 'node:assert/strict';
import type { Tree } from '@updraft/test-kit/trees';
import { treeSyncProperty } from '@updraft/test-kit/tree-sync-property';
import { CapacitorUpdraft } from '../src/updraft.js';
import { FakeWebView, MemoryFilesystem } from './fake-capacitor.js';

// The random-tree property (packages/test-kit/src/tree-sync-property.ts) on Capacitor: every
// app start is a cold WebView, then the page reloads into the release start() switched to.
treeSyncProperty('Capacitor', async (target) => {
  const fs = new MemoryFilesystem();
  const webView = new FakeWebView();
  const start = () =>
    CapacitorUpdraft.create({ ...target, readyTimeoutMs: 0 }, { filesystem: fs.api, webView: webView.api });
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
});
