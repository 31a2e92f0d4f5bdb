import type { FilePatch, ManifestFile } from '@updraft/protocol';
import type { ProvenanceRef } from '@updraft/protocol/transparency';
import { expiresAfter, withDefaults } from '../expiry.js';
import type { Signer } from '../keys.js';
import { isoSeconds } from '../time.js';
import type { PublishDeploy, PublishedRelease, PublisherServer } from './publisher-server.js';
import {
  checkKeep,
  DEFAULT_KEEP_RELEASES,
  manifestBlob,
  newReleaseId,
  nextReleaseTargets,
  releaseDocuments,
  signNextReleases,
  trustedReleases,
} from './releases.js';

/**
 * Publishing a release: the manifest of the bundle's files, added as a target to the server's
 * current releases metadata (checked against the publisher's own key first) and signed with
 * the releases key, carrying over what the keep rule keeps. What `updraft publish` does for
 * every kind of bundle folder.
 */

export interface PublishInput {
  appId: string;
  platform: string;
  runtimeVersion: string;
  /** The channel to point at the release. */
  channel: string;
  /** The channels the release may ever be served on (signed into it), `*` for any. */
  channels: string[];
  /** The file that starts the app, one of `files`. */
  launch: string;
  /** The bundle's files as the manifest lists them (already uploaded, or uploaded by the caller). */
  files: readonly Omit<ManifestFile, 'patches'>[];
  /** Patches that build a file from one a device may hold, by file path. */
  patches?: ReadonlyMap<string, FilePatch[]>;
  releasesKey: Signer;
  /** The release epoch the app's newest root allows. */
  epoch: number;
  /** Signs and uploads the build provenance; its reference goes into the signed release target. */
  provenance?: ((releaseId: string, manifestSha256: string) => Promise<ProvenanceRef>) | null;
  /** Rollout, mandatory, targeting, notes, start time, channel creation: sent with the publish as is. */
  deploy?: PublishDeploy;
  /**
   * The newest releases of each platform and runtime version the new releases version keeps,
   * this one counting (1–1000; DEFAULT_KEEP_RELEASES): older ones not in use leave the listing.
   */
  keep?: number;
  /** Milliseconds since the epoch; the release id, createdAt and expiry come from it. */
  now?: () => number;
}

/**
 * One publish attempt; the server refuses it when another publish changed the releases metadata
 * meanwhile (releases-changed) or a release it drops came into use meanwhile (release-in-use).
 */
export async function publishRelease(server: PublisherServer, input: PublishInput): Promise<PublishedRelease> {
  const now = input.now ?? Date.now;
  const keep = checkKeep(input.keep ?? DEFAULT_KEEP_RELEASES);
  const current = trustedReleases(await server.releasesMetadata(input.appId), input.releasesKey);
  const { versionCode, targets } = nextReleaseTargets(current.targets, input.platform, input.runtimeVersion, {
    keep,
    inUse: new Set(await server.releasesInUse(input.appId)),
  });

  const releaseId = newReleaseId(now());
  const createdAt = isoSeconds(now());
  const { manifest, custom } = releaseDocuments({
    appId: input.appId,
    releaseId,
    platform: input.platform,
    runtimeVersion: input.runtimeVersion,
    versionCode,
    epoch: input.epoch,
    launch: input.launch,
    createdAt,
    files: input.files,
    patches: input.patches,
    channels: input.channels,
  });
  const blob = manifestBlob(manifest);
  await server.putBlob(input.appId, blob.sha256, blob.bytes);

  const provenance = input.provenance ? await input.provenance(releaseId, blob.sha256) : null;
  const releases = await signNextReleases({
    version: current.version + 1,
    expires: expiresAfter(now(), withDefaults(await server.expiryPolicy(input.appId)).releases),
    targets,
    manifest: blob,
    custom,
    provenance,
    signers: [input.releasesKey],
  });
  return server.publishRelease(input.appId, {
    releases,
    releaseId,
    channel: input.channel,
    ...input.deploy,
  });
}
