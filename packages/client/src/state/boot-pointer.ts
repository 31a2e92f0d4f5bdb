import { parseJsonObject, relativePathProblem, isIdentifier, utf8Encode } from '@updraft/protocol';
import { maxVersion, withFailed, type DeviceState, type FailedRelease, type InstalledRelease } from './state.js';

/**
 * The boot pointer (boot.json): what native code reads before any JavaScript runs, to pick
 * the bundle and apply the trial/rollback rule (React Native's getJSBundleFile/bundleURL).
 * The engine writes it atomically *before* state.json on every state change, and it is
 * authoritative for the boot fields (confirmed, fallback, trial, pending): if the app dies
 * between the two writes, the next load takes the boot fields from the pointer, which is
 * what native acted on. Native changes only trial/pending/trialLaunches and appends to
 * rolledBack; the engine folds rolledBack into its failed set and floor, then empties it.
 *
 * `applyNativeBoot` below is the reference of the rule the native glue implements
 * (packages/react-native/ios, /android). Change them together.
 */

export const BOOT_POINTER_PATH = 'boot.json';
export const BOOT_POINTER_SCHEMA = 'updraft.boot/1';

export interface BootPointer {
  schema: typeof BOOT_POINTER_SCHEMA;
  maxLaunchAttempts: number;
  confirmed: InstalledRelease | null;
  fallback: InstalledRelease | null;
  trial: InstalledRelease | null;
  trialLaunches: number;
  pending: InstalledRelease | null;
  /** Trials native rolled back since the engine last wrote the pointer. */
  rolledBack: FailedRelease[];
}

export function bootPointerOf(state: DeviceState, maxLaunchAttempts: number): BootPointer {
  return {
    schema: BOOT_POINTER_SCHEMA,
    maxLaunchAttempts,
    confirmed: state.confirmed,
    fallback: state.fallback,
    trial: state.trial,
    trialLaunches: state.trialLaunches,
    pending: state.pending,
    rolledBack: [],
  };
}

export function serializeBootPointer(pointer: BootPointer): Uint8Array {
  return utf8Encode(JSON.stringify(pointer, null, 2) + '\n');
}

/** null for anything that is not a pointer this engine (or the native glue) wrote. */
export function parseBootPointer(bytes: Uint8Array): BootPointer | null {
  try {
    const p = parseJsonObject(bytes, BOOT_POINTER_PATH);
    if (p['schema'] !== BOOT_POINTER_SCHEMA) return null;
    const rolledBack = p['rolledBack'];
    if (!Array.isArray(rolledBack) || rolledBack.length > 64) return null;
    return {
      schema: BOOT_POINTER_SCHEMA,
      maxLaunchAttempts: count(p['maxLaunchAttempts']),
      confirmed: entry(p['confirmed']),
      fallback: entry(p['fallback']),
      trial: entry(p['trial']),
      trialLaunches: count(p['trialLaunches']),
      pending: entry(p['pending']),
      rolledBack: rolledBack.map((r) => version(r)),
    };
  } catch {
    return null;
  }
}

class BadPointer extends Error {}

function count(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BadPointer();
  return v;
}

function version(v: unknown): FailedRelease {
  if (v === null || typeof v !== 'object') throw new BadPointer();
  const r = v as Record<string, unknown>;
  if (!isIdentifier(r['releaseId'])) throw new BadPointer();
  return { releaseId: r['releaseId'], versionCode: count(r['versionCode']), epoch: count(r['epoch']) };
}

function entry(v: unknown): InstalledRelease | null {
  if (v === null) return null;
  const launch = (v as Record<string, unknown> | undefined)?.['launch'];
  if (typeof launch !== 'string' || relativePathProblem(launch)) throw new BadPointer();
  return { ...version(v), launch };
}

/** Path of a release's launch file relative to the device folder. */
export function launchPathOf(release: InstalledRelease): string {
  return `releases/${release.releaseId}/${release.launch}`;
}

