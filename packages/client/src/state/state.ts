import {
  compareVersions,
  isIdentifier,
  parseJsonObject,
  relativePathProblem,
  utf8Encode,
  UpdraftError,
  type ReleaseVersion,
} from '@updraft/protocol';

/** The device's memory between launches: what it runs, may run, and must never run again. */

export const STATE_SCHEMA = 'updraft.device-state/1';

/** A release folder the device holds under releases/<releaseId>. */
export interface InstalledRelease {
  releaseId: string;
  versionCode: number;
  epoch: number;
  /** Path of the launch file inside the release folder, from the verified manifest. */
  launch: string;
}

export interface FailedRelease {
  releaseId: string;
  versionCode: number;
  epoch: number;
}

export interface DeviceState {
  schema: typeof STATE_SCHEMA;
  deviceId: string;
  /** Last release that called notifyAppReady(). */
  confirmed: InstalledRelease | null;
  /** The confirmed release before `confirmed`, kept on disk in case `confirmed` is damaged. */
  fallback: InstalledRelease | null;
  /** Launched, not yet confirmed: finding it at a launch means it failed (see trialLaunches). */
  trial: InstalledRelease | null;
  /**
   * How many launches the trial has had. A launch that finds a trial with
   * trialLaunches >= maxLaunchAttempts rolls back; below that it tries the trial again.
   */
  trialLaunches: number;
  /** Downloaded and verified, launched at the next start. */
  pending: InstalledRelease | null;
  /** Highest (epoch, versionCode) this device ever started a trial of. */
  floor: ReleaseVersion;
  failed: FailedRelease[];
}

/**
 * Bounded so the state stays small. Dropping the oldest is safe: a failed release was a
 * trial, so the floor is at least its version and anything older is refused as a rollback.
 */
export const MAX_FAILED = 64;

export function emptyState(deviceId: string): DeviceState {
  return {
    schema: STATE_SCHEMA,
    deviceId,
    confirmed: null,
    fallback: null,
    trial: null,
    trialLaunches: 0,
    pending: null,
    floor: { epoch: 0, versionCode: 0 },
    failed: [],
  };
}

export function serializeState(state: DeviceState): Uint8Array {
  return utf8Encode(JSON.stringify(state, null, 2) + '\n');
}

// Local because @updraft/protocol keeps its shape validators private.
function fail(path: string, expected: string): never {
  throw new UpdraftError('malformed', `${path} must be ${expected}`);
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object');
  return value as Record<string, unknown>;
}

function asInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(path, 'a non-negative integer');
  return value;
}

function asString(value: unknown, path: string, maxLength: number): string {
  if (typeof value !== 'string' || value === '' || value.length > maxLength)
    fail(path, `a string of 1-${maxLength} characters`);
  return value;
}

function asArray(value: unknown, path: string, maxItems: number): unknown[] {
  if (!Array.isArray(value) || value.length > maxItems) fail(path, `an array of at most ${maxItems} items`);
  return value;
}

function parseVersion(value: unknown, path: string): ReleaseVersion {
  const v = asObject(value, path);
  return {
    epoch: asInteger(v['epoch'], `${path}.epoch`),
    versionCode: asInteger(v['versionCode'], `${path}.versionCode`),
  };
}

function parseReleaseId(value: unknown, path: string): string {
  if (!isIdentifier(value)) throw new UpdraftError('malformed', `${path} must be a release id`);
  return value;
}

function parseFailed(value: unknown, path: string): FailedRelease {
  const r = asObject(value, path);
  return { releaseId: parseReleaseId(r['releaseId'], `${path}.releaseId`), ...parseVersion(r, path) };
}

function parseInstalled(value: unknown, path: string): InstalledRelease | null {
  if (value === null) return null;
  const r = asObject(value, path);
  const launch = asString(r['launch'], `${path}.launch`, 1024);
  if (relativePathProblem(launch)) throw new UpdraftError('malformed', `${path}.launch is not a safe relative path`);
  return { ...parseFailed(r, path), launch };
}

/** Throws `malformed` for anything that is not a state this engine wrote. */
export function parseState(bytes: Uint8Array): DeviceState {
  const s = parseJsonObject(bytes, 'state.json');
  if (s['schema'] !== STATE_SCHEMA) throw new UpdraftError('malformed', `state.json schema is not ${STATE_SCHEMA}`);
  return {
    schema: STATE_SCHEMA,
    deviceId: asString(s['deviceId'], 'state.deviceId', 256),
    confirmed: parseInstalled(s['confirmed'], 'state.confirmed'),
    fallback: parseInstalled(s['fallback'], 'state.fallback'),
    trial: parseInstalled(s['trial'], 'state.trial'),
    // Absent in states written before the launch-attempts threshold: one launch was made.
    trialLaunches:
      s['trialLaunches'] === undefined ? (s['trial'] ? 1 : 0) : asInteger(s['trialLaunches'], 'state.trialLaunches'),
    pending: parseInstalled(s['pending'], 'state.pending'),
    floor: parseVersion(s['floor'], 'state.floor'),
    failed: asArray(s['failed'], 'state.failed', MAX_FAILED).map((f, i) => parseFailed(f, `state.failed[${i}]`)),
  };
}

/** Every release folder the state refers to; anything else under releases/ is garbage. */
export function referencedReleases(state: DeviceState): InstalledRelease[] {
  const out: InstalledRelease[] = [];
  for (const r of [state.trial, state.pending, state.confirmed, state.fallback]) {
    if (r && !out.some((o) => o.releaseId === r.releaseId)) out.push(r);
  }
  return out;
}

export function maxVersion(a: ReleaseVersion, b: ReleaseVersion): ReleaseVersion {
  return compareVersions(a, b) >= 0
    ? { epoch: a.epoch, versionCode: a.versionCode }
    : { epoch: b.epoch, versionCode: b.versionCode };
}

export function withFailed(state: DeviceState, release: FailedRelease): FailedRelease[] {
  const entry = { releaseId: release.releaseId, versionCode: release.versionCode, epoch: release.epoch };
  const rest = state.failed.filter((f) => f.releaseId !== release.releaseId);
  return [...rest, entry].slice(-MAX_FAILED);
}

/**
 * A confirmed release makes every failed entry at or below its version moot: the floor
 * already refuses those, so the list only has to remember failures above what runs.
 */
export function pruneFailed(state: DeviceState, confirmed: ReleaseVersion): FailedRelease[] {
  return state.failed.filter((f) => compareVersions(f, confirmed) > 0);
}
