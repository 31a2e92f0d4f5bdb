import { join } from 'node:path';
import { createNodeClient } from '@updraft/client/node';
import { readTree } from '@updraft/test-kit/trees';
import { treeSyncProperty } from '@updraft/test-kit/tree-sync-property';

// The random-tree property (packages/test-kit/src/tree-sync-property.ts) on the Node client;
// the React Native and Capacitor bindings run it from their own packages' tests.
treeSyncProperty('Node', async (target, dir) => {
  const client = createNodeClient({ ...target, dir });
  return {
    name: 'node',
    sync: () => client.sync(),
    launch: async () => {
      const { releaseId, launchPath } = await client.relaunch();
      return { releaseId, launchPath, files: releaseId ? await readTree(join(dir, 'releases', releaseId)) : new Map() };
    },
    ready: () => client.notifyAppReady(),
  };
});
