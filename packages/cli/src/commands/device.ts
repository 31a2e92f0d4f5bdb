import type { Command } from 'commander';
import { collect } from '../flags.js';
import { runLazily } from '../run.js';

/** A device command's error is said once: the JSON on stdout with --json, else one line on stderr. */
const DEVICE_RUN = { jsonErrorOnly: true };

export function registerDevice(program: Command): void {
  const device = program
    .command('device')
    .description('run the Node device client against a server or a static folder');

  device
    .command('sync')
    .description('one update cycle: verify the repository, download and stage a new release')
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--platform <platform>', 'the device platform')
    .requiredOption('--runtime-version <rv>', 'the runtime version of the app binary')
    .requiredOption('--channel <name>', 'the channel the device follows')
    .requiredOption('--root <file>', 'root.json, the trust anchor shipped with the app')
    .requiredOption('--dir <dir>', "the device's storage folder")
    .option('--device-id <id>', 'a stable device id (default: random, kept in the device folder)')
    .option('--allow-insecure-localhost', 'allow http:// for loopback servers (development only)')
    .option('--embedded <dir>', 'the bundle shipped inside the app binary (its files are reused, not downloaded)')
    .option('--transparency <policy>', "off | warn | enforce (the stricter of this and root's pin applies)")
    .option('--app-version <version>', 'the app binary version, for targeting rules')
    .option('--os-version <version>', 'the OS version, for targeting rules')
    .option('--rn-version <version>', 'the React Native version, for targeting rules')
    .option('--arch <arch>', 'the CPU architecture, for targeting rules')
    .option('--attr <key=value>', 'a custom attribute for targeting rules (repeatable)', collect, [])
    .action(runLazily(async () => (await import('../actions/device-actions.js')).syncDevice, DEVICE_RUN));

  device
    .command('launch')
    .description('what an app start does: choose the bundle to run (rolls back an unconfirmed trial)')
    .requiredOption('--dir <dir>', "the device's storage folder")
    .action(runLazily(async () => (await import('../actions/device-actions.js')).launchDevice, DEVICE_RUN));

  device
    .command('ready')
    .description('notifyAppReady(): confirm the running trial bundle')
    .requiredOption('--dir <dir>', "the device's storage folder")
    .action(runLazily(async () => (await import('../actions/device-actions.js')).readyDevice, DEVICE_RUN));

  device
    .command('clear-failed')
    .description('allow releases that failed their trial on this device to be downloaded again (clearFailed())')
    .requiredOption('--dir <dir>', "the device's storage folder")
    .option('--release <releaseId>', 'only this release (default: every failed release)')
    .action(runLazily(async () => (await import('../actions/device-actions.js')).clearFailedReleases, DEVICE_RUN));

  device
    .command('status')
    .description("the device's confirmed, pending, trial and failed releases")
    .requiredOption('--dir <dir>', "the device's storage folder")
    .action(runLazily(async () => (await import('../actions/device-actions.js')).deviceStatus, DEVICE_RUN));
}
