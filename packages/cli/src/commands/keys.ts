import type { Command } from 'commander';
import { collect } from '../flags.js';
import { runLazily } from '../run.js';

/** `updraft keys`: generate keys, inspect an app's keys, rotate them, collect signatures, upload. */
import { registerKeysRotate } from './keys-rotate.js';

export function registerKeys(program: Command): void {
  const keys =
    program.commands.find((c) => c.name() === 'keys') ??
    program.command('keys').description('signing keys and admin API keys');

  keys
    .command('generate')
    .description('write a new private key file (mode 0600) for a key holder')
    .requiredOption('--out <file>', 'where to write the key file (never overwritten)')
    .option('--key-type <type>', 'ed25519 or ecdsa-p256', 'ed25519')
    .action(runLazily(async () => (await import('../actions/keys-actions.js')).generateKey));

  keys
    .command('show')
    .description("the app's roles, key ids, thresholds and expiries, verified from your trust anchor")
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', 'the key folder (default ./updraft-keys/<appId>)')
    .option('--root <file>', 'the trust anchor (default <keys>/root.json)')
    .action(runLazily(async () => (await import('../actions/keys-actions.js')).showKeys));

  registerKeysRotate(keys);

  keys
    .command('sign <file>')
    .description('add signatures to a metadata file written by keys rotate --out (threshold signing)')
    .option('--app <appId>', 'the app (default: the one in the file)')
    .option('--keys <dir>', 'the key folder (default ./updraft-keys/<appId>)')
    .option('--root <file>', 'the trust anchor (default <keys>/root.json)')
    .option('--role <role>', 'offline (no server): which envelope to sign, root | targets | releases')
    .option('--key <file>', 'a private key file to sign with (repeatable)', collect)
    .option(
      '--signer <command>',
      'an external signer: gets the bytes on stdin, prints the signature (repeatable)',
      collect,
    )
    .option('--signer-key <file>', 'the public key of the matching --signer (repeatable, same order)', collect)
    .action(runLazily(async () => (await import('../actions/keys-actions.js')).signMetadataFile));

  keys
    .command('push <file>')
    .description('upload a signed metadata file (new root, targets or releases) to the server')
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', 'the key folder (default ./updraft-keys/<appId>)')
    .option('--root <file>', 'the trust anchor (default <keys>/root.json)')
    .action(runLazily(async () => (await import('../actions/keys-actions.js')).pushMetadataFile));
}
