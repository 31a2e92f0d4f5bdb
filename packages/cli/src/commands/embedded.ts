import type { Command } from 'commander';
import { DEFAULT_MAX_FILE_BYTES } from '../publish-defaults.js';
import { runLazily } from '../run.js';

export function registerEmbedded(program: Command): void {
  const embedded = program.command('embedded').description('the bundle shipped inside the app binary');

  embedded
    .command('register <dir>')
    .description('upload the bundle the app binary ships, so every publish patches against it')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--platform <platform>', 'the platform of the binary')
    .requiredOption('--runtime-version <rv>', 'the runtime version of the binary')
    .option('--max-file-size <bytes>', 'refuse files larger than this', String(DEFAULT_MAX_FILE_BYTES))
    .action(runLazily(async () => (await import('../actions/embedded-actions.js')).registerEmbeddedBundle));

  embedded
    .command('show')
    .description('the registered embedded bundle of a platform and runtime version')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--platform <platform>', 'the platform of the binary')
    .requiredOption('--runtime-version <rv>', 'the runtime version of the binary')
    .action(runLazily(async () => (await import('../actions/embedded-actions.js')).listEmbedded));
}
