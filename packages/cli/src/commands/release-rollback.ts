import type { Command } from 'commander';
import { EXPO_DEFAULT_KEY_ID } from '@updraft/protocol/vocabulary';
import { addKeepReleasesOption } from '../keep-releases.js';
import { runLazily } from '../run.js';

export function registerReleaseRollback(program: Command): void {
  const release = program.commands.find((c) => c.name() === 'release') ?? program.command('release');
  addKeepReleasesOption(release.command('rollback [releaseId]'))
    .description(
      "publish a new versionCode that runs an earlier release's files (any release the server recorded; no re-upload); --to-embedded: Expo devices go back to the update inside their binary",
    )
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--channel <name>', 'the channel to point at the new release')
    .option('--keys <dir>', 'folder with the offline keys (default ./updraft-keys/<appId>)')
    .option(
      '--to-embedded',
      'Expo: serve a signed rollBackToEmbedded directive (with --platform and --runtime-version)',
    )
    .option('--platform <platform>', 'Expo --to-embedded: ios | android')
    .option('--runtime-version <rv>', 'Expo --to-embedded: the runtime version')
    .option('--expo-key <file>', 'Expo: sign the re-issued manifest or the directive with this RSA private key (PEM)')
    .option('--expo-key-id <id>', `Expo: the keyid of updates.codeSigningMetadata (default ${EXPO_DEFAULT_KEY_ID})`)
    .action(runLazily(async () => (await import('../actions/release-rollback-actions.js')).rollBack));
}
