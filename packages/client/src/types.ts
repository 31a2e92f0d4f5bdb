import type { ReasonCode } from '@updraft/protocol';

export type SyncStatus = 'updated' | 'up-to-date' | 'rejected' | 'failed';

export interface SyncResult {
  /**
   * `failed`: the network or the device's storage let the cycle down; try again later.
   * `rejected`: the server offered something that did not verify; retrying will not help.
   */
  status: SyncStatus;
  /** The newest release the device holds after the cycle (pending, else trial, else confirmed). */
  release: string | null;
  versionCode: number | null;
  /** Payload bytes of release files fetched over the network (not metadata, manifests or reused files). */
  bytesDownloaded: number;
  reason?: ReasonCode;
  message?: string;
  /** For `updated`: the channel marks this release mandatory, so the app may restart now. */
  mandatory?: boolean;
}

export interface ReleaseSummary {
  releaseId: string;
  versionCode: number;
}

export interface LaunchResult {
  /** Absolute platform path of the file to run, or the embedded bundle's path, or null. */
  launchPath: string | null;
  /** null when launching the embedded bundle (or nothing). */
  releaseId: string | null;
  versionCode: number | null;
  /** Set when this launch found an unconfirmed trial and went back. */
  rolledBack?: ReleaseSummary;
}

export interface ClientStatus {
  confirmed: ReleaseSummary | null;
  pending: ReleaseSummary | null;
  trial: ReleaseSummary | null;
  fallback: ReleaseSummary | null;
  failed: ReleaseSummary[];
}
