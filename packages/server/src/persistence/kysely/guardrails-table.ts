import type { Kysely } from 'kysely';
import type { GuardrailConfig, GuardrailTrip, InsightStore } from '../insight-store.js';
import type { Tables } from '../schema.js';

type GuardrailAccess = Pick<
  InsightStore,
  'getGuardrail' | 'listGuardrails' | 'putGuardrail' | 'insertTrip' | 'updateTripWebhook' | 'listTrips'
>;

const guardrailOf = (r: Tables['guardrails']): GuardrailConfig => ({
  appId: r.app_id,
  channel: r.channel,
  enabled: r.enabled === 1,
  thresholdBp: r.threshold_bp,
  lookbackMinutes: r.lookback_minutes,
  minLaunches: r.min_launches,
  webhookUrl: r.webhook_url,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
  mode: r.mode === 'halt' || r.mode === 'alert' ? r.mode : null,
  minSources: r.min_sources,
});

const tripOf = (r: Tables['guardrail_trips']): GuardrailTrip => ({
  id: r.id,
  appId: r.app_id,
  channel: r.channel,
  releaseId: r.release_id,
  metric: r.metric as GuardrailTrip['metric'],
  rateBp: r.rate_bp,
  thresholdBp: r.threshold_bp,
  launches: r.launches,
  failures: r.failures,
  at: r.at,
  webhookStatus: r.webhook_status as GuardrailTrip['webhookStatus'],
  webhookAttempts: r.webhook_attempts,
  action: r.action === 'alerted' ? 'alerted' : 'halted',
});

/** Per-channel guardrails (crash and rollback rate thresholds) and the trips they recorded. */
export class GuardrailQueries implements GuardrailAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async getGuardrail(appId: string, channel: string): Promise<GuardrailConfig | null> {
    const r = await this.db
      .selectFrom('guardrails')
      .selectAll()
      .where('app_id', '=', appId)
      .where('channel', '=', channel)
      .executeTakeFirst();
    return r ? guardrailOf(r) : null;
  }

  async listGuardrails(appId: string): Promise<GuardrailConfig[]> {
    // Ordered explicitly: PostgreSQL returns an updated row after the others, SQLite in key order.
    const rows = await this.db
      .selectFrom('guardrails')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('channel')
      .execute();
    return rows.map(guardrailOf);
  }

  async putGuardrail(g: GuardrailConfig): Promise<void> {
    const values = {
      enabled: g.enabled ? 1 : 0,
      threshold_bp: g.thresholdBp,
      lookback_minutes: g.lookbackMinutes,
      min_launches: g.minLaunches,
      webhook_url: g.webhookUrl,
      updated_at: g.updatedAt,
      updated_by: g.updatedBy,
      mode: g.mode,
      min_sources: g.minSources,
    };
    await this.db
      .insertInto('guardrails')
      .values({ app_id: g.appId, channel: g.channel, ...values })
      .onConflict((oc) => oc.columns(['app_id', 'channel']).doUpdateSet(values))
      .execute();
  }

  async insertTrip(t: GuardrailTrip): Promise<void> {
    await this.db
      .insertInto('guardrail_trips')
      .values({
        id: t.id,
        app_id: t.appId,
        channel: t.channel,
        release_id: t.releaseId,
        metric: t.metric,
        rate_bp: t.rateBp,
        threshold_bp: t.thresholdBp,
        launches: t.launches,
        failures: t.failures,
        at: t.at,
        webhook_status: t.webhookStatus,
        webhook_attempts: t.webhookAttempts,
        action: t.action,
      })
      .execute();
  }

  async updateTripWebhook(id: string, status: GuardrailTrip['webhookStatus'], attempts: number): Promise<void> {
    await this.db
      .updateTable('guardrail_trips')
      .set({ webhook_status: status, webhook_attempts: attempts })
      .where('id', '=', id)
      .execute();
  }

  async listTrips(appId: string, filter: { releaseId?: string; channel?: string } = {}): Promise<GuardrailTrip[]> {
    let q = this.db.selectFrom('guardrail_trips').selectAll().where('app_id', '=', appId);
    if (filter.releaseId !== undefined) q = q.where('release_id', '=', filter.releaseId);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    const rows = await q.orderBy('at', 'desc').limit(100).execute();
    return rows.map(tripOf);
  }
}
