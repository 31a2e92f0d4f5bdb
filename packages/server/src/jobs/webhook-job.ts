import type { WebhookQueue } from '../domain/services.js';
import type { ScheduledJob } from './job-runner.js';

/** Drains the webhook queue: delivers what is due, with its retries (domain/webhook.ts). */
export function webhookJob(queue: Pick<WebhookQueue, 'deliverDue'>, intervalMs: number): ScheduledJob {
  return { name: 'webhooks', intervalMs, runOnce: () => queue.deliverDue() };
}
