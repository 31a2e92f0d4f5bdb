import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/index.js';
import type { MetadataBackend } from './contract/backend.js';
import { insightStoreContract } from './contract/insight-store-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { rolloutAccessContract } from './contract/rollout-access-contract.js';
import { sourcemapStoreContract } from './contract/sourcemap-store-contract.js';

const backend: MetadataBackend = {
  name: 'SQLite',
  async newDatabase() {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-sqlite-contract-'));
    return {
      open: () => openSqliteStore(join(dir, 'updraft.db')),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

metadataStoreContract(backend);
insightStoreContract(backend);
rolloutAccessContract(backend);
sourcemapStoreContract(backend);
