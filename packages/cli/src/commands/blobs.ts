import type { Command } from 'commander';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { loadServer } from '../server-package.js';
import { addStorageOptions, openServerStorage, storageFromOptions, type StorageOptions } from '../storage-options.js';

interface VerifyOptions extends GlobalOptions, StorageOptions {
  app?: string;
  repair?: boolean;
}

/**
 * `updraft blobs verify`: scrubs the blob store (length and SHA-256 of every recorded blob),
 * reading the server's storage directly like `export`. Exit 1 when damage was found and left.
 */
export function registerBlobs(program: Command): void {
  const blobs = program.command('blobs').description("check the server's stored release files");
  const verify = blobs
    .command('verify')
    .description('read every stored blob back and check its length and SHA-256; --repair deletes damaged ones')
    .option('--app <appId>', "only this app's blobs")
    .option('--repair', 'delete damaged blobs, so the next publish that contains them uploads them again');
  addStorageOptions(verify).action(
    run<[], VerifyOptions>(async (opts) => {
      let appId: string | undefined;
      if (opts.app !== undefined) {
        try {
          appId = (await import('@updraft/protocol')).assertIdentifier(opts.app, '--app');
        } catch (err) {
          throw new CliError('usage', (err as Error).message, { exitCode: 2 });
        }
      }
      const server = await loadServer('blobs verify');
      const opened = await openServerStorage(server, storageFromOptions(server, opts));
      try {
        const report = await server.scrubBlobs({
          store: opened.store,
          blobs: opened.blobs,
          ...(appId !== undefined ? { appId } : {}),
          repair: opts.repair === true,
        });
        emit(opts, report, () => {
          const lines = [`checked ${report.checked} blobs (${report.bytesChecked} bytes)`];
          for (const d of report.damaged) {
            const what =
              d.problem === 'missing'
                ? 'missing from the store'
                : d.problem === 'length'
                  ? `${d.actualLength} bytes, recorded ${d.length}`
                  : 'bytes do not match the hash';
            lines.push(`  damaged ${d.sha256}: ${what}${d.deleted ? ' (deleted)' : ''}`);
          }
          if (report.damaged.length === 0) lines.push('no damage found');
          else if (opts.repair) lines.push('publish the releases that contain these files again to restore them');
          else lines.push('run again with --repair to delete them, then publish again to restore them');
          return lines.join('\n');
        });
        if (report.damaged.length > 0 && !opts.repair) process.exitCode = 1;
      } finally {
        await opened.close();
      }
    }),
  );
}
