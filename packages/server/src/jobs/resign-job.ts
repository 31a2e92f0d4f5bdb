import { resignExpiring } from '../services/online-signing.js';
import type { MetadataStore } from '../store/index.js';
import type { ScheduledJob } from './job-runner.js';

/** Default: every 10 minutes, far more often than the 1-day timestamp needs. */
export const RESIGN_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Re-signs every app's timestamp, snapshot and director before they expire. Idempotent: a
 * role is re-signed only when it is due, inside one transaction per app.
 */
export function resignJob(
  store: MetadataStore,
  opts: { intervalMs?: number; onSigned?: (appId: string, roles: string[]) => void } = {},
): ScheduledJob {
  return {
    name: 'resign-expiring',
    intervalMs: opts.intervalMs ?? RESIGN_INTERVAL_MS,
    async runOnce(nowMs) {
      for (const app of await store.listApps()) {
        const roles = await resignExpiring(store, app.appId, nowMs);
        if (roles.length > 0) opts.onSigned?.(app.appId, roles);
      }
    },
  };
}
