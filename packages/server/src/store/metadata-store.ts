import type { ExpiryPolicy, KeyFile } from '@updraft/signing';
import type { TransparencyLogStore } from './log-store.js';
import type { ControlPlaneStore } from './control-plane-store.js';
import type { InsightStore } from './insight-store.js';
import type { CodePushStore } from '../codepush/store.js';
import type { ExpoStore } from '../expo/store.js';
import type { SourcemapStore } from '../sourcemaps/store.js';

/**
 * Everything the server remembers except file bytes, as domain operations. Services depend on
 * this interface only, so SQLite (default) and PostgreSQL (later) are interchangeable and a
 * shared scenario suite can run against each.
 */

/** Roles whose keys the server holds; it signs these online. */
export type OnlineRole = 'snapshot' | 'timestamp' | 'director';
export const ONLINE_ROLES: readonly OnlineRole[] = ['snapshot', 'timestamp', 'director'];

/** Every role of an app's repository, each stored as a sequence of immutable versions. */
export type MetadataRole = 'root' | 'targets' | 'releases' | 'director' | 'snapshot' | 'timestamp';
export const METADATA_ROLES: readonly MetadataRole[] = [
  'root',
  'targets',
  'releases',
  'director',
  'snapshot',
  'timestamp',
];

export interface AppRecord {
  appId: string;
  createdAt: string;
  /** Null until the publisher uploaded root, targets and releases v1. */
  trustInitializedAt: string | null;
}

export interface StoredMetadata {
  appId: string;
  role: MetadataRole;
  version: number;
  /** Exactly the bytes served to devices and hashed into snapshot/timestamp. */
  bytes: Uint8Array;
  sha256: string;
  length: number;
  /** The signed `expires`, kept as a column so a re-signing job can find what expires soon. */
  expiresAt: string;
  createdAt: string;
}

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

export interface ChannelRecord {
  appId: string;
  name: string;
  protected: boolean;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  keySha256: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** An online key generated for a rotation, waiting for a root or targets version that lists it. */
export interface OnlineKeyCandidate {
  role: OnlineRole;
  key: KeyFile;
  createdAt: string;
}

/** A unique key was already taken, e.g. another writer stored the same metadata version first. */
export class StoreConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
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

export interface MetadataStore {
  /** Organizations, principals, rollout state, schedules and the audit log, on this store's connection/transaction. */
  readonly control: ControlPlaneStore;
  /** Fleet insight: ingest keys, device events and rollups, guardrails, dashboard users and sessions. */
  readonly insight: InsightStore;
  /** CodePush compatibility: deployments, packages, labels, diff packages. */
  readonly codepush: CodePushStore;
  /** Expo Updates compatibility: signed manifests, the noUpdateAvailable signatures, rollBackToEmbedded directives. */
  readonly expo: ExpoStore;
  /** Source maps kept beside releases (never served to devices). */
  readonly sourcemaps: SourcemapStore;

  /**
   * Runs fn with a store bound to one transaction: all its writes commit together or not at
   * all. Only the `tx` argument may be used inside fn (the embedded SQLite store has a single
   * connection, so using the outer store there would wait forever).
   */
  transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T>;

  /** The transparency log's tables, bound to the same connection or transaction. */
  readonly log: TransparencyLogStore;

  /** One round trip to the database; throws when it cannot be reached (for /readyz). */
  ping(): Promise<void>;

  /** Returns false (and changes nothing) when the app already exists. */
  createApp(app: { appId: string; createdAt: string; onlineKeys: Record<OnlineRole, KeyFile> }): Promise<boolean>;
  getApp(appId: string): Promise<AppRecord | null>;
  listApps(): Promise<AppRecord[]>;
  markTrustInitialized(appId: string, at: string): Promise<void>;
  getOnlineKeys(appId: string): Promise<Record<OnlineRole, KeyFile> | null>;
  /** Makes `key` the one the server signs `role` with, and forgets it as a candidate. */
  setOnlineKey(appId: string, role: OnlineRole, key: KeyFile, at: string): Promise<void>;
  addOnlineKeyCandidate(appId: string, candidate: OnlineKeyCandidate): Promise<void>;
  listOnlineKeyCandidates(appId: string): Promise<OnlineKeyCandidate[]>;

  /** Only the fields the app set; the caller fills in defaults. Null when it never set any. */
  getExpiryPolicy(appId: string): Promise<Partial<ExpiryPolicy> | null>;
  /** The bundle an app binary ships for (platform, runtimeVersion), for patching against. */
  getEmbeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle | null>;
  putEmbeddedBundle(appId: string, bundle: EmbeddedBundle): Promise<void>;
  putExpiryPolicy(appId: string, policy: Partial<ExpiryPolicy>, at: string): Promise<void>;

  /** Throws StoreConflictError when that (app, role, version) exists. */
  putMetadata(metadata: StoredMetadata): Promise<void>;
  getMetadata(appId: string, role: MetadataRole, version: number): Promise<StoredMetadata | null>;
  getLatestMetadata(appId: string, role: MetadataRole): Promise<StoredMetadata | null>;
  /** The newest version number alone (an index lookup, no bytes): for caches keyed by version. */
  getLatestMetadataVersion(appId: string, role: MetadataRole): Promise<number | null>;

  /** Records that an app owns a blob (idempotent). */
  addAppBlob(appId: string, blob: { sha256: string; length: number }, at: string): Promise<void>;
  /** The subset of `sha256s` this app owns, with their lengths. */
  findAppBlobs(appId: string, sha256s: readonly string[]): Promise<Map<string, number>>;
  /** Recorded blobs in hash order, all or one app's, a page after `after` at a time (for scrubbing). */
  listBlobs(opts: { appId?: string; after?: string; limit: number }): Promise<{ sha256: string; length: number }[]>;

  insertRelease(release: ReleaseRecord): Promise<void>;
  getRelease(appId: string, releaseId: string): Promise<ReleaseRecord | null>;
  listReleases(appId: string, filter: { channel?: string; limit: number }): Promise<ReleaseRecord[]>;
  maxVersionCode(appId: string, platform: string, runtimeVersion: string): Promise<number | null>;

  /** Creates the channel unless it exists. */
  ensureChannel(appId: string, name: string, at: string): Promise<void>;
  listChannels(appId: string): Promise<ChannelRecord[]>;

  countApiKeys(): Promise<number>;
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyBySha256(keySha256: string): Promise<ApiKeyRecord | null>;
  touchApiKey(id: string, at: string): Promise<void>;

  /**
   * Takes or renews the lease `name` for `holder` until nowMs + ttlMs. True when the caller
   * holds it now: it was free, expired, or already the caller's. Atomic across every process
   * sharing the database, so a scheduled job guarded by it runs on one instance at a time.
   */
  tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs?: number): Promise<boolean>;
  /** Gives the lease up early if `holder` has it (no-op otherwise). */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Releases the underlying connection(s). */
  close(): Promise<void>;
}
