import type { webhooksApi } from '@updraft/api';
import { randomUUID } from 'node:crypto';
import type { Ports, WebhookAttempt, WebhookDelivery } from '../persistence/persistence.js';
import { checkWebhookUrl, postJson, type OutboundPolicy } from './outbound.js';

/**
 * Outbound webhooks go through a queue in the database: whoever raises one (a guardrail
 * trip, an audit alert) only inserts a row, in its own transaction if it likes, and the
 * webhook job delivers it with retries (exponential backoff). So a slow or hostile receiver
 * never holds up the guardrail pass or a request, and a restart loses nothing.
 */
export interface WebhookOptions {
  /** Attempts in all (default 4). */
  attempts?: number;
  /** Wait before the second attempt; doubled after each (default 1 s). */
  backoffMs?: number;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** Development only: plain http and loopback receivers (serve --dev-loopback-webhooks). */
  allowLoopback?: boolean;
}

export function outboundPolicy(opts: WebhookOptions | undefined): OutboundPolicy {
  return { allowLoopback: opts?.allowLoopback ?? false };
}

/** Why a webhook URL may not be saved, or null. */
export function webhookUrlProblem(url: string, opts: WebhookOptions | undefined): string | null {
  return checkWebhookUrl(url, outboundPolicy(opts));
}

export interface WebhookRequest {
  /** Whose delivery it is: its history is listed to them (with appId null: the audit webhook's). */
  orgId?: string | null;
  appId: string | null;
  /** What raised it, e.g. `guardrail.halted`, `audit.anchor-refused`; sent as `x-updraft-event`. */
  kind: string;
  url: string;
  /** Sent as JSON. */
  payload: unknown;
  /** Told to the settle handler registered for its prefix (before the first ":"). */
  ref?: string | null;
}

/** Queues a webhook (in the caller's transaction when `store` is one); returns the delivery id. */
export async function enqueueWebhook(store: Ports<'insight'>, req: WebhookRequest, nowMs: number): Promise<string> {
  const id = randomUUID();
  const at = new Date(nowMs).toISOString();
  await store.insight.enqueueWebhook({
    id,
    orgId: req.orgId ?? null,
    appId: req.appId,
    kind: req.kind,
    ref: req.ref ?? null,
    url: req.url,
    payload: JSON.stringify(req.payload),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    lastStatus: null,
    lastAttemptAt: null,
    createdAt: at,
    settledAt: null,
  });
  return id;
}

export type SettleHandler = (ref: string, delivery: WebhookDelivery) => Promise<void>;

/** Settled deliveries are kept this long for inspection, then pruned. */
export const WEBHOOK_RETENTION_DAYS = 7;

/** Delivers what is due. One instance at a time runs it (the job runner's lease). */
export class WebhookQueue {
  private readonly settle = new Map<string, SettleHandler>();

  constructor(private readonly deps: { store: Ports<'insight'>; now: () => number; options?: WebhookOptions }) {}

  /** Calls `handler` when a delivery whose ref starts with `prefix:` is delivered or given up. */
  onSettled(prefix: string, handler: SettleHandler): void {
    this.settle.set(prefix, handler);
  }

  async deliverDue(limit = 20): Promise<{ delivered: number; failed: number; retrying: number }> {
    const { store, now, options } = this.deps;
    const maxAttempts = options?.attempts ?? 4;
    const backoffMs = options?.backoffMs ?? 1000;
    const timeoutMs = options?.timeoutMs ?? 5000;
    const policy = outboundPolicy(options);
    const result = { delivered: 0, failed: 0, retrying: 0 };
    const due = await store.insight.dueWebhooks(new Date(now()).toISOString(), limit);
    // One receiver at a time per pass: the pass is bounded by limit × timeout.
    for (const d of due) {
      const sent = await postJson(d.url, d.payload, policy, timeoutMs, {
        'x-updraft-event': d.kind,
        'x-updraft-delivery': d.id,
      });
      const attempts = d.attempts + 1;
      const at = now();
      const attempt = { attempts, lastStatus: sent.status, lastAttemptAt: iso(at) };
      const update: WebhookAttempt = sent.ok
        ? { ...attempt, status: 'delivered', nextAttemptAt: d.nextAttemptAt, lastError: null, settledAt: iso(at) }
        : attempts >= maxAttempts
          ? { ...attempt, status: 'failed', nextAttemptAt: d.nextAttemptAt, lastError: sent.error, settledAt: iso(at) }
          : {
              ...attempt,
              status: 'pending',
              nextAttemptAt: iso(at + backoffMs * 2 ** (attempts - 1)),
              lastError: sent.error,
              settledAt: null,
            };
      await store.insight.updateWebhook(d.id, update);
      if (update.status === 'pending') {
        result.retrying++;
        continue;
      }
      if (update.status === 'delivered') result.delivered++;
      else result.failed++;
      const prefix = d.ref?.split(':')[0];
      const handler = prefix === undefined ? undefined : this.settle.get(prefix);
      if (handler && d.ref) await handler(d.ref.slice(prefix!.length + 1), { ...d, ...update });
    }
    return result;
  }
}

/** A delivery as the API lists it: the receiver's host only (a webhook URL may carry a secret path or token). */
export function deliveryView(d: WebhookDelivery): webhooksApi.WebhookDelivery {
  return {
    id: d.id,
    event: d.kind,
    host: URL.canParse(d.url) ? new URL(d.url).host : '',
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt,
    lastAttemptAt: d.lastAttemptAt,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    settledAt: d.settledAt,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
