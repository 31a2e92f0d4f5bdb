import type { ExpiryPolicy, KeyFile } from '@updraft/signing';

/**
 * Trust: the apps, the signed TUF metadata the server serves (every role, every version), the
 * online keys it signs with and their rotation candidates, and each app's expiry policy.
 */

// The role vocabulary is the protocol's: roles whose keys the server holds (it signs these
// online), and every role of an app's repository, each stored as immutable versions.
import type { MetadataRole, OnlineRole } from '@updraft/protocol';
export { METADATA_ROLES, ONLINE_ROLES, type MetadataRole, type OnlineRole } from '@updraft/protocol';

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

/** An online key generated for a rotation, waiting for a root or targets version that lists it. */
export interface OnlineKeyCandidate {
  role: OnlineRole;
  key: KeyFile;
  createdAt: string;
}

export interface TrustStore {
  /** Returns false (and changes nothing) when the app already exists. */
  createApp(app: { appId: string; createdAt: string; onlineKeys: Record<OnlineRole, KeyFile> }): Promise<boolean>;
  getApp(appId: string): Promise<AppRecord | null>;
  listApps(): Promise<AppRecord[]>;
  markTrustInitialized(appId: string, at: string): Promise<void>;
  /**
   * Inside a transaction: another transaction that locks the same app waits until this one
   * ends (its reads then see what this one committed). Changes nothing.
   */
  lockApp(appId: string): Promise<void>;
  getOnlineKeys(appId: string): Promise<Record<OnlineRole, KeyFile> | null>;
  /** Makes `key` the one the server signs `role` with, and forgets it as a candidate. */
  setOnlineKey(appId: string, role: OnlineRole, key: KeyFile, at: string): Promise<void>;
  addOnlineKeyCandidate(appId: string, candidate: OnlineKeyCandidate): Promise<void>;
  listOnlineKeyCandidates(appId: string): Promise<OnlineKeyCandidate[]>;
  /** Only the fields the app set; the caller fills in defaults. Null when it never set any. */
  getExpiryPolicy(appId: string): Promise<Partial<ExpiryPolicy> | null>;
  putExpiryPolicy(appId: string, policy: Partial<ExpiryPolicy>, at: string): Promise<void>;
  /** Throws StoreConflictError when that (app, role, version) exists. */
  putMetadata(metadata: StoredMetadata): Promise<void>;
  getMetadata(appId: string, role: MetadataRole, version: number): Promise<StoredMetadata | null>;
  getLatestMetadata(appId: string, role: MetadataRole): Promise<StoredMetadata | null>;
  /** The newest version number alone (an index lookup, no bytes): for caches keyed by version. */
  getLatestMetadataVersion(appId: string, role: MetadataRole): Promise<number | null>;
}
