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
  /**
   * Bytes received on the wire for release files and patches (not metadata, manifests, or
   * files reused from the device).
   */
  bytesDownloaded: number;
  /** For `updated`: how the release's files were obtained, and any patch that failed. */
  delta?: DeltaSummary;
  reason?: ReasonCode;
  message?: string;
  /** For `updated`: the channel marks this release mandatory, so the app may restart now. */
  mandatory?: boolean;
  /**
   * For `up-to-date`: the channel offers this release, but it failed its trial on this device
   * before, so it is not downloaded again until clearFailed() allows it.
   */
  failedBefore?: ReleaseSummary;
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

/** How an installed release's files were obtained (docs/protocol.md §4 step 10). */
export interface DeltaSummary {
  /** Already on the device (an installed release or the embedded bundle). */
  filesReused: number;
  /** Built from a base the device holds and a signed patch. */
  filesPatched: number;
  /** Downloaded in full. */
  filesDownloaded: number;
  /** Patches that failed; each of their files was then downloaded in full. */
  patchFailures: PatchFailureReport[];
}

export interface PatchFailureReport {
  path: string;
  from: string;
  patch: string;
  reason: ReasonCode;
  message: string;
}

/** checkForUpdate(): what a sync would install, without installing it. */
export interface UpdateCheck {
  available: boolean;
  releaseId?: string;
  versionCode?: number;
  /** The channel marks the release mandatory: policies install it at once. */
  mandatory?: boolean;
  /** The channel offers a release that failed on this device before (see clearFailed()). */
  failedBefore?: string;
  /** Set when the check itself failed. */
  reason?: ReasonCode;
  message?: string;
}

export interface LaunchOptions {
  /**
   * The platform already runs the release the state names (its trial, else its confirmed
   * one) because an earlier launch() in this process switched to it: take that as this
   * launch instead of applying the boot rule again, which would count the switch as a
   * second launch of the trial.
   */
  adopt?: boolean;
}
