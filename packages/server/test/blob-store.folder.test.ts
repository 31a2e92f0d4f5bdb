import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderBlobStore } from '../src/index.js';
import { blobStoreContract } from './contract/blob-store-contract.js';

blobStoreContract({
  name: 'folder',
  async newStore() {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-blob-contract-'));
    return { store: await FolderBlobStore.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
});
