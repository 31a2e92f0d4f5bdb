import {
  manifestTargetPath,
  parseJsonObject,
  parseManifest,
  parseReleaseCustom,
  sha256Hex,
  type ReleaseManifest,
  type TargetsSigned,
} from '@updraft/protocol';
import { SigningError } from '../errors.js';
import { expiresAfter, withDefaults } from '../expiry.js';
import type { Signer } from '../keys.js';
import { isoSeconds } from '../time.js';
import type { PublishedRelease, PublisherServer } from './publisher-server.js';
import {
  checkKeep,
  DEFAULT_KEEP_RELEASES,
  manifestBlob,
  newReleaseId,
  nextReleaseTargets,
  signNextReleases,
  trustedReleases,
} from './releases.js';

/**
 * A rollback is a step forward: a NEW release (next versionCode) whose manifest lists an
 * earlier release's files, so devices that already run something newer install it (their
 * floor only lets versionCode go up), and nothing is uploaded again: the server already holds
 * every file by hash. The earlier release need not be in the current listing any more: its
 * signed target is read from the releases version that added it (kept forever).
 */

export interface RollbackInput {
  appId: string;
  /** The channel to point at the new release; the only channel it is signed for. */
  channel: string;
  /** The earlier release whose files the new one runs. */
  fromReleaseId: string;
  releasesKey: Signer;
  /** The release epoch the app's newest root allows. */
  epoch: number;
  /** As PublishInput's: the newest releases of each platform and runtime version kept (1–1000). */
  keep?: number;
  /** Milliseconds since the epoch; the release id, createdAt and expiry come from it. */
  now?: () => number;
}

type SignedTarget = TargetsSigned['targets'][string];

/** The earlier release's manifest, checked against the hash and length its signed target gives. */
async function earlierManifest(
  server: PublisherServer,
  appId: string,
  releaseId: string,
  sha256: string,
  length: number,
): Promise<ReleaseManifest> {
  const bytes = await server.targetFile(appId, manifestTargetPath(releaseId), sha256, `the manifest of ${releaseId}`);
  if (bytes.length !== length || sha256Hex(bytes) !== sha256) {
    throw new SigningError(
      'untrusted-server',
      `the manifest of ${releaseId} the server sent does not match its signed hash; do not publish to this server until you have checked it`,
    );
  }
  return parseManifest(parseJsonObject(bytes, 'release manifest'));
}

/**
 * The earlier release's signed target: from the current listing, or, once the keep rule has
 * dropped it, from the releases version that added it, accepted only under the publisher's own
 * releases key (so a server cannot make the publisher re-sign files it never published).
 */
async function earlierTarget(
  server: PublisherServer,
  input: RollbackInput,
  current: TargetsSigned,
): Promise<SignedTarget> {
  const { appId, fromReleaseId } = input;
  const path = manifestTargetPath(fromReleaseId);
  const listed = current.targets[path];
  if (listed) return listed;
  const version = await server.releasesVersionOf(appId, fromReleaseId);
  if (version === null) {
    throw new SigningError(
      'not-found',
      `release ${fromReleaseId} is not a release of ${appId}; see updraft release list --app ${appId}`,
    );
  }
  const added = trustedReleases(
    await server.releasesMetadataVersion(appId, version),
    input.releasesKey,
    `releases version ${version}, which added ${fromReleaseId}, is not signed by your releases key (was the key rotated since?); roll back to a release signed by the current key, or publish its files again`,
  );
  const target = added.targets[path];
  if (added.version !== version || !target) {
    throw new SigningError(
      'untrusted-server',
      `the server says releases version ${version} added ${fromReleaseId}, but that version does not list it; do not publish to this server until you have checked it`,
    );
  }
  return target;
}

/**
 * One rollback attempt; the server refuses it when another publish changed the releases
 * metadata meanwhile (releases-changed) or a release it drops came into use (release-in-use).
 */
export async function rollbackRelease(server: PublisherServer, input: RollbackInput): Promise<PublishedRelease> {
  const now = input.now ?? Date.now;
  const keep = checkKeep(input.keep ?? DEFAULT_KEEP_RELEASES);
  const { appId, channel, fromReleaseId } = input;
  const releases = trustedReleases(await server.releasesMetadata(appId), input.releasesKey);
  const from = await earlierTarget(server, input, releases);
  const fromCustom = parseReleaseCustom(from.custom, fromReleaseId);
  const old = await earlierManifest(server, appId, fromReleaseId, from.hashes['sha256']!, from.length);

  const { versionCode, targets } = nextReleaseTargets(
    releases.targets,
    fromCustom.platform,
    fromCustom.runtimeVersion,
    {
      keep,
      inUse: new Set(await server.releasesInUse(appId)),
    },
  );
  const releaseId = newReleaseId(now());
  const createdAt = isoSeconds(now());
  const blob = manifestBlob({ ...old, releaseId, versionCode, epoch: input.epoch, createdAt });
  await server.putBlob(appId, blob.sha256, blob.bytes);

  const policy = withDefaults(await server.expiryPolicy(appId));
  const signed = await signNextReleases({
    version: releases.version + 1,
    expires: expiresAfter(now(), policy.releases),
    targets,
    manifest: blob,
    custom: {
      appId,
      releaseId,
      platform: old.platform,
      runtimeVersion: old.runtimeVersion,
      versionCode,
      epoch: input.epoch,
      channels: [channel],
      createdAt,
    },
    signers: [input.releasesKey],
  });
  return server.publishRelease(appId, { releases: signed, releaseId, channel });
}
