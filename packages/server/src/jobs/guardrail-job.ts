import type { GuardrailTrip } from '../persistence/persistence.js';
import type { DeferredHalt, GuardrailService } from '../domain/services.js';
import type { ScheduledJob } from './job-runner.js';

export const DEFAULT_GUARDRAIL_INTERVAL_MS = 30_000;

/** What a pass did, told to the server (which logs and counts it). */
export interface GuardrailPassHooks {
  /** A trip recorded this pass: the rollout halted, or (alert mode) an alert raised. */
  onTrip?: (trip: GuardrailTrip) => void;
  /** A tripped rollout whose halt failed this pass; the next pass halts it. */
  onDeferred?: (d: DeferredHalt) => void;
}

/**
 * Evaluates the guardrails. With many server instances the job runner's lease has one of them
 * evaluate each interval; even if two did, a halt is a transaction and only the instance whose
 * halt succeeds records the trip and queues the webhook. A tripped rollout whose halt failed
 * is told to `onDeferred` and halted on a later run.
 */
export function guardrailJob(
  guardrails: Pick<GuardrailService, 'runOnce'>,
  intervalMs: number,
  hooks: GuardrailPassHooks = {},
): ScheduledJob {
  return {
    name: 'guardrails',
    intervalMs,
    async runOnce() {
      const { halted, deferred } = await guardrails.runOnce();
      for (const trip of halted) hooks.onTrip?.(trip);
      for (const d of deferred) hooks.onDeferred?.(d);
      return { halted: halted.length, deferred: deferred.length };
    },
  };
}