/**
 * The decision table of the boot rule, in the order it is applied. applyNativeBoot reports
 * which rows it applied; the native glue (ios/UpdraftBoot.swift, android/…/UpdraftBoot.kt)
 * marks each row's code with `// rule <id>`, and packages/react-native/test/native-boot-table.test.ts
 * checks that both languages carry every row, in this order, and no other.
 */
export const NATIVE_BOOT_RULES = [
  ['trial-again', 'a trial with launches left whose launch file exists runs again; trialLaunches + 1'],
  [
    'trial-rollback',
    'any other trial is rolled back: appended to rolledBack (the last 64 kept), trial null, trialLaunches 0',
  ],
  ['pending-to-trial', 'else a pending release whose launch file exists becomes the trial (trialLaunches 1) and runs'],
  ['pending-drop', 'else a pending release whose launch file is gone is dropped'],
  ['run-installed', 'with no trial to run: the confirmed release, else the fallback, whose launch file exists'],
  ['run-embedded', 'else the bundle inside the app (null)'],
  ['write-first', 'the pointer is written atomically before anything runs; if it cannot be, the embedded bundle runs'],
] as const;

export type NativeBootRule = (typeof NATIVE_BOOT_RULES)[number][0];

export interface NativeBootDecision {
  /** The pointer to write back (atomically) before running anything; === input when unchanged. */
  next: BootPointer;
  /** Device-relative path of the file to run; null = the embedded bundle. */
  launch: string | null;
  /** The rows of NATIVE_BOOT_RULES that decided, in order ('write-first' is the caller's). */
  applied: NativeBootRule[];
}

/**
 * THE RULE the native glue mirrors (keep them in step; NATIVE_BOOT_RULES names its rows). Pure;
 * `exists` checks a device-relative path.
 */
export function applyNativeBoot(pointer: BootPointer, exists: (path: string) => boolean): NativeBootDecision {
  let next = pointer;
  const applied: NativeBootRule[] = [];
  if (next.trial && next.trialLaunches < next.maxLaunchAttempts && exists(launchPathOf(next.trial))) {
    next = { ...next, trialLaunches: next.trialLaunches + 1 };
    return { next, launch: launchPathOf(next.trial!), applied: ['trial-again'] };
  }
  if (next.trial) {
    const t = next.trial;
    const failed = { releaseId: t.releaseId, versionCode: t.versionCode, epoch: t.epoch };
    next = { ...next, trial: null, trialLaunches: 0, rolledBack: [...next.rolledBack, failed].slice(-64) };
    applied.push('trial-rollback');
  } else if (next.pending) {
    const p = next.pending;
    if (exists(launchPathOf(p))) {
      next = { ...next, pending: null, trial: p, trialLaunches: 1 };
      return { next, launch: launchPathOf(p), applied: ['pending-to-trial'] };
    }
    next = { ...next, pending: null };
    applied.push('pending-drop');
  }
  for (const r of [next.confirmed, next.fallback]) {
    if (r && exists(launchPathOf(r))) return { next, launch: launchPathOf(r), applied: [...applied, 'run-installed'] };
  }
  return { next, launch: null, applied: [...applied, 'run-embedded'] };
}

/**
 * The state with the pointer's boot fields and native's rollbacks folded in. The floor is
 * raised to the trial and to every rolled-back release, as the engine's own launch does.
 */
export function mergeBootPointer(state: DeviceState, pointer: BootPointer): DeviceState {
  let merged: DeviceState = {
    ...state,
    confirmed: pointer.confirmed,
    fallback: pointer.fallback,
    trial: pointer.trial,
    trialLaunches: pointer.trialLaunches,
    pending: pointer.pending,
  };
  for (const r of pointer.rolledBack) {
    merged = { ...merged, failed: withFailed(merged, r), floor: maxVersion(merged.floor, r) };
  }
  if (merged.trial) merged = { ...merged, floor: maxVersion(merged.floor, merged.trial) };
  return merged;
}
