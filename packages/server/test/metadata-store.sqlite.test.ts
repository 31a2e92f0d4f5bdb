import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/index.js';
import type { MetadataBackend } from '@updraft/test-kit/contract/store-backend';
import { insightStoreContract } from '@updraft/test-kit/contract/insight-store';
import { metadataStoreContract } from '@updraft/test-kit/contract/metadata-store';
import { rolloutAccessContract } from '@updraft/test-kit/contract/rollout-access';
import { sourcemapStoreContract } from '@updraft/test-kit/contract/sourcemap-store';

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
