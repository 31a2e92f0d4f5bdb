import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BlobStore, BlobStoreSpec, Database, S3ConnectionOptions } from '@updraft/server';
import { CliError } from './output.js';
import type { ServerPackage } from './server-package.js';

/**
 * Where the server's state lives, shared by `serve` and `export`: SQLite + a folder under
 * --data by default, or PostgreSQL (--database / UPDRAFT_DATABASE_URL) and an S3-compatible
 * bucket (--blobs s3://… / UPDRAFT_BLOBS, credentials from the standard AWS variables).
 */
export interface StorageOptions {
  data: string;
  database?: string;
  blobs?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
}

export interface StorageSpec {
  dataDir: string;
  databaseUrl?: string;
  blobs?: string;
  s3: S3ConnectionOptions;
}

export function addStorageOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data folder (SQLite database, blob folder, admin.key)', '.updraft')
    .option(
      '--database <url>',
      'PostgreSQL URL postgres://user:password@host:5432/db (default: $UPDRAFT_DATABASE_URL, else SQLite in --data)',
    )
    .option(
      '--blobs <location>',
      'blob store: s3://bucket/prefix or a folder (default: $UPDRAFT_BLOBS, else <data>/blobs)',
    )
    .option('--s3-endpoint <url>', 'S3-compatible endpoint, e.g. MinIO or R2 (default: $AWS_ENDPOINT_URL)')
    .option('--s3-region <region>', 'S3 region (default: $AWS_REGION, else us-east-1)')
    .option('--s3-path-style', 'path-style bucket URLs (default: on when an endpoint is set)');
}

export function storageFromOptions(server: ServerPackage, opts: StorageOptions): StorageSpec {
  const spec: StorageSpec = { dataDir: resolve(opts.data), s3: {} };
  const database = opts.database ?? process.env['UPDRAFT_DATABASE_URL'];
  if (database) {
    if (!server.isPostgresUrl(database)) {
      throw new CliError('usage', '--database must be a postgres:// URL; leave it out to use the embedded SQLite', {
        exitCode: 2,
      });
    }
    spec.databaseUrl = database;
  }
  const blobs = opts.blobs ?? process.env['UPDRAFT_BLOBS'];
  if (blobs) {
    if (server.isS3Url(blobs)) {
      try {
        server.parseS3Url(blobs);
      } catch (err) {
        throw new CliError('usage', `--blobs: ${(err as Error).message}`, { exitCode: 2 });
      }
      spec.blobs = blobs;
    } else {
      spec.blobs = resolve(blobs);
    }
  }
  if (opts.s3Endpoint) spec.s3.endpoint = opts.s3Endpoint;
  if (opts.s3Region) spec.s3.region = opts.s3Region;
  if (opts.s3PathStyle) spec.s3.forcePathStyle = true;
  return spec;
}

/**
 * The server's existing stores, opened directly for a command that works without a running
 * server (export, blobs verify). Refuses a data folder that holds no database yet.
 */
export async function openServerStorage(
  server: ServerPackage,
  storage: StorageSpec,
): Promise<{ store: Database; blobs: BlobStore; close(): Promise<void> }> {
  if (!storage.databaseUrl && !existsSync(join(storage.dataDir, 'updraft.db'))) {
    throw new CliError(
      'no-data',
      `no Updraft database in ${storage.dataDir}; pass the server's --data folder, or --database postgres://…`,
    );
  }
  const storeSpec: { dataDir: string; databaseUrl?: string } = { dataDir: storage.dataDir };
  if (storage.databaseUrl) storeSpec.databaseUrl = storage.databaseUrl;
  const store = await server.openDatabase(storeSpec).catch((err: unknown) => {
    const where = storage.databaseUrl ? server.redactDatabaseUrl(storage.databaseUrl) : storage.dataDir;
    throw new CliError('database', `cannot open ${where}: ${(err as Error).message}`);
  });
  const blobSpec: BlobStoreSpec = { dataDir: storage.dataDir, ...storage.s3 };
  if (storage.blobs) blobSpec.blobs = storage.blobs;
  let blobs: BlobStore;
  try {
    blobs = await server.openBlobStore(blobSpec);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    store,
    blobs,
    async close() {
      await blobs.close?.();
      await store.close();
    },
  };
}
