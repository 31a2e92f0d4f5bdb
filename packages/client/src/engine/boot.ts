import {
  maxVersion,
  pruneFailed,
  withFailed,
  type DeviceState,
  type FailedRelease,
  type InstalledRelease,
} from '../state/state.js';

/**
 * The boot state machine as pure transitions (protocol.md "Boot state machine"). The
 * client writes the returned state before it runs any code, which is what makes the
 * rule hold when the app dies at any instant.
 */

export interface LaunchPlan {
  next: DeviceState;
  /** What to launch; null means the embedded bundle (or nothing). */
  run: InstalledRelease | null;
  /** True when `run` is a trial (its first launch or a retry under maxLaunchAttempts). */
  startsTrial: boolean;
  rolledBack: FailedRelease | null;
}

/**
 * @param maxLaunchAttempts launches a trial gets before a launch that still finds it
 *   unconfirmed rolls it back (1 = the first crash rolls back).
 */
export function planLaunch(state: DeviceState, maxLaunchAttempts = 1): LaunchPlan {
  if (state.trial) {
    if (state.trialLaunches < maxLaunchAttempts) {
      return {
        next: { ...state, trialLaunches: state.trialLaunches + 1 },
        run: state.trial,
        startsTrial: true,
        rolledBack: null,
      };
    }
    // The trial's launches never confirmed: they crashed, hung or were killed.
    return { ...rollBackTrial(state, state.trial), run: state.confirmed, startsTrial: false };
  }
  if (state.pending) {
    const trial = state.pending;
    return {
      next: { ...state, pending: null, trial, trialLaunches: 1, floor: maxVersion(state.floor, trial) },
      run: trial,
      startsTrial: true,
      rolledBack: null,
    };
  }
  return { next: state, run: state.confirmed, startsTrial: false, rolledBack: null };
}

function rollBackTrial(state: DeviceState, trial: InstalledRelease): { next: DeviceState; rolledBack: FailedRelease } {
  return {
    next: { ...state, trial: null, trialLaunches: 0, failed: withFailed(state, trial) },
    rolledBack: { releaseId: trial.releaseId, versionCode: trial.versionCode, epoch: trial.epoch },
  };
}

/**
 * notifyAppReady() did not come within its deadline: the running trial is marked failed
 * now, so whatever happens next (a reload, a kill) the device goes back. null without a trial.
 */
export function planTimeoutRollback(
  state: DeviceState,
  releaseId: string,
): { next: DeviceState; rolledBack: FailedRelease } | null {
  if (!state.trial || state.trial.releaseId !== releaseId) return null;
  return rollBackTrial(state, state.trial);
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
  return { ...state, confirmed: trial, trial: null, trialLaunches: 0, fallback, failed: pruneFailed(state, trial) };
}

/** The explicit way to give failed releases another chance: all of them, or the one named. */
export function planClearFailed(state: DeviceState, releaseId?: string): DeviceState | null {
  const failed = releaseId === undefined ? [] : state.failed.filter((f) => f.releaseId !== releaseId);
  return failed.length === state.failed.length ? null : { ...state, failed };
}
