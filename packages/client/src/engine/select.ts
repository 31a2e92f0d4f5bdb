import {
  chooseRelease,
  compareVersions,
  DIRECTOR_ROLE,
  findDelegation,
  matchesPathPattern,
  pointerTargetPath,
  RELEASES_ROLE,
  UpdraftError,
  type ChosenRelease,
  type DeviceTarget,
  type ReleaseVersion,
  type TargetsSigned,
} from '@updraft/protocol';
import type { TrustedSet } from './refresh.js';
import { maxVersion, type DeviceState, type InstalledRelease } from '../state/state.js';

export type Decision =
  /** The channel has nothing for this device (no pointer, or outside the rollout). */
  | { kind: 'none' }
  /** The device already holds the chosen release. */
  | { kind: 'held'; release: InstalledRelease }
  /** The chosen release crashed here before: never downloaded again. */
  | { kind: 'failed-before'; chosen: ChosenRelease }
  | { kind: 'install'; chosen: ChosenRelease };

/** protocol.md §4 steps 7-8 over verified metadata. */
export function selectRelease(set: TrustedSet, device: DeviceTarget): ChosenRelease | null {
  const chosen = chooseRelease(set.director.signed, set.releases.signed, device);
  if (!chosen) return null;
  // chooseRelease checks the fixed path patterns; TUF also requires the delegation that
  // targets signed to cover the path, so a targets role that narrowed it is obeyed.
  checkDelegationCovers(
    set.targets.signed,
    DIRECTOR_ROLE,
    pointerTargetPath(device.channel, device.platform, device.runtimeVersion),
  );
  checkDelegationCovers(set.targets.signed, RELEASES_ROLE, chosen.targetPath);
  // Only root raises the epoch: a release signed into a later one (a stolen releases key
  // trying to lift every device's floor out of reach) is refused.
  if (chosen.release.epoch > set.root.signed.epoch) {
    throw new UpdraftError(
      'wrong-target',
      `release ${chosen.release.releaseId} has epoch ${chosen.release.epoch}, above the root's epoch ${set.root.signed.epoch}`,
    );
  }
  return chosen;
}

function checkDelegationCovers(targets: TargetsSigned, role: string, targetPath: string): void {
  const delegation = findDelegation(targets, role);
  if (!(delegation.paths ?? []).some((p) => matchesPathPattern(targetPath, p))) {
    throw new UpdraftError('wrong-target', `targets does not delegate ${targetPath} to the ${role} role`);
  }
}

/**
 * The version no release may go below: the floor, and never lower than what the device
 * runs now (defends against a floor lost with a damaged state file).
 */
export function effectiveFloor(state: DeviceState): ReleaseVersion {
  let floor = state.floor;
  for (const r of [state.confirmed, state.trial]) if (r) floor = maxVersion(floor, r);
  return floor;
}

/** The device's version rule (protocol.md §4 step 8). Throws `rollback` below the floor. */
export function decide(chosen: ChosenRelease | null, state: DeviceState): Decision {
  if (!chosen) return { kind: 'none' };
  const id = chosen.release.releaseId;
  const held = [state.pending, state.trial, state.confirmed].find((r) => r?.releaseId === id);
  if (held) return { kind: 'held', release: held };
  if (state.failed.some((f) => f.releaseId === id)) return { kind: 'failed-before', chosen };
  const floor = effectiveFloor(state);
  if (compareVersions(chosen.release, floor) < 0) {
    throw new UpdraftError(
      'rollback',
      `release ${id} (epoch ${chosen.release.epoch}, versionCode ${chosen.release.versionCode}) is older than this ` +
        `device's floor (epoch ${floor.epoch}, versionCode ${floor.versionCode})`,
    );
  }
  return { kind: 'install', chosen };
}
