import { after, before } from 'node:test';
import { startPostgres, type PostgresCluster } from '../../../test/helpers/services.js';
import { openPostgresStore } from '../src/index.js';
import type { MetadataBackend } from './contract/backend.js';
import { insightStoreContract } from './contract/insight-store-contract.js';
import { metadataStoreContract } from './contract/metadata-store-contract.js';
import { rolloutAccessContract } from './contract/rollout-access-contract.js';
import { sourcemapStoreContract } from './contract/sourcemap-store-contract.js';

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
