import {
  manifestTargetPath,
  parseJsonObject,
  parseManifest,
  parseReleaseCustom,
  sha256Hex,
  type ReleaseManifest,
} from '@updraft/protocol';
import { SigningError } from '../errors.js';
import { expiresAfter, withDefaults } from '../expiry.js';
import type { Signer } from '../keys.js';
import { isoSeconds } from '../time.js';
import type { PublishedRelease, PublisherServer } from './publisher-server.js';
import { manifestBlob, newReleaseId, nextReleaseTargets, signNextReleases, trustedReleases } from './releases.js';

/**
 * A rollback is a step forward: a NEW release (next versionCode) whose manifest lists an
 * earlier release's files, so devices that already run something newer install it (their
 * floor only lets versionCode go up), and nothing is uploaded again: the server already holds
 * every file by hash.
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
  /** Milliseconds since the epoch; the release id, createdAt and expiry come from it. */
  now?: () => number;
}

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

/** One rollback attempt; the server refuses it when another publish changed the releases metadata meanwhile. */
export async function rollbackRelease(server: PublisherServer, input: RollbackInput): Promise<PublishedRelease> {
  const now = input.now ?? Date.now;
  const { appId, channel, fromReleaseId } = input;
  const releases = trustedReleases(await server.releasesMetadata(appId), input.releasesKey);
  const from = releases.targets[manifestTargetPath(fromReleaseId)];
  if (!from)
    throw new SigningError(
      'not-found',
      `release ${fromReleaseId} is not in ${appId}'s signed releases; see updraft release list --app ${appId}`,
    );
  const fromCustom = parseReleaseCustom(from.custom, fromReleaseId);
  const old = await earlierManifest(server, appId, fromReleaseId, from.hashes['sha256']!, from.length);

  const { versionCode, targets } = nextReleaseTargets(releases.targets, fromCustom.platform, fromCustom.runtimeVersion);
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
