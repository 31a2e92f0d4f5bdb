import { ErrorCode } from '@updraft/api';
import { assertIdentifier, signedForChannel } from '@updraft/protocol';
import {
  localSigner,
  publishRelease,
  type KeyFile,
  type PublishDeploy,
  type PublishedRelease,
  type PublishInput,
} from '@updraft/signing';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';
import { deployBody, type DeployFlags } from './commands/deploy-options.js';
import { publishProvenance } from './provenance.js';
import { publisherServer } from './publisher-server.js';

/**
 * The CLI around the publish workflow of @updraft/signing: the identifiers and deploy flags it
 * checks, and the retry when another publish got in first (`--keep-releases`: keep-releases.ts).
 */

const MAX_ATTEMPTS = 3;

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
export async function deployPlan(
  opts: DeployFlags & { notes?: string; createChannel?: boolean; allowChannels?: string },
  channel: string,
): Promise<{ deploy: PublishDeploy; channels: string[] }> {
  const deploy: PublishDeploy = await deployBody(opts);
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

/**
 * A publish signed on this machine, as both the bundle and the Expo publish send it: the
 * releases key read from the app's keys folder, and a build provenance statement signed with
 * the builder key when there is one (null with --no-provenance).
 */
export interface LocalPublish extends Omit<PublishInput, 'launch' | 'releasesKey' | 'provenance'> {
  launch: { path: string; sha256: string };
  releasesKey: KeyFile;
  builderKey: KeyFile | null;
  /** The folder the bundle was built from, described in the provenance. */
  sourceDir: string;
  startedOn: string;
}

/** publishWithRetry of a LocalPublish. */
export function publishSigned(api: AdminApi, p: LocalPublish): Promise<PublishedRelease> {
  const { launch, releasesKey, builderKey, sourceDir, startedOn, ...input } = p;
  return publishWithRetry(api, {
    ...input,
    launch: launch.path,
    releasesKey: localSigner(releasesKey),
    provenance: builderKey
      ? (releaseId, manifestSha256) =>
          publishProvenance(api, {
            appId: p.appId,
            releaseId,
            platform: p.platform,
            runtimeVersion: p.runtimeVersion,
            channel: p.channel,
            manifestSha256,
            launch: { path: launch.path, sha256: launch.sha256 },
            builderKey,
            sourceDir,
            startedOn,
          })
      : null,
  });
}
