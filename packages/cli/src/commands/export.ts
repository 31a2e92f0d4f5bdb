import type { Command } from 'commander';
import { CliError } from '../output.js';
import { emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { loadServer } from '../server-package.js';
import { addStorageOptions, openServerStorage, storageFromOptions, type StorageOptions } from '../storage-options.js';

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
        appId = (await import('@updraft/protocol')).assertIdentifier(opts.app, '--app');
      } catch (err) {
        throw new CliError('usage', (err as Error).message, { exitCode: 2 });
      }
      const server = await loadServer('export');
      if (server.isS3Url(opts.out)) {
        try {
          server.parseS3Url(opts.out);
        } catch (err) {
          throw new CliError('usage', `--out: ${(err as Error).message}`, { exitCode: 2 });
        }
      }
      const storage = storageFromOptions(server, opts);
      const opened = await openServerStorage(server, storage);
      const { store, blobs } = opened;
      const sink = server.openSink(opts.out, storage.s3);
      try {
        const result = await server.exportRepository({ store, blobs, appId, sink });
        emit(opts, result, () =>
          [
            `exported ${appId} (timestamp v${result.timestampVersion}, ${result.releases} releases) to ${result.destination}`,
            `  ${result.written} files written (${result.bytesWritten} bytes), ${result.skipped} already there`,
            `devices use --server <the URL that serves ${result.destination}>; re-run after every publish or re-sign`,
          ].join('\n'),
        );
      } catch (err) {
        if (err instanceof server.ExportError) throw new CliError(err.code, err.message);
        throw err;
      } finally {
        await sink.close();
        await opened.close();
      }
    }),
  );
}
