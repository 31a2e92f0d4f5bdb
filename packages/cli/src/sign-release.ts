import { ErrorCode } from '@updraft/api';
import { assertIdentifier, signedForChannel } from '@updraft/protocol';
import { publishRelease, type PublishDeploy, type PublishedRelease, type PublishInput } from '@updraft/signing';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';
import { deployBody, type DeployFlags } from './commands/deploy-options.js';
import { publisherServer } from './publisher-server.js';

/**
 * The CLI around the publish workflow of @updraft/signing: the identifiers and deploy flags it
 * checks, and the retry when another publish got in first.
 */

const MAX_ATTEMPTS = 3;

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

/** publishRelease, again when another publish changed the releases metadata meanwhile. */
export async function publishWithRetry(api: AdminApi, input: PublishInput): Promise<PublishedRelease> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      return await publishRelease(publisherServer(api), input);
    } catch (err) {
      lastError = err;
      if (!(err instanceof CliError && err.code === ErrorCode.releasesChanged)) throw err;
    }
  }
  throw lastError;
}
