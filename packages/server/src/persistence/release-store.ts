/**
 * Releases: what was published (the release records with their notes and disabling), the
 * blobs each app owns (the bytes live in the blob store) and the bundles app binaries embed.
 */

export interface ReleaseRecord {
  appId: string;
  releaseId: string;
  versionCode: number;
  epoch: number;
  platform: string;
  runtimeVersion: string;
  /** The channel it was first published to. */
  channel: string;
  manifestSha256: string;
  manifestLength: number;
  /** The releases metadata version that introduced it: a per-app publish order. */
  releasesVersion: number;
  createdAt: string;
}

export interface ReleaseExtras {
  notes: string | null;
  disabledAt: string | null;
}

export interface EmbeddedFile {
  path: string;
  sha256: string;
  length: number;
}

export interface EmbeddedBundle {
  platform: string;
  runtimeVersion: string;
  files: EmbeddedFile[];
  registeredAt: string;
}

export interface ReleaseStore {
  insertRelease(release: ReleaseRecord): Promise<void>;
  getRelease(appId: string, releaseId: string): Promise<ReleaseRecord | null>;
  listReleases(appId: string, filter: { channel?: string; limit: number }): Promise<ReleaseRecord[]>;
  maxVersionCode(appId: string, platform: string, runtimeVersion: string): Promise<number | null>;
  getReleaseExtras(appId: string, releaseId: string): Promise<ReleaseExtras | null>;
  setReleaseNotes(appId: string, releaseId: string, notes: string | null): Promise<void>;
  setReleaseDisabled(appId: string, releaseId: string, at: string): Promise<void>;
  /** Records that an app owns a blob (idempotent). */
  addAppBlob(appId: string, blob: { sha256: string; length: number }, at: string): Promise<void>;
  /** The subset of `sha256s` this app owns, with their lengths. */
  findAppBlobs(appId: string, sha256s: readonly string[]): Promise<Map<string, number>>;
  /** Recorded blobs in hash order, all or one app's, a page after `after` at a time (for scrubbing). */
  listBlobs(opts: { appId?: string; after?: string; limit: number }): Promise<{ sha256: string; length: number }[]>;
  /** The bundle an app binary ships for (platform, runtimeVersion), for patching against. */
  getEmbeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle | null>;
  putEmbeddedBundle(appId: string, bundle: EmbeddedBundle): Promise<void>;
}
