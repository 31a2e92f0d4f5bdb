import type { Kysely } from 'kysely';
import type { InsightStore, WebhookAttempt, WebhookDelivery } from '../insight-store.js';
import type { Tables } from '../schema.js';

type WebhookAccess = Pick<
  InsightStore,
  'enqueueWebhook' | 'dueWebhooks' | 'updateWebhook' | 'getWebhook' | 'listWebhooks' | 'pruneWebhooks'
>;

const deliveryOf = (r: Tables['webhook_deliveries']): WebhookDelivery => ({
  id: r.id,
  orgId: r.org_id,
  appId: r.app_id,
  kind: r.kind,
  ref: r.ref,
  url: r.url,
  payload: r.payload,
  status: r.status as WebhookDelivery['status'],
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastStatus: r.last_status === null ? null : Number(r.last_status),
  lastAttemptAt: r.last_attempt_at,
  createdAt: r.created_at,
  settledAt: r.settled_at,
});

/** The outbound webhook queue (domain/webhook.ts delivers it). */
export class WebhookQueries implements WebhookAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async enqueueWebhook(d: WebhookDelivery): Promise<void> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({
        id: d.id,
        org_id: d.orgId,
        app_id: d.appId,
        kind: d.kind,
        ref: d.ref,
        url: d.url,
        payload: d.payload,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.nextAttemptAt,
        last_error: d.lastError,
        last_status: d.lastStatus,
        last_attempt_at: d.lastAttemptAt,
        created_at: d.createdAt,
        settled_at: d.settledAt,
      })
      .execute();
  }

  async dueWebhooks(nowIso: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map(deliveryOf);
  }

  async updateWebhook(id: string, u: WebhookAttempt): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: u.status,
        attempts: u.attempts,
        next_attempt_at: u.nextAttemptAt,
        last_error: u.lastError,
        last_status: u.lastStatus,
        last_attempt_at: u.lastAttemptAt,
        settled_at: u.settledAt,
      })
      .where('id', '=', id)
      .execute();
  }

  async getWebhook(id: string): Promise<WebhookDelivery | null> {
    const r = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? deliveryOf(r) : null;
  }

  async listWebhooks(filter: { orgId: string; appId: string | null; limit: number }): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', filter.orgId);
    q = filter.appId === null ? q.where('app_id', 'is', null) : q.where('app_id', '=', filter.appId);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(deliveryOf);
  }

  async pruneWebhooks(beforeIso: string): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_deliveries')
      .where('status', '!=', 'pending')
      .where('settled_at', '<', beforeIso)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
