import type { ReleaseOpsService } from '../domain/services.js';
import type { ScheduledJob } from './job-runner.js';

export const DEFAULT_SCHEDULER_INTERVAL_MS = 15_000;

/**
 * Applies scheduled starts (publish/promote --start-at). Each start is claimed in a
 * transaction (ReleaseOpsService.applyDueSchedules), so even if two instances ran this job
 * at once each start would be applied once.
 */
export function scheduledStartsJob(releaseOps: ReleaseOpsService, intervalMs: number): ScheduledJob {
  return {
    name: 'scheduled-starts',
    intervalMs,
    runOnce: () => releaseOps.applyDueSchedules(),
  };
}
