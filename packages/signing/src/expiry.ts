import { DAY_MS, DEFAULT_EXPIRY_DAYS, isoSeconds } from './time.js';

/**
 * How long each role's metadata stays valid after it is signed, per app, in seconds. The
 * server signs director, snapshot and timestamp with these and re-signs each once less than
 * half its lifetime is left; the publisher's CLI signs root, targets and releases with theirs
 * and warns `warnBefore` seconds before an offline role expires.
 */
export interface ExpiryPolicy {
  root: number;
  targets: number;
  releases: number;
  director: number;
  snapshot: number;
  timestamp: number;
  warnBefore: number;
}

export { EXPIRY_FIELDS, type ExpiryField } from './vocabulary.js';

const DAY_S = DAY_MS / 1000;

export const DEFAULT_EXPIRY_POLICY: Readonly<ExpiryPolicy> = Object.freeze({
  root: DEFAULT_EXPIRY_DAYS.root * DAY_S,
  targets: DEFAULT_EXPIRY_DAYS.targets * DAY_S,
  releases: DEFAULT_EXPIRY_DAYS.releases * DAY_S,
  director: DEFAULT_EXPIRY_DAYS.director * DAY_S,
  snapshot: DEFAULT_EXPIRY_DAYS.snapshot * DAY_S,
  timestamp: DEFAULT_EXPIRY_DAYS.timestamp * DAY_S,
  warnBefore: 30 * DAY_S,
});

/** Bounds that keep a typo from making metadata useless (seconds) or near-eternal (ten years). */
export const MIN_LIFETIME_S = 1;
export const MAX_LIFETIME_S = 10 * 365 * DAY_S;

/** TUF `expires` `seconds` after `nowMs` (whole seconds, UTC). */
export function expiresAfter(nowMs: number, seconds: number): string {
  return isoSeconds(nowMs + seconds * 1000);
}

/** The stored policy over the defaults: fields an app never set keep their default. */
export function withDefaults(partial: Partial<ExpiryPolicy> | null | undefined): ExpiryPolicy {
  return { ...DEFAULT_EXPIRY_POLICY, ...(partial ?? {}) };
}

/** A lifetime in seconds as people write it: 1d, 12h, 30m, 45s. */
export function formatDuration(seconds: number): string {
  if (seconds % DAY_S === 0) return `${seconds / DAY_S}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Parses `90`, `45s`, `30m`, `12h`, `7d` into seconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,10})([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: DAY_S }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = n * unit;
  return Number.isSafeInteger(seconds) ? seconds : null;
}
