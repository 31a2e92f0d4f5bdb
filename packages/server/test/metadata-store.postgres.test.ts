import { after, before } from 'node:test';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';
import { openPostgresStore } from '../src/index.js';
import type { MetadataBackend } from '@updraft/test-kit/contract/store-backend';
import { insightStoreContract } from '@updraft/test-kit/contract/insight-store';
import { metadataStoreContract } from '@updraft/test-kit/contract/metadata-store';
import { rolloutAccessContract } from '@updraft/test-kit/contract/rollout-access';
import { sourcemapStoreContract } from '@updraft/test-kit/contract/sourcemap-store';

// A throwaway cluster (initdb + pg_ctl) for this file; each test gets its own database.
let cluster: PostgresCluster | string = 'not started';

before(async () => {
  cluster = await startPostgres();
});

after(async () => {
  if (typeof cluster !== 'string') await cluster.stop();
});

const backend: MetadataBackend = {
  name: 'PostgreSQL',
  async newDatabase() {
    if (typeof cluster === 'string') return cluster;
    const url = await cluster.createDatabase();
    return { open: () => openPostgresStore(url), cleanup: async () => {} };
  },
};

metadataStoreContract(backend);
insightStoreContract(backend);
rolloutAccessContract(backend);
sourcemapStoreContract(backend);
