import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AuthService, buildApp, FolderBlobStore, openSqliteStore, type BlobStore } from '../src/index.js';
import type { BuildAppOptions } from '../src/app/server.js';
import type { Database } from '../src/persistence/persistence.js';
import { tempDir } from './helpers.js';

/**
 * An app built in this process on a SQLite store and a folder blob store in a fresh temporary
 * folder, listening on 127.0.0.1 with its owner key: what the outage tests start, each
 * wrapping the port it takes away (the store, the blob store) so a flag can fail it.
 */
export interface OutageApp {
  readonly dir: string;
  /** The store itself (not the wrapped one the app uses): what the test reads behind the app. */
  readonly store: Database;
  readonly app: FastifyInstance;
  readonly url: string;
  /** The owner's API key. */
  readonly key: string;
  close(): Promise<void>;
}

export async function startOutageApp(opts: {
  store?: (store: Database) => Database;
  blobs?: (blobs: BlobStore) => BlobStore;
  /** The rest of the app's options; given the folder, for what the test puts in it. */
  options: (dir: string) => Promise<Omit<BuildAppOptions, 'store' | 'blobs'>>;
}): Promise<OutageApp> {
  const dir = await tempDir();
  const store = await openSqliteStore(join(dir, 'updraft.db'));
  const blobs = await FolderBlobStore.open(join(dir, 'blobs'));
  const key = await new AuthService({ store, now: Date.now }).ensureOwnerKey(async () => {});
  assert.ok(key, 'a fresh database gets its owner key');
  const app = await buildApp({
    ...(await opts.options(dir)),
    store: opts.store ? opts.store(store) : store,
    blobs: opts.blobs ? opts.blobs(blobs) : blobs,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    dir,
    store,
    app,
    url,
    key,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
