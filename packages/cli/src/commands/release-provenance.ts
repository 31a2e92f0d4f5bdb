import type { Command } from 'commander';
import { runLazily } from '../run.js';

/** `updraft release provenance <releaseId>`: the release's signed build provenance, verified. */
export function registerReleaseProvenance(program: Command): void {
  const release =
    program.commands.find((c) => c.name() === 'release') ?? program.command('release').description('releases');
  release
    .command('provenance <releaseId>')
    .description('show and verify the signed SLSA provenance of a release')
    .requiredOption('--app <appId>', 'the app')
    .option('--keys <dir>', "folder with the app's releases key, to check the release signature too")
    .action(runLazily(async () => (await import('../actions/release-provenance-actions.js')).showProvenance));
}
