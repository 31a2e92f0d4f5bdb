export { JobRunner, defaultHolder, type ScheduledJob, type JobRunnerOptions } from './job-runner.js';
export { resignJob, RESIGN_INTERVAL_MS } from './resign-job.js';
export { DEFAULT_GUARDRAIL_INTERVAL_MS, guardrailJob } from './guardrail-job.js';
export { DEFAULT_SCHEDULER_INTERVAL_MS, scheduledStartsJob } from './scheduled-starts-job.js';
export {
  DEFAULT_RETENTION,
  pruneExpired,
  RETENTION_INTERVAL_MS,
  retentionJob,
  type RetentionOptions,
} from './retention-job.js';
export { webhookJob } from './webhook-job.js';
export { ANCHOR_REFUSED, anchorAuditHeads, auditAnchorJob, type AnchorAlert } from './audit-anchoring.js';
export { installJobs, serverJobs, type JobIntervals, type ServerJobsDeps } from './server-jobs.js';
