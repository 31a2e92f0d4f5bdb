import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { requireServer } from '../api-client.js';
import { CliError, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface SourcemapOptions extends GlobalOptions {
  app: string;
  out?: string;
}

/** `updraft release sourcemap <releaseId>`: downloads the source maps kept beside a release. */
export function registerReleaseSourcemap(program: Command): void {
  const release =
    program.commands.find((c) => c.name() === 'release') ?? program.command('release').description('releases');
  release
    .command('sourcemap <releaseId>')
    .description('download the source maps kept beside a release (publish --build uploads them)')
    .requiredOption('--app <appId>', 'the app')
    .option('--out <dir>', 'where to write them (default updraft-sourcemaps/<releaseId>)')
    .action(
      run<[string], SourcemapOptions>(async (releaseId, opts) => {
        const api = requireServer(opts);
        const { formatBytes, sha256Hex } = await import('@updraft/protocol');
        const { sourcemaps } = await api.call('GET /v1/apps/:appId/releases/:releaseId/sourcemaps', {
          params: { appId: opts.app, releaseId },
        });
        if (sourcemaps.length === 0) {
          throw new CliError(
            'no-sourcemap',
            `release ${releaseId} has no source map; publish with --build (or --sourcemap <file>) to keep one`,
          );
        }
        const out = resolve(opts.out ?? join('updraft-sourcemaps', releaseId));
        await mkdir(out, { recursive: true });
        const written: ((typeof sourcemaps)[number] & { path: string })[] = [];
        for (const m of sourcemaps) {
          const bytes = await api.call('GET /v1/apps/:appId/releases/:releaseId/sourcemaps/:name', {
            params: { appId: opts.app, releaseId, name: m.name },
          });
          if (sha256Hex(bytes) !== m.sha256) {
            throw new CliError('bad-sourcemap', `the server sent ${m.name} with another SHA-256 than it lists`);
          }
          const path = join(out, m.name);
          await writeFile(path, bytes);
          written.push({ ...m, path });
        }
        emit(opts, { releaseId, sourcemaps: written }, () =>
          written.map((m) => `${m.path}\t${formatBytes(m.length)}\tsha256:${m.sha256}`).join('\n'),
        );
      }),
    );
}
