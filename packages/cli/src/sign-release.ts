import { ErrorCode } from '@updraft/api';
import { assertIdentifier, signedForChannel } from '@updraft/protocol';
import type { Command } from 'commander';
import {
  DEFAULT_KEEP_RELEASES,
  MAX_KEEP_RELEASES,
  publishRelease,
  type PublishDeploy,
  type PublishedRelease,
  type PublishInput,
} from '@updraft/signing';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';
import { deployBody, type DeployFlags } from './commands/deploy-options.js';
import { publisherServer } from './publisher-server.js';

/**
 * The CLI around the publish workflow of @updraft/signing: the identifiers and deploy flags it
 * checks, `--keep-releases`, and the retry when another publish got in first.
 */

const MAX_ATTEMPTS = 3;

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

/**
 * One signing of the next releases version, again when the server refused it because another
 * publish changed the releases metadata meanwhile (releases-changed) or a release it drops came
 * into use meanwhile (release-in-use): each attempt reads the server's state afresh.
 * MAX_ATTEMPTS in all.
 */
export async function retryReleasesConflict<T>(attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      const retry =
        err instanceof CliError && (err.code === ErrorCode.releasesChanged || err.code === ErrorCode.releaseInUse);
      if (!retry) throw err;
    }
  }
  throw lastError;
}

/**
 * The line a publish or rollback prints when its signed listing dropped releases (nothing when
 * it dropped none): they cannot be promoted any more, and a rollback lists one again.
 */
export function droppedReleasesLine(dropped: readonly string[], appId: string, channel: string): string[] {
  if (dropped.length === 0) return [];
  const n = dropped.length === 1 ? '1 older release is' : `${dropped.length} older releases are`;
  return [
    `  ${n} no longer listed (${dropped.join(', ')}); roll back to one to list it again: updraft release rollback <releaseId> --app ${appId} --channel ${channel}`,
  ];
}

export function assertCliIdentifier(value: string, flag: string): string {
  try {
    return assertIdentifier(value, flag);
  } catch (err) {
    throw new CliError('usage', (err as Error).message, { exitCode: 2 });
  }
}

/**
 * What a publish asks of the channel (rollout, mandatory, targeting, start time, notes,
 * channel creation) and the channels the release may ever be served on: `--allow-channels`,
 * always with `--channel`.
 */
export function deployPlan(
  opts: DeployFlags & { notes?: string; createChannel?: boolean; allowChannels?: string },
  channel: string,
): { deploy: PublishDeploy; channels: string[] } {
  const deploy: PublishDeploy = deployBody(opts);
  if (opts.notes !== undefined) deploy.notes = opts.notes;
  if (opts.createChannel) deploy.createChannel = true;
  const channels = (opts.allowChannels ?? channel)
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of channels) if (c !== '*') assertCliIdentifier(c, '--allow-channels');
  if (!signedForChannel({ channels }, channel)) channels.push(channel);
  return { deploy, channels };
}

/** publishRelease, again when another publish got in first (retryReleasesConflict). */
export function publishWithRetry(api: AdminApi, input: PublishInput): Promise<PublishedRelease> {
  return retryReleasesConflict(() => publishRelease(publisherServer(api), input));
}
