import type { releasesApi, ServedEnvelope, trustApi } from '@updraft/api';
import type { ExpiryPolicy } from '../expiry.js';

/**
 * The network side of the publisher workflows: what they read from and send to an Updraft
 * server's admin API. The CLI implements it with its admin client, a test with anything that
 * answers the same; the workflows never see HTTP, so this package needs no server to run.
 * Errors (a refusal, a conflict) propagate unchanged to the workflow's caller.
 */
export interface PublisherServer {
  /** The releases metadata the server serves now (GET /v1/apps/:appId/releases-metadata). */
  releasesMetadata(appId: string): Promise<ServedEnvelope>;
  /**
   * The releases the next releases version must keep: the current or previous release of any
   * channel pointer and every release a scheduled deployment names
   * (GET /v1/apps/:appId/releases-in-use).
   */
  releasesInUse(appId: string): Promise<string[]>;
  /**
   * The releases version that added a release, as the server recorded it at publish
   * (GET /v1/apps/:appId/releases/:releaseId, `releasesVersion`); null when the server has no
   * such release.
   */
  releasesVersionOf(appId: string, releaseId: string): Promise<number | null>;
  /**
   * One earlier version of the releases metadata as the repository serves it forever
   * (GET /repo/:appId/metadata/<version>.releases.json). The workflow checks its signature.
   */
  releasesMetadataVersion(appId: string, version: number): Promise<ServedEnvelope>;
  /** The app's metadata lifetimes as stored, without defaults (GET /v1/apps/:appId/expiry). */
  expiryPolicy(appId: string): Promise<Partial<ExpiryPolicy>>;
  /** Stores content-addressed bytes (PUT /v1/apps/:appId/blobs/:sha256). */
  putBlob(appId: string, sha256: string, bytes: Uint8Array): Promise<void>;
  /**
   * A target file of the app's repository as served to devices (GET /repo/:appId/targets/…,
   * by its consistent path). The workflow checks its length and hash against the signed ones.
   */
  targetFile(appId: string, targetPath: string, sha256: string, what: string): Promise<Uint8Array>;
  /** Sends new signed releases metadata naming a new release (POST /v1/apps/:appId/releases). */
  publishRelease(appId: string, body: PublishBody): Promise<PublishedRelease>;
  /** Sends new offline metadata, accepted together or not at all (POST /v1/apps/:appId/metadata). */
  pushMetadata(appId: string, body: MetadataPush): Promise<PushedMetadata>;
}

/** New versions of the offline roles, fully signed: the body of POST /v1/apps/:appId/metadata. */
export type MetadataPush = trustApi.UploadMetadataBody;

/** What the server answers to a metadata push. */
export interface PushedMetadata {
  rootVersion: number;
  targetsVersion: number;
  releasesVersion: number;
  /** Online keys (snapshot, timestamp, director) the new root or targets made current. */
  activated: { role: string; keyid: string }[];
}

/** The body of POST /v1/apps/:appId/releases. */
export type PublishBody = releasesApi.PublishBody;

/** Rollout, mandatory, targeting, notes, start time, channel creation: what a publish asks of the channel. */
export type PublishDeploy = Omit<PublishBody, 'releases' | 'releaseId' | 'channel'>;

/** What the server answers to a publish: the release, and the releases its new listing dropped. */
export type PublishedRelease = releasesApi.PublishResult;
