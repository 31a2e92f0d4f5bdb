import type { Command } from 'commander';
import { ROTATABLE_ROLES } from '@updraft/signing/vocabulary';
import { collect } from '../flags.js';
import { runLazily } from '../run.js';

/**
 * `updraft keys rotate`: a key change as new root or targets metadata that devices follow
 * over the air. By default a new key is added next to the old one (the overlap) and
 * `--finish` later drops the old one; --new-key/--remove/--threshold make any other change.
 */

export function registerKeysRotate(keys: Command): void {
  keys
    .command('rotate')
    .description('change the keys of a role: new root/targets metadata that devices follow over the air')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--role <role>', ROTATABLE_ROLES.join(' | '))
    .option('--keys <dir>', 'the key folder (default ./updraft-keys/<appId>)')
    .option('--root <file>', 'the trust anchor (default <keys>/root.json)')
    .option(
      '--new-key <file>',
      'add this key (private key file, or a public key for an external signer; repeatable)',
      collect,
    )
    .option('--remove <keyid>', 'drop this key from the role (repeatable)', collect)
    .option('--threshold <n>', 'signatures the role needs from then on')
    .option('--finish', 'drop the keys the previous rotation of this role kept for the overlap')
    .option('--epoch <n>', 'root only: raise the release epoch (recovery after a stolen releases key)')
    .option('--key <file>', 'another private key file to sign with (repeatable)', collect)
    .option(
      '--signer <command>',
      'an external signer: gets the bytes on stdin, prints the signature (repeatable)',
      collect,
    )
    .option('--signer-key <file>', 'the public key of the matching --signer (repeatable, same order)', collect)
    .option('--key-type <type>', 'ed25519 or ecdsa-p256, for a generated key', 'ed25519')
    .option('--out <file>', 'write the new metadata to this file to collect more signatures (keys sign, keys push)')
    .action(runLazily(async () => (await import('../actions/keys-rotate-actions.js')).rotate));
}
