export const DAY_MS = 24 * 60 * 60 * 1000;

/** TUF `expires`: UTC, whole seconds, trailing Z. */
export function expiresAt(nowMs: number, days: number): string {
  return new Date(nowMs + days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Default lifetimes (DESIGN.md "Security model"). */
export const DEFAULT_EXPIRY_DAYS = {
  root: 365,
  targets: 365,
  releases: 365,
  director: 7,
  snapshot: 7,
  timestamp: 1,
} as const;
