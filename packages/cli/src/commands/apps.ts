import type { Command } from 'commander';
import { collect } from '../flags.js';
import { runLazily } from '../run.js';

export function registerApps(program: Command): void {
  const apps = program.command('apps').description('create and list apps');

  apps
    .command('create <appId>')
    .description('generate the offline keys, register the app and write root.json, the trust anchor to ship in the app')
    .option('--keys <dir>', 'folder for the offline keys (default ./updraft-keys/<appId>)')
    .option('--key-type <type>', 'ed25519 or ecdsa-p256', 'ed25519')
    .option('--transparency <policy>', 'devices require releases in the transparency log: off | warn | enforce', 'warn')
    .option('--witness <vkey>', 'a witness cosignature key (C2SP vkey) devices require; repeatable', collect)
    .option('--witness-threshold <n>', 'how many pinned witnesses must cosign (default: all)')
    .action(runLazily(async () => (await import('../actions/apps-actions.js')).createApp));

  apps
    .command('list')
    .description('list the apps on the server')
    .action(runLazily(async () => (await import('../actions/apps-actions.js')).listApps));
}
