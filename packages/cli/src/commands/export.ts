import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ExportError,
  exportRepository,
  isS3Url,
  openBlobStore,
  openMetadataStore,
  openSink,
  parseS3Url,
  redactDatabaseUrl,
  type BlobStoreSpec,
} from '@updraft/server';
import { assertIdentifier } from '@updraft/protocol';
import { CliError } from '../output.js';
import { emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { addStorageOptions, storageFromOptions, type StorageOptions } from '../storage-options.js';

interface ExportOptions extends GlobalOptions, StorageOptions {
  app: string;
  out: string;
}

/**
 * `updraft export`: static mode. Reads the server's storage directly (the same --data or
 * --database/--blobs as `serve`; a running server is not needed) and writes the app's signed
 * repository to a folder or bucket that any static host or CDN can serve to devices.
 */
export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description("write an app's complete signed repository to a folder or s3://bucket/prefix for a static host or CDN")
    .requiredOption('--app <appId>', 'the app to export')
    .requiredOption('--out <location>', 'a folder, or s3://bucket/prefix (AWS credentials from the environment)');
  addStorageOptions(cmd).action(
    run<[], ExportOptions>(async (opts) => {
      let appId: string;
      try {
        appId = assertIdentifier(opts.app, '--app');
      } catch (err) {
        throw new CliError('usage', (err as Error).message, { exitCode: 2 });
      }
      if (isS3Url(opts.out)) {
        try {
          parseS3Url(opts.out);
        } catch (err) {
          throw new CliError('usage', `--out: ${(err as Error).message}`, { exitCode: 2 });
        }
      }
      const storage = storageFromOptions(opts);
      if (!storage.databaseUrl && !existsSync(join(storage.dataDir, 'updraft.db'))) {
        throw new CliError(
          'no-data',
          `no Updraft database in ${storage.dataDir}; pass the server's --data folder, or --database postgres://…`,
        );
      }
      const storeSpec: { dataDir: string; databaseUrl?: string } = { dataDir: storage.dataDir };
      if (storage.databaseUrl) storeSpec.databaseUrl = storage.databaseUrl;
      const store = await openMetadataStore(storeSpec).catch((err: unknown) => {
        const where = storage.databaseUrl ? redactDatabaseUrl(storage.databaseUrl) : storage.dataDir;
        throw new CliError('database', `cannot open ${where}: ${(err as Error).message}`);
      });
      const blobSpec: BlobStoreSpec = { dataDir: storage.dataDir, ...storage.s3 };
      if (storage.blobs) blobSpec.blobs = storage.blobs;
      const blobs = await openBlobStore(blobSpec);
      const sink = openSink(opts.out, storage.s3);
      try {
        const result = await exportRepository({ store, blobs, appId, sink });
        emit(opts, result, () =>
          [
            `exported ${appId} (timestamp v${result.timestampVersion}, ${result.releases} releases) to ${result.destination}`,
            `  ${result.written} files written (${result.bytesWritten} bytes), ${result.skipped} already there`,
            `devices use --server <the URL that serves ${result.destination}>; re-run after every publish or re-sign`,
          ].join('\n'),
        );
      } catch (err) {
        if (err instanceof ExportError) throw new CliError(err.code, err.message);
        throw err;
      } finally {
        await sink.close();
        await blobs.close?.();
        await store.close();
      }
    }),
  );
}
