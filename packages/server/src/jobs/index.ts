export { JobRunner, defaultHolder, type ScheduledJob, type JobRunnerOptions } from './job-runner.js';
export { resignJob, RESIGN_INTERVAL_MS } from './resign-job.js';
