import { randomUUID } from 'node:crypto';
import { appendAudit } from '../domain/audit-service.js';
import { resignExpiring } from '../domain/online-signing.js';
import type { Transactional } from '../persistence/persistence.js';
import type { ScheduledJob } from './job-runner.js';

/** Default: every 10 minutes, far more often than the 1-day timestamp needs. */
export const RESIGN_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Re-signs every app's timestamp, snapshot and director before they expire. Idempotent: a
 * role is re-signed only when it is due, inside one transaction per app, with its audit entry
 * (`trust.resign` by the service `resign-job`): new signed metadata is a trust change too.
 */
export function resignJob(
  store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog'>,
  opts: { intervalMs?: number; onSigned?: (appId: string, roles: string[]) => void } = {},
): ScheduledJob {
  return {
    name: 'resign-expiring',
    intervalMs: opts.intervalMs ?? RESIGN_INTERVAL_MS,
    async runOnce(nowMs) {
      for (const app of await store.trust.listApps()) {
        const orgId = await store.access.getAppOrg(app.appId);
        const roles = await resignExpiring(store, app.appId, nowMs, async (tx, resigned) => {
          if (!orgId) return;
          const actor = {
            id: 'resign-job',
            orgId,
            name: 'resign-job',
            kind: 'service' as const,
            role: 'viewer' as const,
            scopes: [],
            requestId: `resign-job-${randomUUID()}`,
          };
          const details = { scheduled: true, resigned };
          await appendAudit(
            tx,
            actor,
            { appId: app.appId, action: 'trust.resign', target: `app:${app.appId}`, details },
            nowMs,
          );
        });
        if (roles.length > 0) opts.onSigned?.(app.appId, roles);
      }
    },
  };
}
