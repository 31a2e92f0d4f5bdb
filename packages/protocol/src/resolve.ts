import { UpdraftError } from './errors.js';
import type { TargetFile, TargetsSigned } from './metadata.js';
import { manifestTargetPath, matchesPathPattern, pointerTargetPath, DIRECTOR_PATHS, RELEASES_PATHS } from './paths.js';
import {
  parsePointerCustom,
  parseReleaseCustom,
  signedForChannel,
  type PointerCustom,
  type ReleaseCustom,
  type ReleaseManifest,
} from './release.js';
import { isInRollout } from './rollout.js';
import { matchesTargeting, type DeviceAttributes } from './targeting.js';

/** Who is asking: the device's fixed identity in its app. */
export interface DeviceTarget {
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  deviceId: string;
  /** What the device reports about itself, for the pointer's targeting rules. */
  attributes?: DeviceAttributes;
}

export interface ReleaseVersion {
  epoch: number;
  versionCode: number;
}

export interface ChosenRelease {
  targetPath: string;
  target: TargetFile;
  sha256: string;
  release: ReleaseCustom;
  pointer: PointerCustom;
  /** 'previous' when the device is outside the rollout or the targeting of the pointer's release. */
  servedFrom: 'current' | 'previous';
}

/** Orders releases: epoch first, then versionCode (DESIGN.md: the device floor). */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.versionCode - b.versionCode;
}

function targetSha256(target: TargetFile, what: string): string {
  const h = target.hashes['sha256'];
  if (!h || !/^[0-9a-f]{64}$/.test(h)) throw new UpdraftError('malformed', `${what} has no sha256 hash`);
  return h;
}

/**
 * Spec steps 7-8 (docs/protocol.md §4): from the verified director and releases roles, the
 * release this device should run, or null when its channel has none for it. Checks that
 * director and releases agree, and that the release was signed for this app, platform,
 * runtimeVersion and channel. It does not compare with what the device has installed.
 */
export function chooseRelease(
  director: TargetsSigned,
  releases: TargetsSigned,
  device: DeviceTarget,
): ChosenRelease | null {
  const pointerPath = pointerTargetPath(device.channel, device.platform, device.runtimeVersion);
  if (!DIRECTOR_PATHS.some((p) => matchesPathPattern(pointerPath, p))) {
    throw new UpdraftError('wrong-target', `${pointerPath} is outside the director's delegated paths`);
  }
  const pointerTarget = director.targets[pointerPath];
  if (!pointerTarget) return null;
  const pointer = parsePointerCustom(pointerTarget.custom, `director.targets["${pointerPath}"]`);
  if (
    pointer.channel !== device.channel ||
    pointer.platform !== device.platform ||
    pointer.runtimeVersion !== device.runtimeVersion
  ) {
    throw new UpdraftError(
      'wrong-target',
      `the channel pointer ${pointerPath} names another channel, platform or runtime`,
    );
  }

  let releaseId = pointer.releaseId;
  let sha256 = targetSha256(pointerTarget, `director.targets["${pointerPath}"]`);
  let length = pointerTarget.length;
  let versionCode = pointer.versionCode;
  let servedFrom: ChosenRelease['servedFrom'] = 'current';
  if (
    !isInRollout(pointer.rollout.salt, device.deviceId, pointer.rollout.basisPoints) ||
    !matchesTargeting(pointer.targeting, device.attributes)
  ) {
    // Outside the rollout or the targeting: the channel's previous release, if it is for this device.
    if (!pointer.previous || !matchesTargeting(pointer.previous.targeting, device.attributes)) return null;
    ({ releaseId, sha256, length, versionCode } = pointer.previous);
    servedFrom = 'previous';
  }

  const targetPath = manifestTargetPath(releaseId);
  if (!RELEASES_PATHS.some((p) => matchesPathPattern(targetPath, p))) {
    throw new UpdraftError('wrong-target', `release id "${releaseId}" is not a valid release target`);
  }
  const target = releases.targets[targetPath];
  if (!target)
    throw new UpdraftError(
      'wrong-target',
      `the channel points at release ${releaseId}, which the publisher never signed`,
    );
  const release = parseReleaseCustom(target.custom, `releases.targets["${targetPath}"]`);
  if (targetSha256(target, targetPath) !== sha256 || target.length !== length) {
    throw new UpdraftError(
      'wrong-target',
      `the channel pointer and the signed release ${releaseId} disagree on its manifest`,
    );
  }
  if (release.versionCode !== versionCode) {
    throw new UpdraftError(
      'wrong-target',
      `the channel pointer and the signed release ${releaseId} disagree on its versionCode`,
    );
  }
  if (release.releaseId !== releaseId)
    throw new UpdraftError('wrong-target', `release ${releaseId} is signed under another id`);
  if (release.appId !== device.appId)
    throw new UpdraftError('wrong-target', `release ${releaseId} is for app ${release.appId}`);
  if (release.platform !== device.platform) {
    throw new UpdraftError('wrong-target', `release ${releaseId} is for platform ${release.platform}`);
  }
  if (release.runtimeVersion !== device.runtimeVersion) {
    throw new UpdraftError('wrong-target', `release ${releaseId} is for runtimeVersion ${release.runtimeVersion}`);
  }
  if (!signedForChannel(release, device.channel)) {
    throw new UpdraftError('wrong-target', `release ${releaseId} is not signed for channel ${device.channel}`);
  }
  return { targetPath, target, sha256, release, pointer, servedFrom };
}

/** Spec step 9: the manifest must say what its signed target says. */
export function checkManifestMatches(manifest: ReleaseManifest, release: ReleaseCustom): void {
  const fields = ['appId', 'releaseId', 'platform', 'runtimeVersion', 'versionCode', 'epoch'] as const;
  for (const f of fields) {
    if (manifest[f] !== release[f]) {
      throw new UpdraftError('wrong-target', `manifest ${f} "${manifest[f]}" differs from the signed "${release[f]}"`);
    }
  }
}
