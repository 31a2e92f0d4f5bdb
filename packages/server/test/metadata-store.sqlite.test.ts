import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/index.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';

metadataStoreContract({
  name: 'SQLite',
  async newDatabase() {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-sqlite-contract-'));
    return {
      open: () => openSqliteStore(join(dir, 'updraft.db')),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
