import { WEBHOOK_RETENTION_DAYS } from '../domain/services.js';
import type { Ports } from '../persistence/persistence.js';
import type { ScheduledJob } from './job-runner.js';

/** How long device data is kept (issue 14 §3): `serve --keep-events 7d --keep-rollups 90d`. */
export interface RetentionOptions {
  /** Raw events (and so the window in which a retried event id is recognised). */
  eventsDays: number;
  /** Per-minute rollups and the distinct-source sketches beside them. */
  rollupsDays: number;
}
export const DEFAULT_RETENTION: RetentionOptions = { eventsDays: 7, rollupsDays: 90 };
/** Pruning is a few range deletes: hourly keeps the tables within an hour of their bound. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MINUTES = 24 * 60;
const DAY_MS = DAY_MINUTES * 60_000;

/**
 * Drops raw events, rollups and source sketches past their retention, and settled webhook
 * deliveries older than WEBHOOK_RETENTION_DAYS. Returns the rows dropped.
 */
export async function pruneExpired(
  store: Ports<'insight'>,
  nowMs: number,
  retention: Partial<RetentionOptions> = {},
): Promise<number> {
  const { eventsDays, rollupsDays } = { ...DEFAULT_RETENTION, ...retention };
  const minute = Math.floor(nowMs / 60_000);
  const { insight } = store;
  const rollupsBefore = minute - Math.round(rollupsDays * DAY_MINUTES);
  return (
    (await insight.pruneEvents(minute - Math.round(eventsDays * DAY_MINUTES))) +
    (await insight.pruneRollups(rollupsBefore)) +
    (await insight.pruneEventSources(rollupsBefore)) +
    (await insight.pruneWebhooks(new Date(nowMs - WEBHOOK_RETENTION_DAYS * DAY_MS).toISOString()))
  );
}

export function retentionJob(
  store: Ports<'insight'>,
  retention: Partial<RetentionOptions> = {},
  intervalMs = RETENTION_INTERVAL_MS,
): ScheduledJob {
  return {
    name: 'retention',
    intervalMs,
    runOnce: (nowMs) => pruneExpired(store, nowMs, retention),
  };
}
