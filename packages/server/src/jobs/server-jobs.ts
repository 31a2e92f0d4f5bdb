import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../app/metrics.js';
import type { Services } from '../domain/services.js';
import type { Ports, Transactional } from '../persistence/persistence.js';
import { auditAnchorJob } from './audit-anchoring.js';
import { guardrailJob } from './guardrail-job.js';
import { JobRunner, type ScheduledJob } from './job-runner.js';
import { resignJob } from './resign-job.js';
import { retentionJob, type RetentionOptions } from './retention-job.js';
import { scheduledStartsJob } from './scheduled-starts-job.js';
import { webhookJob } from './webhook-job.js';

/** How often each periodic task runs, across all instances together; 0 turns one off. */
export interface JobIntervals {
  /** Re-signing timestamp, snapshot and director before they expire (default 10 min). */
  resignMs: number;
  /** Applying scheduled starts (default 15 s). */
  scheduledStartsMs: number;
  /** Evaluating guardrails (default 30 s). */
  guardrailsMs: number;
  /** Delivering queued webhooks (default 1 s, or the first retry's backoff if shorter). */
  webhooksMs: number;
  /** Pruning events, rollups and settled webhooks past their retention (default 1 h). */
  retentionMs: number;
  /** Anchoring each organization's audit head in the transparency log (default 5 min). */
  auditAnchorMs: number;
}

export interface ServerJobsDeps {
  store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'insight' | 'transparencyLog'>;
  services: Services;
  now: () => number;
  intervals: JobIntervals;
  retention?: Partial<RetentionOptions>;
  logger: FastifyInstance['log'];
  /** Counts what the guardrail job does (trips, deferred halts) for /metrics. */
  metrics: Metrics;
}

/**
 * Every periodic task of the server, in one list: the one place to add a task. Each runs under
 * the job runner's database lease, so with many instances each task runs on one of them.
 */
export function serverJobs(deps: ServerJobsDeps): ScheduledJob[] {
  const { store, services, now, intervals, logger, metrics } = deps;
  const jobs: ScheduledJob[] = [
    resignJob(store, { intervalMs: intervals.resignMs }),
    scheduledStartsJob(services.releaseOps, intervals.scheduledStartsMs),
    guardrailJob(services.guardrails, intervals.guardrailsMs, {
      onTrip: (trip) => metrics.guardrailTrips.inc({ action: trip.action }),
      onDeferred: (d) => {
        metrics.guardrailHaltsDeferred.inc({ reason: d.reason });
        const what = d.reason === 'lost-race' ? 'lost every race to re-sign' : 'failed';
        const message = `guardrail tripped on ${d.appId} ${d.channel} (${d.releaseId}) but its halt ${what}: halting it on the next run`;
        if (d.reason === 'lost-race') logger.warn({ ...d }, message);
        else logger.error({ ...d }, message);
      },
    }),
    webhookJob(services.webhooks, intervals.webhooksMs),
    retentionJob(store, deps.retention, intervals.retentionMs),
    auditAnchorJob(store, now, intervals.auditAnchorMs, (a) =>
      logger.error({ orgId: a.orgId, ...a.departure }, 'audit log does not extend its last anchor: not anchored'),
    ),
  ];
  return jobs.filter((job) => job.intervalMs > 0);
}

/** Runs the jobs while the app is up: from onReady until onClose, counted in /metrics and logged. */
export function installJobs(
  app: FastifyInstance,
  opts: { store: Ports<'leases'>; jobs: ScheduledJob[]; now: () => number; metrics: Metrics },
): void {
  if (opts.jobs.length === 0) return;
  const { metrics } = opts;
  // Frequent jobs (webhook delivery every second) would flood the log at info.
  const frequent = new Set(opts.jobs.filter((j) => j.intervalMs < 60_000).map((j) => j.name));
  const runner = new JobRunner({
    store: opts.store,
    jobs: opts.jobs,
    now: opts.now,
    onRun: (job, ms) => {
      metrics.jobRuns.inc({ job, result: 'ok' });
      if (frequent.has(job)) app.log.debug({ job, ms }, 'job ran');
      else app.log.info({ job, ms }, 'job ran');
    },
    onError: (job, err) => {
      metrics.jobRuns.inc({ job, result: 'failed' });
      app.log.error({ err, job }, `job ${job} failed`);
    },
  });
  app.addHook('onReady', async () => runner.start());
  app.addHook('onClose', async () => runner.stop());
}
