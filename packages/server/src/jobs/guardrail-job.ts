import type { DeferredHalt, GuardrailService } from '../domain/services.js';
import type { ScheduledJob } from './job-runner.js';

export const DEFAULT_GUARDRAIL_INTERVAL_MS = 30_000;

/**
 * Evaluates the guardrails. With many server instances the job runner's lease has one of them
 * evaluate each interval; even if two did, a halt is a transaction and only the instance whose
 * halt succeeds records the trip and queues the webhook. A tripped rollout whose halt failed
 * is told to `onDeferred` (the server logs it) and halted on a later run.
 */
export function guardrailJob(
  guardrails: Pick<GuardrailService, 'runOnce'>,
  intervalMs: number,
  onDeferred: (d: DeferredHalt) => void = () => {},
): ScheduledJob {
  return {
    name: 'guardrails',
    intervalMs,
    async runOnce() {
      const { halted, deferred } = await guardrails.runOnce();
      for (const d of deferred) onDeferred(d);
      return { halted: halted.length, deferred: deferred.length };
    },
  };
}
