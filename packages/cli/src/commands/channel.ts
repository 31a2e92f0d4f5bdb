import type { channelsApi } from '@updraft/api';
import type { Command } from 'commander';
import { requireServer } from '../api-client.js';
import { emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface AppOptions extends GlobalOptions {
  app: string;
}

function describe(c: channelsApi.Channel): string {
  const lock = c.protected ? ' (protected)' : '';
  const pointers = c.pointers.map(
    (p) =>
      `  ${p.platform} ${p.runtimeVersion}: ${p.releaseId} at ${p.basisPoints / 100} %${p.halted ? ' (halted)' : ''}`,
  );
  return [`${c.name}${lock}`, ...pointers].join('\n');
}

export function registerChannel(program: Command): void {
  const channel = program.command('channel').description('list, create and protect channels');

  channel
    .command('list')
    .description("an app's channels with what each serves")
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[], AppOptions>(async (opts) => {
        const result = await requireServer(opts).call('GET /v1/apps/:appId/channels', { params: { appId: opts.app } });
        emit(opts, result, () =>
          result.channels.length ? result.channels.map(describe).join('\n') : 'no channels yet',
        );
      }),
    );

  channel
    .command('create <name>')
    .description('create a channel')
    .requiredOption('--app <appId>', 'the app')
    .option('--protected', 'only a release-manager, admin, owner or CI service account may change it')
    .action(
      run<[string], AppOptions & { protected?: boolean }>(async (name, opts) => {
        const result = await requireServer(opts).call('POST /v1/apps/:appId/channels', {
          params: { appId: opts.app },
          body: { name, protected: opts.protected === true },
        });
        emit(opts, result, () => `created channel ${describe(result)}`);
      }),
    );

  channel
    .command('protect <name>')
    .description('protect a channel (admin); --off removes the protection')
    .requiredOption('--app <appId>', 'the app')
    .option('--off', 'remove the protection')
    .action(
      run<[string], AppOptions & { off?: boolean }>(async (name, opts) => {
        const result = await requireServer(opts).call('PUT /v1/apps/:appId/channels/:channel/protection', {
          params: { appId: opts.app, channel: name },
          body: { protected: !opts.off },
        });
        emit(opts, result, () => describe(result));
      }),
    );
}
