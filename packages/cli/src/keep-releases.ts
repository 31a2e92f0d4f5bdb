import type { Command } from 'commander';
import { DEFAULT_KEEP_RELEASES, MAX_KEEP_RELEASES } from '@updraft/signing/vocabulary';
import { CliError } from './output.js';

/**
 * `--keep-releases <n>` on every command that signs a releases version (publish, rollback):
 * how many releases of each platform and runtime version the listing keeps besides those in use.
 */
export function addKeepReleasesOption(command: Command): Command {
  return command.option(
    '--keep-releases <n>',
    `releases of each platform and runtime version the signed listing keeps, besides those channels use (1–${MAX_KEEP_RELEASES})`,
    String(DEFAULT_KEEP_RELEASES),
  );
}

/** The `--keep-releases` value, refused as a usage error (exit 2) unless a whole number 1–1000. */
export function parseKeepReleases(value: string | undefined): number {
  if (value === undefined) return DEFAULT_KEEP_RELEASES;
  const keep = /^[0-9]+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(keep) || keep < 1 || keep > MAX_KEEP_RELEASES) {
    throw new CliError(
      'usage',
      `--keep-releases must be a whole number from 1 to ${MAX_KEEP_RELEASES} (releases of each platform and runtime version the signed listing keeps), not "${value}"`,
      { exitCode: 2 },
    );
  }
  return keep;
}
