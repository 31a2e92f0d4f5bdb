import type { FastifyInstance } from 'fastify';
import { JobRunner, type ScheduledJob } from './jobs/index.js';
import type { Services } from './services/index.js';
import type { MetadataStore } from './store/index.js';

export const DEFAULT_GUARDRAIL_INTERVAL_MS = 30_000;
/** Stored events are kept this long (rollups forever); retries older than this are counted again. */
export const EVENT_RETENTION_DAYS = 30;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Evaluates the guardrails and prunes old stored events. It runs under the job runner's
 * database lease (`job:guardrails`), so with many server instances one of them evaluates each
 * interval; even if two did, a halt is a transaction and only the instance whose halt
 * succeeds records the trip and calls the webhook.
 */
export class GuardrailJob implements ScheduledJob {
  readonly name = 'guardrails';
  private lastPrune = 0;

  constructor(
    private readonly services: Services,
    private readonly store: MetadataStore,
    readonly intervalMs: number,
  ) {}

  async runOnce(nowMs: number): Promise<{ halted: number; pruned: number }> {
    const { halted } = await this.services.guardrails.runOnce();
    let pruned = 0;
    if (nowMs - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = nowMs;
      pruned = await this.store.insight.pruneEvents(Math.floor(nowMs / 60_000) - EVENT_RETENTION_DAYS * 24 * 60);
    }
    return { halted: halted.length, pruned };
  }
}

/** Runs the guardrail job while the app is up (0 = never, e.g. read-only tools and --no-jobs). */
export function installGuardrailJob(
  app: FastifyInstance,
  job: GuardrailJob,
  store: MetadataStore,
  now: () => number,
): void {
  if (job.intervalMs <= 0) return;
  const runner = new JobRunner({
    store,
    jobs: [job],
    now,
    onError: (name, err) => app.log.error({ err }, `job ${name} failed`),
  });
  app.addHook('onReady', async () => runner.start());
  app.addHook('onClose', async () => runner.stop());
}
