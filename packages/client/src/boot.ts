import { maxVersion, withFailed, type DeviceState, type FailedRelease, type InstalledRelease } from './state.js';

/**
 * The boot state machine as pure transitions (protocol.md "Boot state machine"). The
 * client writes the returned state before it runs any code, which is what makes the
 * rule hold when the app dies at any instant.
 */

export interface LaunchPlan {
  next: DeviceState;
  /** What to launch; null means the embedded bundle (or nothing). */
  run: InstalledRelease | null;
  /** True when `run` starts its trial now. */
  startsTrial: boolean;
  rolledBack: FailedRelease | null;
}

export function planLaunch(state: DeviceState): LaunchPlan {
  if (state.trial) {
    // The previous launch never confirmed: it crashed, hung or was killed.
    const failed = state.trial;
    return {
      next: { ...state, trial: null, failed: withFailed(state, failed) },
      run: state.confirmed,
      startsTrial: false,
      rolledBack: { releaseId: failed.releaseId, versionCode: failed.versionCode, epoch: failed.epoch },
    };
  }
  if (state.pending) {
    const trial = state.pending;
    return {
      next: { ...state, pending: null, trial, floor: maxVersion(state.floor, trial) },
      run: trial,
      startsTrial: true,
      rolledBack: null,
    };
  }
  return { next: state, run: state.confirmed, startsTrial: false, rolledBack: null };
}

/** A pending release whose files are gone cannot start a trial; it is dropped (a later sync re-downloads it). */
export function dropPending(state: DeviceState): DeviceState {
  return { ...state, pending: null };
}

/** notifyAppReady(): null when there is no trial to confirm. */
export function planReady(state: DeviceState): DeviceState | null {
  const trial = state.trial;
  if (!trial) return null;
  const fallback = state.confirmed && state.confirmed.releaseId !== trial.releaseId ? state.confirmed : state.fallback;
  return { ...state, confirmed: trial, trial: null, fallback };
}
