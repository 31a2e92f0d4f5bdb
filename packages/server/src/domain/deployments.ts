import { randomBytes } from 'node:crypto';
import {
  isUpdraftError,
  manifestTargetPath,
  parseTargeting,
  parseJsonObject,
  parseReleaseCustom,
  parseTargets,
  RELEASES_ROLE,
  type TargetingRules,
} from '@updraft/protocol';
import { badRequest, conflict } from './api-error.js';
import type { PointerRecord, Ports, ReleaseRecord } from '../persistence/persistence.js';
import { signDirector, signSnapshotAndTimestamp } from './online-signing.js';
import { assignCodePushLabel } from './codepush/codepush-labels.js';

/**
 * The building blocks every channel change shares (publish, promote, scheduled start,
 * rollout, halt, disable): moving a pointer, and re-signing director, snapshot and timestamp.
 * All run inside the caller's transaction.
 */

export const FULL_ROLLOUT = 10000;

export interface DeploySettings {
  basisPoints: number;
  mandatory: boolean;
  targeting: TargetingRules | null;
}

/** Targeting from an API body, checked by the same parser devices use on the signed pointer. */
export function checkedTargeting(value: unknown): TargetingRules | null {
  if (value === undefined || value === null) return null;
  try {
    return parseTargeting(value, 'body.targeting');
  } catch (err) {
    if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
    throw err;
  }
}

/** True when every device the pointer's targeting allows has its release: nobody is left on `previous`. */
function fullyRolledOut(p: PointerRecord): boolean {
  return !p.haltedAt && p.basisPoints >= FULL_ROLLOUT;
}

/**
 * Points (channel, platform, runtimeVersion) at `release`. Devices outside the new rollout
 * keep the release they were given so far: the old release if it reached everyone, else
 * the old pointer's own `previous` (a half-done rollout is not what the rest of the fleet runs).
 */
export async function pointChannelAt(
  tx: Ports<'releases' | 'rollout' | 'codepush'>,
  appId: string,
  channel: string,
  release: ReleaseRecord,
  settings: DeploySettings,
  nowMs: number,
): Promise<PointerRecord> {
  const at = new Date(nowMs).toISOString();
  await tx.rollout.ensureChannel(appId, channel, at);
  const before = await tx.rollout.getPointer(appId, channel, release.platform, release.runtimeVersion);
  let previousReleaseId: string | null = null;
  let previousTargeting: Record<string, unknown> | null = null;
  if (before) {
    if (fullyRolledOut(before)) {
      previousReleaseId = before.releaseId;
      previousTargeting = before.targeting;
    } else {
      previousReleaseId = before.previousReleaseId;
      previousTargeting = before.previousTargeting;
    }
  }
  if (previousReleaseId === release.releaseId) previousReleaseId = null;
  if (previousReleaseId && (await tx.releases.getReleaseExtras(appId, previousReleaseId))?.disabledAt) {
    previousReleaseId = null;
  }
  const state: PointerRecord = {
    appId,
    channel,
    platform: release.platform,
    runtimeVersion: release.runtimeVersion,
    releaseId: release.releaseId,
    previousReleaseId,
    basisPoints: settings.basisPoints,
    // Kept across releases so a device's bucket (its place in every rollout) stays put.
    salt: before?.salt ?? randomBytes(16).toString('hex'),
    mandatory: settings.mandatory,
    haltedAt: null,
    targeting: settings.targeting && Object.keys(settings.targeting).length > 0 ? { ...settings.targeting } : null,
    previousTargeting: previousReleaseId ? previousTargeting : null,
    updatedAt: at,
  };
  await tx.rollout.putPointer(state);
  await assignCodePushLabel(tx, state, at);
  return state;
}

/** New director, snapshot and timestamp; returns the key ids that signed them (for the audit log). */
export async function resignPointers(
  tx: Ports<'trust' | 'releases' | 'rollout' | 'transparencyLog'>,
  appId: string,
  nowMs: number,
): Promise<string[]> {
  const keys = await tx.trust.getOnlineKeys(appId);
  if (!keys) throw new Error(`app ${appId} has no online keys`);
  await signDirector(tx, appId, keys, nowMs);
  await signSnapshotAndTimestamp(tx, appId, keys, nowMs);
  return [keys.director.keyid, keys.snapshot.keyid, keys.timestamp.keyid];
}

/**
 * The channels the publisher signed the release for (`custom.updraft.channels`), as the releases
 * version that added it has them: later versions keep the target unchanged or drop it.
 */
export async function signedChannels(store: Ports<'trust'>, release: ReleaseRecord): Promise<string[]> {
  const meta = await store.trust.getMetadata(release.appId, RELEASES_ROLE, release.releasesVersion);
  if (!meta) return [];
  const releases = parseTargets(parseJsonObject(meta.bytes, 'stored releases.json'), RELEASES_ROLE).signed;
  const path = manifestTargetPath(release.releaseId);
  const target = releases.targets[path];
  return target ? parseReleaseCustom(target.custom, path).channels : [];
}

/** Devices never install below what they run, so a channel must not be pointed back to an older release. */
export async function assertNotOlderThanChannel(
  tx: Ports<'releases' | 'rollout'>,
  appId: string,
  channel: string,
  release: ReleaseRecord,
): Promise<void> {
  const before = await tx.rollout.getPointer(appId, channel, release.platform, release.runtimeVersion);
  if (!before) return;
  if (before.releaseId === release.releaseId) {
    throw conflict(
      'already-current',
      `release ${release.releaseId} is already the current release of ${channel} for ${release.platform} ${release.runtimeVersion}; change its rollout with POST …/rollout`,
    );
  }
  const current = await tx.releases.getRelease(appId, before.releaseId);
  if (current && current.versionCode > release.versionCode) {
    throw conflict(
      'version-code',
      `${channel} serves ${current.releaseId} (versionCode ${current.versionCode}) for ${release.platform} ${release.runtimeVersion}; ` +
        `release ${release.releaseId} has versionCode ${release.versionCode} and devices never go back. ` +
        'To return to older code, publish a rollback (a new versionCode pointing at the old files)',
      { currentVersionCode: current.versionCode },
    );
  }
}

/** The future time of a scheduled start, or null to act now. */
export function parseStartAt(startAt: string | undefined, nowMs: number): string | null {
  if (startAt === undefined) return null;
  const t = Date.parse(startAt);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(startAt)) {
    throw badRequest('invalid-request', 'body.startAt must be an ISO 8601 date-time such as 2027-01-31T09:00:00Z');
  }
  return t > nowMs ? new Date(t).toISOString() : null;
}

export function settingsDetails(s: DeploySettings): Record<string, unknown> {
  return { basisPoints: s.basisPoints, mandatory: s.mandatory, targeting: s.targeting ?? null };
}
