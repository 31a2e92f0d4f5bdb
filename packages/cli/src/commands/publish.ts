import type { Command } from 'commander';
import { EXPO_DEFAULT_KEY_ID, PLATFORMS } from '@updraft/protocol/vocabulary';
import { addKeepReleasesOption } from '../keep-releases.js';
import { DEFAULT_DELTA_BASES, DEFAULT_DELTA_MIN_BYTES, DEFAULT_MAX_FILE_BYTES } from '../publish-defaults.js';
import { runLazily } from '../run.js';
import { addDeployOptions } from './deploy-options.js';
import { addBuildOptions } from './publish-build.js';

export function registerPublish(program: Command): void {
  addKeepReleasesOption(addBuildOptions(addDeployOptions(program.command('publish [dir]'))))
    .description(
      'sign a bundle folder as a new release and point a channel at it (with --build: build it from the app folder first)',
    )
    .requiredOption('--app <appId>', 'the app')
    .option(
      '--platform <platform>',
      `${PLATFORMS.join(' | ')} (required; with --expo: ios | android | all, default all)`,
    )
    .requiredOption(
      '--runtime-version <rv>',
      'the native runtime this bundle needs (devices with another one ignore it)',
    )
    .requiredOption(
      '--channel <name>',
      'the channel to point at the release (an existing one; new apps have production and staging)',
    )
    .option(
      '--create-channel',
      'create --channel if the app has no channel of that name (needs release-manager+ with the channels scope)',
    )
    .option(
      '--launch <file>',
      'the entry file inside <dir> (default: index.<platform>.bundle, main.jsbundle, index.html, index.js …)',
    )
    .option('--keys <dir>', 'folder with the offline keys (default ./updraft-keys/<appId>)')
    .option(
      '--allow-channels <list>',
      'comma-separated channels this release may ever be served on, or * (default: --channel)',
    )
    .option('--max-file-size <bytes>', 'refuse files larger than this', String(DEFAULT_MAX_FILE_BYTES))
    .option(
      '--delta-bases <k>',
      'patch changed files against the last K releases of this channel/platform/runtime version (0 = no patches)',
      String(DEFAULT_DELTA_BASES),
    )
    .option('--delta-min-size <bytes>', 'only patch files at least this large', String(DEFAULT_DELTA_MIN_BYTES))
    .option('--embedded <dir>', 'the bundle folder shipped inside the app binary: patch against its files too')
    .option(
      '--builder-key <file>',
      'key that signs the build provenance (default <keys>/builder.key.json, created if absent)',
    )
    .option('--no-provenance', 'do not attach a signed SLSA provenance attestation')
    .option('--notes <text>', 'release notes')
    .option(
      '--sourcemap <file>',
      'keep this source map on the server beside the release (never sent to devices; --build keeps its own)',
    )
    .option('--codepush-key <file>', 'CodePush devices: sign the package with this RSA private key (PEM), offline')
    .option('--expo', 'DIR is `npx expo export` output: publish each platform as an Expo update (expo-updates clients)')
    .option('--expo-key <file>', 'Expo: sign manifests and directives with this RSA private key (PEM), offline')
    .option('--expo-key-id <id>', `Expo: the keyid of updates.codeSigningMetadata (default ${EXPO_DEFAULT_KEY_ID})`)
    .option(
      '--expo-base-url <url>',
      'Expo: where devices fetch assets, frozen into the signed manifest (default --server; a CDN in front of it)',
    )
    .action(runLazily(async () => (await import('../actions/publish-actions.js')).publishCommand));
}
