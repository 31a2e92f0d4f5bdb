import { ErrorCode, type insightApi, type webhooksApi } from '@updraft/api';
import { randomUUID } from 'node:crypto';
import { ApiError, appNotFound, badRequest } from './api-error.js';
import type { GuardrailConfig, GuardrailTrip, PointerRecord, Transactional } from '../persistence/persistence.js';
import { forbidden } from './api-error.js';
import { roleRank, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { MINUTE_MS, ratio } from './insight-service.js';
import type { ReleaseOpsService } from './release-ops-service.js';
import { estimateDistinct } from './source-sketch.js';
import { deliveryView, enqueueWebhook, webhookUrlProblem, type WebhookOptions, type WebhookQueue } from './webhook.js';

/**
 * Crash guardrails per channel: when a release's crash or rollback rate over the lookback
 * window is above the threshold with at least `minLaunches` launches, its rollout is halted
 * through the same ReleaseOpsService.halt the halt route uses (so director, snapshot and
 * timestamp are re-signed and devices outside the rollout get the previous release), the
 * audit entry names the actor `guardrail`, and the channel's webhook is queued.
 *
 * Device events come with a key every app binary carries, so nobody is trusted for numbers
 * alone (issue 14 §3): a trip also needs failure reports from `minSources` distinct network
 * sources (counted by source-sketch.ts), and a channel in `alert` mode (the default for
 * protected channels) only raises an alert — webhook and dashboard banner — never a halt.
 */

export const GUARDRAIL_DEFAULTS = {
  enabled: true,
  thresholdBp: 500,
  lookbackMinutes: 30,
  minLaunches: 50,
  minSources: 5,
} as const;
export type GuardrailMode = insightApi.Guardrail['mode'];

export type GuardrailInput = insightApi.GuardrailBody;

export type GuardrailView = insightApi.Guardrail;

/**
 * A rollout the guardrail tripped but could not halt in this pass: it lost every race to
 * re-sign (`lost-race`, other changes of the app kept landing) or the halt failed. The next
 * pass halts it (nothing was recorded, so it trips again on the same window).
 */
export interface DeferredHalt extends Pick<
  GuardrailTrip,
  'appId' | 'channel' | 'releaseId' | 'metric' | 'rateBp' | 'thresholdBp' | 'launches'
> {
  lookbackMinutes: number;
  reason: 'lost-race' | 'failed';
  error: string;
}
export type GuardrailHealth = insightApi.GuardrailHealth;

/** Who sees a webhook URL whole (it may carry a secret path or token); others see its host. */
export function mayReadWebhookUrl(actor: Actor | null): boolean {
  return actor === null || roleRank(actor.role) >= roleRank('admin');
}

function hostOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

const viewOf = (
  channel: string,
  g: GuardrailConfig | null,
  isProtected: boolean,
  reader: Actor | null,
): GuardrailView => ({
  channel,
  enabled: g?.enabled ?? GUARDRAIL_DEFAULTS.enabled,
  thresholdPercent: (g?.thresholdBp ?? GUARDRAIL_DEFAULTS.thresholdBp) / 100,
  lookbackMinutes: g?.lookbackMinutes ?? GUARDRAIL_DEFAULTS.lookbackMinutes,
  minLaunches: g?.minLaunches ?? GUARDRAIL_DEFAULTS.minLaunches,
  mode: g?.mode ?? (isProtected ? 'alert' : 'halt'),
  modeConfigured: (g?.mode ?? null) !== null,
  minSources: g?.minSources ?? GUARDRAIL_DEFAULTS.minSources,
  webhookUrl: mayReadWebhookUrl(reader) ? (g?.webhookUrl ?? null) : null,
  webhookHost: hostOf(g?.webhookUrl ?? null),
  configured: g !== null,
  updatedAt: g?.updatedAt ?? null,
});

export class GuardrailService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'rollout' | 'access' | 'insight'>;
      now: () => number;
      releaseOps: ReleaseOpsService;
      webhook?: WebhookOptions;
      /** Told when a trip's webhook is delivered or given up. */
      webhooks?: WebhookQueue;
    },
  ) {
    deps.webhooks?.onSettled('guardrail-trip', async (tripId, d) => {
      await deps.store.insight.updateTripWebhook(tripId, d.status === 'delivered' ? 'delivered' : 'failed', d.attempts);
    });
  }

  private async protectedChannels(appId: string): Promise<Set<string>> {
    return new Set((await this.deps.store.rollout.listChannels(appId)).filter((c) => c.protected).map((c) => c.name));
  }

  async list(appId: string, reader: Actor | null = null): Promise<GuardrailView[]> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const configured = new Map((await store.insight.listGuardrails(appId)).map((g) => [g.channel, g]));
    const all = await store.rollout.listChannels(appId);
    const protectedOnes = new Set(all.filter((c) => c.protected).map((c) => c.name));
    const channels = new Set([...all.map((c) => c.name), ...configured.keys()]);
    return [...channels].sort().map((c) => viewOf(c, configured.get(c) ?? null, protectedOnes.has(c), reader));
  }

  /**
   * The last deliveries of the app's guardrail webhooks (every channel's), newest first: what
   * an operator whose chat or incident tool stopped getting alerts reads. Hosts only, so a
   * reader of the settings (who sees only the webhook's host there) learns no more here.
   */
  async webhookDeliveries(actor: Actor, appId: string, limit: number): Promise<webhooksApi.WebhookDelivery[]> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const rows = await store.insight.listWebhooks({ orgId: actor.orgId, appId, limit });
    return rows.map(deliveryView);
  }

  async set(actor: Actor, appId: string, channel: string, input: GuardrailInput): Promise<GuardrailView> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    if (input.webhookUrl) {
      const problem = webhookUrlProblem(input.webhookUrl, this.deps.webhook);
      if (problem) throw badRequest('invalid-request', `body.webhookUrl ${problem}`);
    }
    const isProtected = (await this.protectedChannels(appId)).has(channel);
    if (input.mode === 'halt' && isProtected && roleRank(actor.role) < roleRank('admin')) {
      throw forbidden(
        'forbidden-role',
        `channel "${channel}" is protected: only an admin or owner may let its guardrail halt it automatically (mode halt)`,
      );
    }
    const nowMs = this.deps.now();
    const stored = await store.insight.getGuardrail(appId, channel);
    const current = viewOf(channel, stored, isProtected, null);
    const next: GuardrailConfig = {
      appId,
      channel,
      enabled: input.enabled ?? current.enabled,
      thresholdBp: Math.round((input.thresholdPercent ?? current.thresholdPercent) * 100),
      lookbackMinutes: input.lookbackMinutes ?? current.lookbackMinutes,
      minLaunches: input.minLaunches ?? current.minLaunches,
      webhookUrl: input.webhookUrl === undefined ? current.webhookUrl : input.webhookUrl,
      updatedAt: new Date(nowMs).toISOString(),
      updatedBy: actor.id,
      mode: input.mode ?? stored?.mode ?? null,
      minSources: input.minSources ?? stored?.minSources ?? null,
    };
    await store.transaction(async (tx) => {
      await tx.insight.putGuardrail(next);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'guardrail.set',
          target: `channel:${channel}`,
          details: {
            enabled: next.enabled,
            thresholdBp: next.thresholdBp,
            lookbackMinutes: next.lookbackMinutes,
            minLaunches: next.minLaunches,
            mode: next.mode ?? `${current.mode} (default)`,
            minSources: next.minSources ?? GUARDRAIL_DEFAULTS.minSources,
            webhook: hostOf(next.webhookUrl),
          },
        },
        nowMs,
      );
    });
    return viewOf(channel, next, isProtected, actor);
  }

  /** The guardrail's view of one release on one channel (platform and runtime of its pointer). */
  async health(
    appId: string,
    releaseId: string,
    channel: string,
    reader: Actor | null = null,
  ): Promise<GuardrailHealth> {
    const { store } = this.deps;
    const config = await store.insight.getGuardrail(appId, channel);
    const view = viewOf(channel, config, (await this.protectedChannels(appId)).has(channel), reader);
    const pointer = (await store.rollout.listPointers(appId)).find(
      (p) => p.channel === channel && p.releaseId === releaseId,
    );
    const trips = await store.insight.listTrips(appId, { releaseId, channel });
    const lastTrip = trips[0] ?? null;
    const { fromMinute, toMinute } = this.window(view.lookbackMinutes, lastTrip);
    const totals = await store.insight.rollupTotals(appId, releaseId, channel, fromMinute, toMinute);
    const launches = totals['launched'] ?? 0;
    const crashes = totals['crash'] ?? 0;
    const rollbacks = totals['rollback'] ?? 0;
    const failureSources = estimateDistinct(
      await store.insight.eventSourceRegisters(appId, releaseId, channel, fromMinute, toMinute),
    );
    let status: GuardrailHealth['status'];
    if (pointer?.haltedAt) status = lastTrip && lastTrip.at >= pointer.haltedAt ? 'halted-by-guardrail' : 'halted';
    else if (!view.enabled) status = 'disabled';
    else if (lastTrip?.action === 'alerted' && this.sinceTripMinutes(lastTrip) < view.lookbackMinutes)
      status = 'alerting';
    else if (launches < view.minLaunches) status = 'insufficient-data';
    else status = 'watching';
    return {
      channel,
      releaseId,
      status,
      windowFrom: new Date(fromMinute * MINUTE_MS).toISOString(),
      failureSources,
      launches,
      crashes,
      rollbacks,
      crashRate: ratio(crashes, launches),
      rollbackRate: ratio(rollbacks, launches),
      guardrail: view,
      lastTrip,
    };
  }

  private sinceTripMinutes(trip: GuardrailTrip): number {
    return (this.deps.now() - Date.parse(trip.at)) / MINUTE_MS;
  }

  /** The lookback window, never reaching back before the release's last trip (a resumed rollout starts afresh). */
  private window(lookbackMinutes: number, lastTrip: GuardrailTrip | null): { fromMinute: number; toMinute: number } {
    const toMinute = Math.floor(this.deps.now() / MINUTE_MS);
    let fromMinute = toMinute - lookbackMinutes + 1;
    if (lastTrip) fromMinute = Math.max(fromMinute, Math.floor(Date.parse(lastTrip.at) / MINUTE_MS) + 1);
    return { fromMinute, toMinute };
  }

  /**
   * One pass over every rollout that is live: halts those above their threshold. Safe to run
   * on several server instances at once: the halt is a transaction, and the loser gets
   * `already-halted` and records nothing. A tripped rollout whose halt failed (it lost every
   * race to re-sign, or the store failed) is in `deferred` and stays live with no trip
   * recorded, so the next pass finds it above the threshold again and halts it then; one
   * failure does not keep the pass from the other rollouts.
   */
  async runOnce(): Promise<{ halted: GuardrailTrip[]; deferred: DeferredHalt[] }> {
    const { store } = this.deps;
    const halted: GuardrailTrip[] = [];
    const deferred: DeferredHalt[] = [];
    for (const app of await store.trust.listApps()) {
      const configs = new Map((await store.insight.listGuardrails(app.appId)).map((g) => [g.channel, g]));
      const protectedOnes = await this.protectedChannels(app.appId);
      for (const p of await store.rollout.listPointers(app.appId)) {
        if (p.haltedAt || p.basisPoints === 0) continue;
        const view = viewOf(p.channel, configs.get(p.channel) ?? null, protectedOnes.has(p.channel), null);
        if (!view.enabled) continue;
        const outcome = await this.evaluate(p, view);
        if (outcome && 'deferred' in outcome) deferred.push(outcome.deferred);
        else if (outcome) halted.push(outcome);
      }
    }
    return { halted, deferred };
  }

  private async evaluate(
    p: PointerRecord,
    view: GuardrailView,
  ): Promise<GuardrailTrip | { deferred: DeferredHalt } | null> {
    const { store } = this.deps;
    const h = await this.health(p.appId, p.releaseId, p.channel);
    if (h.launches < view.minLaunches) return null;
    // However many events, fewer distinct sources than this cannot trip anything.
    if (h.failureSources < view.minSources) return null;
    if (h.status === 'alerting') return null; // already alerted for this window
    const thresholdBp = Math.round(view.thresholdPercent * 100);
    const crashBp = Math.round((h.crashRate ?? 0) * 10_000);
    const rollbackBp = Math.round((h.rollbackRate ?? 0) * 10_000);
    const metric: GuardrailTrip['metric'] = crashBp >= rollbackBp ? 'crash' : 'rollback';
    const rateBp = Math.max(crashBp, rollbackBp);
    if (rateBp <= thresholdBp) return null;
    const orgId = await store.access.getAppOrg(p.appId);
    if (!orgId) return null;
    if (view.mode === 'halt') {
      const actor: Actor = {
        id: 'guardrail',
        orgId,
        name: 'guardrail',
        kind: 'service',
        role: 'release-manager',
        scopes: ['release'],
        requestId: `guardrail-${randomUUID()}`,
      };
      const guardrail = { metric, rateBp, thresholdBp, launches: h.launches, lookbackMinutes: view.lookbackMinutes };
      try {
        await this.deps.releaseOps.halt(actor, p.appId, p.releaseId, p.channel, { guardrail });
      } catch (err) {
        const lostRace = err instanceof ApiError && err.code === ErrorCode.metadataChanged;
        // Another instance (or a person) halted or moved it first: nothing to record.
        if (err instanceof ApiError && err.statusCode === 409 && !lostRace) return null;
        const { appId, channel, releaseId } = p;
        const reason = lostRace ? 'lost-race' : 'failed';
        return { deferred: { appId, channel, releaseId, ...guardrail, reason, error: (err as Error).message } };
      }
    }
    const config = await store.insight.getGuardrail(p.appId, p.channel);
    const webhookUrl = config?.webhookUrl ?? null;
    const nowMs = this.deps.now();
    const trip: GuardrailTrip = {
      id: randomUUID(),
      appId: p.appId,
      channel: p.channel,
      releaseId: p.releaseId,
      metric,
      rateBp,
      thresholdBp,
      launches: h.launches,
      failures: metric === 'crash' ? h.crashes : h.rollbacks,
      at: new Date(nowMs).toISOString(),
      webhookStatus: webhookUrl ? 'pending' : 'none',
      webhookAttempts: 0,
      action: view.mode === 'halt' ? 'halted' : 'alerted',
    };
    // The trip and its webhook commit together; the webhook job delivers it (never this pass).
    await store.transaction(async (tx) => {
      await tx.insight.insertTrip(trip);
      if (!webhookUrl) return;
      await enqueueWebhook(
        tx,
        {
          orgId,
          appId: p.appId,
          kind: trip.action === 'halted' ? 'guardrail.halted' : 'guardrail.alert',
          url: webhookUrl,
          ref: `guardrail-trip:${trip.id}`,
          payload: {
            type: trip.action === 'halted' ? 'guardrail.halted' : 'guardrail.alert',
            appId: p.appId,
            channel: p.channel,
            platform: p.platform,
            runtimeVersion: p.runtimeVersion,
            releaseId: p.releaseId,
            mode: view.mode,
            metric,
            rate: rateBp / 10_000,
            threshold: thresholdBp / 10_000,
            launches: h.launches,
            failures: trip.failures,
            failureSources: h.failureSources,
            lookbackMinutes: view.lookbackMinutes,
            at: trip.at,
          },
        },
        nowMs,
      );
    });
    return trip;
  }
}
