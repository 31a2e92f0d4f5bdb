import { isInRollout, matchesTargeting, parseRange, compareSemVer, parseSemVer, satisfies } from '@updraft/protocol';
import type { TargetingRules } from '@updraft/protocol';
import type { PointerRecord } from '../../persistence/persistence.js';
import type { CodePushLabel, CodePushPackage } from '../../persistence/codepush/codepush-store.js';

/**
 * Which package a CodePush device gets, from Updraft's own state of the channel: each
 * pointer of the deployment's channel and platform decides (with Updraft's rollout buckets,
 * salt and targeting) whether the device gets its current or previous release, exactly as
 * for Updraft's own devices; among those whose package is for the device's binary version,
 * the newest label wins (the reference server's "newest release the app version satisfies").
 */

export interface CodePushDevice {
  /** Normalised semver. */
  appVersion: string;
  packageHash: string | null;
  label: string | null;
  clientUniqueId: string | null;
  /** `is_companion`: the app version is not checked (the CodePush companion app). */
  isCompanion: boolean;
}

/** A label of the deployment with the package it names. */
export interface LabelledPackage {
  label: CodePushLabel;
  pkg: CodePushPackage;
  runtimeVersion: string;
}

export type CodePushAnswer =
  | { kind: 'update'; chosen: LabelledPackage; mandatory: boolean }
  | { kind: 'current'; chosen: LabelledPackage }
  | { kind: 'binary-update'; targetRange: string }
  | { kind: 'none' };

/** The binary versions a package is for: its target range, or its runtime version exactly. */
export function packageMatches(p: LabelledPackage, device: CodePushDevice): boolean {
  if (device.isCompanion) return true;
  if (p.pkg.targetRange !== null) return satisfies(device.appVersion, p.pkg.targetRange);
  return p.runtimeVersion === device.appVersion;
}

/** The newest label of each release. */
function newestLabelOf(labels: readonly LabelledPackage[]): Map<string, LabelledPackage> {
  const out = new Map<string, LabelledPackage>();
  for (const l of labels) {
    const seen = out.get(l.label.releaseId);
    if (!seen || seen.label.seq < l.label.seq) out.set(l.label.releaseId, l);
  }
  return out;
}

export function selectCodePushPackage(
  pointers: readonly PointerRecord[],
  labels: readonly LabelledPackage[],
  device: CodePushDevice,
): CodePushAnswer {
  const byRelease = newestLabelOf(labels);
  const attributes = { appVersion: device.appVersion };
  const served: LabelledPackage[] = [];
  const currents: LabelledPackage[] = [];
  for (const p of pointers) {
    const current = byRelease.get(p.releaseId);
    if (current) currents.push(current);
    const effective = p.haltedAt ? 0 : p.basisPoints;
    // A device that already runs the pointer's release keeps it: a rollout that shrinks or
    // halts stops new devices, it does not move devices back.
    const keeps = current !== undefined && device.packageHash === current.pkg.packageHash;
    const inRollout =
      effective >= 10_000 || (device.clientUniqueId !== null && isInRollout(p.salt, device.clientUniqueId, effective));
    let pick: LabelledPackage | undefined;
    if (keeps || (inRollout && matchesTargeting(p.targeting as TargetingRules | null, attributes))) pick = current;
    else if (p.previousReleaseId && matchesTargeting(p.previousTargeting as TargetingRules | null, attributes)) {
      pick = byRelease.get(p.previousReleaseId);
    }
    if (pick && packageMatches(pick, device)) served.push(pick);
  }
  const chosen = served.reduce<LabelledPackage | null>((a, b) => (a && a.label.seq > b.label.seq ? a : b), null);
  if (!chosen) {
    const newest = currents.reduce<LabelledPackage | null>((a, b) => (a && a.label.seq > b.label.seq ? a : b), null);
    if (newest?.pkg.targetRange && isBelowRange(device.appVersion, newest.pkg.targetRange)) {
      return { kind: 'binary-update', targetRange: newest.pkg.targetRange };
    }
    if (newest && newest.pkg.targetRange === null && isOlder(device.appVersion, newest.runtimeVersion)) {
      return { kind: 'binary-update', targetRange: newest.runtimeVersion };
    }
    return { kind: 'none' };
  }
  if (device.packageHash === chosen.pkg.packageHash) return { kind: 'current', chosen };
  // Mandatory when any package between the device's and the chosen one was (reference server).
  const deviceSeq =
    labels.find((l) => device.label !== null && `v${l.label.seq}` === device.label)?.label.seq ??
    labels.find((l) => l.pkg.packageHash === device.packageHash)?.label.seq ??
    0;
  const pointer = pointers.find((p) => p.releaseId === chosen.label.releaseId);
  const mandatory =
    (pointer?.mandatory ?? false) ||
    labels.some(
      (l) =>
        l.label.mandatory && l.label.seq > deviceSeq && l.label.seq <= chosen.label.seq && packageMatches(l, device),
    );
  return { kind: 'update', chosen, mandatory };
}

function isOlder(version: string, other: string): boolean {
  const a = parseSemVer(version);
  const b = parseSemVer(other);
  return a !== null && b !== null && compareSemVer(a, b) < 0;
}

/** True when every alternative of the range needs a newer version than `version` (only a new binary helps). */
function isBelowRange(version: string, range: string): boolean {
  const v = parseSemVer(version);
  if (!v || satisfies(version, range)) return false;
  return parseRange(range).every((and) =>
    and.some((c) => {
      const d = compareSemVer(v, c.version);
      return (c.op === '>' && d <= 0) || ((c.op === '>=' || c.op === '=') && d < 0);
    }),
  );
}
