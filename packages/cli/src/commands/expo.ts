import type { Command } from 'commander';
import { EXPO_DEFAULT_KEY_ID } from '@updraft/protocol/vocabulary';
import { runLazily } from '../run.js';

/**
 * `updraft expo certificate`: the code-signing key pair and self-signed certificate an Expo
 * app embeds (the same kind `npx expo-updates codesigning:generate` makes), or a check that a
 * given certificate belongs to the given private key, and the Expo config that points
 * expo-updates at this server: the app.json block, and the same `updates` fields for an app whose
 * config is code (app.config.js / app.config.ts).
 */
export function registerExpo(program: Command): void {
  program
    .command('expo')
    .description('serve apps that ship expo-updates (see docs/guides/expo.md)')
    .command('certificate')
    .description(
      'make (or check) the Expo code-signing key and certificate, and print the updates fields for app.json or app.config.js/ts',
    )
    .requiredOption('--app <appId>', 'the app')
    .option(
      '--out <dir>',
      'where to write private-key.pem, public-key.pem and certificate.pem (default ./updraft-keys/<appId>/expo)',
    )
    .option('--key <file>', 'an existing RSA private key (PEM): certify it instead of making a new one')
    .option('--certificate <file>', 'an existing certificate (PEM): check it against --key, write nothing')
    .option('--key-id <id>', 'the keyid devices expect (updates.codeSigningMetadata.keyid)', EXPO_DEFAULT_KEY_ID)
    .option('--channel <name>', 'the channel the app follows (sent as expo-channel-name)', 'production')
    .option('--validity-years <n>', 'how long a new certificate is valid', '10')
    .action(runLazily(async () => (await import('../actions/expo-actions.js')).expoCertificate));
}
