import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import type { releasesApi } from '@updraft/api';
import { emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface ListOptions extends GlobalOptions {
  app: string;
  channel?: string;
}

export function registerRelease(program: Command): void {
  const release = program.command('release').description('inspect and manage releases');
  release
    .command('list')
    .description('list the releases of an app, newest first')
    .requiredOption('--app <appId>', 'the app')
    .option('--channel <name>', 'only releases published to this channel')
    .action(
      run<[], ListOptions>(async (opts) => {
        const api = requireServer(opts);
        const { describeServing, formatBytes } = await import('@updraft/protocol');
        /**
         * "rolling-out (production 25 %)": the state, and how each channel serving it serves it;
         * "superseded, not listed" when the signed listing dropped it (only a rollback serves it again).
         */
        const describeState = (r: releasesApi.ReleaseListRow): string => {
          const state = r.channels.length ? `${r.state} (${r.channels.map(describeServing).join(', ')})` : r.state;
          return r.listed ? state : `${state}, not listed`;
        };
        const result = await api.call('GET /v1/apps/:appId/releases', {
          params: { appId: opts.app },
          ...(opts.channel ? { query: { channel: opts.channel } } : {}),
        });
        emit(opts, result, () =>
          result.releases.length === 0
            ? `no releases yet; publish one with: updraft publish <dir> --app ${opts.app} …`
            : result.releases
                .map(
                  (r) =>
                    `${r.releaseId}\tv${r.versionCode}\t${r.channel}\t${r.platform}\t${r.runtimeVersion}\t${r.createdAt}\t${describeState(r)}\t${r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes)}`,
                )
                .join('\n'),
        );
      }),
    );
}
