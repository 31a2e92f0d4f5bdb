import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface ListOptions extends GlobalOptions {
  app: string;
  channel?: string;
}

interface ReleaseRow {
  releaseId: string;
  versionCode: number;
  channel: string;
  platform: string;
  runtimeVersion: string;
  createdAt: string;
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
        const query = opts.channel ? `?channel=${encodeURIComponent(opts.channel)}` : '';
        const result = await api.request<{ releases: ReleaseRow[] }>(
          'GET',
          `/v1/apps/${encodeURIComponent(opts.app)}/releases${query}`,
        );
        emit(opts, result, () =>
          result.releases.length === 0
            ? `no releases yet; publish one with: updraft publish <dir> --app ${opts.app} …`
            : result.releases
                .map(
                  (r) =>
                    `${r.releaseId}\tv${r.versionCode}\t${r.channel}\t${r.platform}\t${r.runtimeVersion}\t${r.createdAt}`,
                )
                .join('\n'),
        );
      }),
    );
}
