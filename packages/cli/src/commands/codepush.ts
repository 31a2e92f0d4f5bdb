import type { Command } from 'commander';
import type { codepushApi } from '@updraft/api';
import { isPlatform, PLATFORMS } from '@updraft/protocol/vocabulary';
import { requireServer } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';

interface AddOptions extends GlobalOptions {
  app: string;
  channel: string;
  platform: string;
  key?: string;
}

/** `updraft codepush deployment add|ls|rm`: CodePush deployment keys as views of a channel and platform. */
export function registerCodePush(program: Command): void {
  const deployment = program
    .command('codepush')
    .description('serve apps that ship react-native-code-push (see docs/guides/migrate-from-codepush.md)')
    .command('deployment')
    .description('CodePush deployments: a deployment key that shows devices one channel and platform');

  deployment
    .command('add <name>')
    .description('add a deployment (the CodePush server URL is this server’s base URL)')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--channel <name>', 'the channel its devices follow')
    .requiredOption('--platform <platform>', 'ios | android')
    .option('--key <deploymentKey>', 'the CodePushDeploymentKey your binaries already hold (default: a new one)')
    .action(
      run<[string], AddOptions>(async (name, opts) => {
        if (!isPlatform(opts.platform)) {
          throw new CliError('usage', `--platform must be one of ${PLATFORMS.join(', ')}, not "${opts.platform}"`, {
            exitCode: 2,
          });
        }
        const body: codepushApi.AddDeploymentBody = { name, channel: opts.channel, platform: opts.platform };
        if (opts.key !== undefined) body.key = opts.key;
        const d = await requireServer(opts).call('POST /v1/apps/:appId/codepush/deployments', {
          params: { appId: opts.app },
          body,
        });
        const result = { deploymentKey: d.deploymentKey, name: d.name, channel: d.channel, platform: d.platform };
        emit(opts, result, () =>
          [
            `${colour.green('added')} CodePush deployment ${colour.bold(d.name)} → ${d.channel}/${d.platform}`,
            `  deployment key: ${d.deploymentKey}`,
            `  server URL:     ${requireServer(opts).server}`,
            `next: updraft publish <dir> --app ${opts.app} --channel ${d.channel} --platform ${d.platform} …`,
          ].join('\n'),
        );
      }),
    );

  deployment
    .command('ls')
    .description("an app's deployments with their keys and current labels")
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[], GlobalOptions & { app: string }>(async (opts) => {
        const result = await requireServer(opts).call('GET /v1/apps/:appId/codepush/deployments', {
          params: { appId: opts.app },
        });
        emit(opts, result, () =>
          result.deployments.length
            ? result.deployments
                .map(
                  (d) =>
                    `${d.name}  ${d.deploymentKey}  ${d.channel}/${d.platform}  ${d.currentLabel ?? '(no package yet)'}${d.signed ? '  signed' : ''}`,
                )
                .join('\n')
            : `no CodePush deployments; add one with: updraft codepush deployment add <name> --app ${opts.app} --channel C --platform ios|android`,
        );
      }),
    );

  deployment
    .command('rm <name>')
    .description('remove a deployment (its devices then get 404 on update checks)')
    .requiredOption('--app <appId>', 'the app')
    .action(
      run<[string], GlobalOptions & { app: string }>(async (name, opts) => {
        const result = await requireServer(opts).call('DELETE /v1/apps/:appId/codepush/deployments/:name', {
          params: { appId: opts.app, name },
        });
        emit(opts, result, () => `${colour.green('removed')} CodePush deployment ${name}`);
      }),
    );
}
