import type { FastifyInstance } from 'fastify';
import { JobRunner, type ScheduledJob } from './jobs/index.js';
import type { Services } from './services/index.js';
import type { MetadataStore } from './store/index.js';

export const DEFAULT_GUARDRAIL_INTERVAL_MS = 30_000;
/** How long device data is kept (issue 14 §3): `serve --keep-events 7d --keep-rollups 90d`. */
export interface RetentionOptions {
  /** Raw events (and so the window in which a retried event id is recognised). */
  eventsDays: number;
  /** Per-minute rollups and the distinct-source sketches beside them. */
  rollupsDays: number;
}
export const DEFAULT_RETENTION: RetentionOptions = { eventsDays: 7, rollupsDays: 90 };
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MINUTES = 24 * 60;

/**
 * Evaluates the guardrails and prunes old stored events. It runs under the job runner's
 * database lease (`job:guardrails`), so with many server instances one of them evaluates each
 * interval; even if two did, a halt is a transaction and only the instance whose halt
 * succeeds records the trip and calls the webhook.
 */
export class GuardrailJob implements ScheduledJob {
  readonly name = 'guardrails';
  private lastPrune = 0;
  private readonly retention: RetentionOptions;

  constructor(
    private readonly services: Services,
    private readonly store: MetadataStore,
    readonly intervalMs: number,
    retention: Partial<RetentionOptions> = {},
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
  }

  async runOnce(nowMs: number): Promise<{ halted: number; pruned: number }> {
    const { halted } = await this.services.guardrails.runOnce();
    let pruned = 0;
    if (nowMs - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = nowMs;
      pruned = await this.prune(nowMs);
    }
    return { halted: halted.length, pruned };
  }

  /** Drops raw events, rollups and source sketches past their retention; returns the rows dropped. */
  async prune(nowMs: number): Promise<number> {
    const minute = Math.floor(nowMs / 60_000);
    const { insight } = this.store;
    const rollupsBefore = minute - Math.round(this.retention.rollupsDays * DAY_MINUTES);
    return (
      (await insight.pruneEvents(minute - Math.round(this.retention.eventsDays * DAY_MINUTES))) +
      (await insight.pruneRollups(rollupsBefore)) +
      (await insight.pruneEventSources(rollupsBefore))
    );
  }
}

/**
 * Runs the guardrail job and the webhook delivery job while the app is up (interval 0 =
 * never, e.g. read-only tools and --no-jobs).
 */
export function installGuardrailJob(
  app: FastifyInstance,
  jobs: ScheduledJob[],
  intervalMs: number,
  store: MetadataStore,
  now: () => number,
): void {
  if (intervalMs <= 0) return;
  const runner = new JobRunner({
    store,
    jobs,
    now,
    onError: (name, err) => app.log.error({ err }, `job ${name} failed`),
  });
  app.addHook('onReady', async () => runner.start());
  app.addHook('onClose', async () => runner.stop());
}
