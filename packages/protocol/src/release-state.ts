import { ROLLOUT_BUCKETS } from './rollout.js';

/**
 * How a release is served right now, in one word, as the admin API's release list reports it
 * (docs/api.md) and the CLI and dashboard show it. Declared here because the server, the CLI
 * and the dashboard all read it.
 */
export type ReleaseState = 'serving' | 'rolling-out' | 'halted' | 'disabled' | 'superseded';

/** A channel that serves the release: as its current release, or as the previous one to the devices outside a rollout. */
export interface ReleaseServing {
  channel: string;
  platform: string;
  runtimeVersion: string;
  /** The share of the channel's devices it is served to, in basis points. */
  basisPoints: number;
  /** The rollout of this release on the channel is halted. */
  halted: boolean;
}

/** What the release list adds to each release. */
export interface ReleaseListing {
  state: ReleaseState;
  channels: ReleaseServing[];
  disabledAt: string | null;
  /** Total bytes of its files, and how many; null when its manifest cannot be read. */
  sizeBytes: number | null;
  files: number | null;
  /** The app's newest signed releases listing has it: it can be promoted (false: only a rollback serves it again). */
  listed: boolean;
}

/**
 * 100 % (all rollout buckets) is serving, not rolling out. Disabled wins (it is never served again); then a halt anywhere, which needs a decision;
 * then a partial rollout anywhere; then serving everyone somewhere; no channel at all is
 * superseded (a newer release took its place, or it was never promoted beyond its first).
 */
export function releaseState(disabledAt: string | null, channels: readonly ReleaseServing[]): ReleaseState {
  if (disabledAt) return 'disabled';
  if (channels.length === 0) return 'superseded';
  if (channels.some((c) => c.halted)) return 'halted';
  return channels.some((c) => c.basisPoints < ROLLOUT_BUCKETS) ? 'rolling-out' : 'serving';
}

/** "production 25 %", "staging 100 % halted": where and how much, for lists. */
export function describeServing(c: ReleaseServing): string {
  return `${c.channel} ${c.basisPoints / 100} %${c.halted ? ' halted' : ''}`;
}

/** 1536 → "1.5 KiB": sizes as the CLI and the dashboard print them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
