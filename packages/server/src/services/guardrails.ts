import { randomUUID } from 'node:crypto';
import { ApiError, appNotFound, badRequest } from '../api-error.js';
import type { GuardrailConfig, GuardrailTrip, MetadataStore, PointerRecord } from '../store/index.js';
import type { Actor } from './access.js';
import { appendAudit } from './audit.js';
import { MINUTE_MS, ratio } from './insight.js';
import type { ReleaseOpsService } from './release-ops.js';
import { postWebhook, type WebhookOptions } from './webhook.js';

/**
 * Crash guardrails per channel: when a release's crash or rollback rate over the lookback
 * window is above the threshold with at least `minLaunches` launches, its rollout is halted
 * through the same ReleaseOpsService.halt the halt route uses (so director, snapshot and
 * timestamp are re-signed and devices outside the rollout get the previous release), the
 * audit entry names the actor `guardrail`, and the channel's webhook is called.
 */

export const GUARDRAIL_DEFAULTS = { enabled: true, thresholdBp: 500, lookbackMinutes: 30, minLaunches: 50 } as const;

export interface GuardrailInput {
  enabled?: boolean;
  /** Percent, 0.01…100 (default 5). */
  thresholdPercent?: number;
  lookbackMinutes?: number;
  minLaunches?: number;
  webhookUrl?: string | null;
}

export interface GuardrailView {
  channel: string;
  enabled: boolean;
  thresholdPercent: number;
  lookbackMinutes: number;
  minLaunches: number;
  webhookUrl: string | null;
  /** False while the channel uses the defaults. */
  configured: boolean;
  updatedAt: string | null;
}

export interface GuardrailHealth {
  channel: string;
  releaseId: string;
  /** halted-by-guardrail | watching (enough data, below threshold) | insufficient-data | disabled | halted (by a person) */
  status: 'halted-by-guardrail' | 'watching' | 'insufficient-data' | 'disabled' | 'halted';
  windowFrom: string;
  launches: number;
  crashes: number;
  rollbacks: number;
  crashRate: number | null;
  rollbackRate: number | null;
  guardrail: GuardrailView;
  lastTrip: GuardrailTrip | null;
}

const viewOf = (channel: string, g: GuardrailConfig | null): GuardrailView => ({
  channel,
  enabled: g?.enabled ?? GUARDRAIL_DEFAULTS.enabled,
  thresholdPercent: (g?.thresholdBp ?? GUARDRAIL_DEFAULTS.thresholdBp) / 100,
  lookbackMinutes: g?.lookbackMinutes ?? GUARDRAIL_DEFAULTS.lookbackMinutes,
  minLaunches: g?.minLaunches ?? GUARDRAIL_DEFAULTS.minLaunches,
  webhookUrl: g?.webhookUrl ?? null,
  configured: g !== null,
  updatedAt: g?.updatedAt ?? null,
});

export class GuardrailService {
  constructor(
    private readonly deps: {
      store: MetadataStore;
      now: () => number;
      releaseOps: ReleaseOpsService;
      webhook?: WebhookOptions;
    },
  ) {}

  async list(appId: string): Promise<GuardrailView[]> {
    const { store } = this.deps;
    if (!(await store.getApp(appId))) throw appNotFound(appId);
    const configured = new Map((await store.insight.listGuardrails(appId)).map((g) => [g.channel, g]));
    const channels = new Set([...(await store.listChannels(appId)).map((c) => c.name), ...configured.keys()]);
    return [...channels].sort().map((c) => viewOf(c, configured.get(c) ?? null));
  }

  async set(actor: Actor, appId: string, channel: string, input: GuardrailInput): Promise<GuardrailView> {
    const { store } = this.deps;
    if (!(await store.getApp(appId))) throw appNotFound(appId);
    if (input.webhookUrl) {
      let url: URL;
      try {
        url = new URL(input.webhookUrl);
      } catch {
        throw badRequest('invalid-request', 'body.webhookUrl must be an absolute http(s) URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw badRequest('invalid-request', 'body.webhookUrl must be an http(s) URL');
      }
    }
    const nowMs = this.deps.now();
    const current = viewOf(channel, await store.insight.getGuardrail(appId, channel));
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
            webhook: next.webhookUrl !== null,
          },
        },
        nowMs,
      );
    });
    return viewOf(channel, next);
  }

  /** The guardrail's view of one release on one channel (platform and runtime of its pointer). */
  async health(appId: string, releaseId: string, channel: string): Promise<GuardrailHealth> {
    const { store } = this.deps;
    const config = await store.insight.getGuardrail(appId, channel);
    const view = viewOf(channel, config);
    const pointer = (await store.control.listPointers(appId)).find(
      (p) => p.channel === channel && p.releaseId === releaseId,
    );
    const trips = await store.insight.listTrips(appId, { releaseId, channel });
    const lastTrip = trips[0] ?? null;
    const { fromMinute, toMinute } = this.window(view.lookbackMinutes, lastTrip);
    const totals = await store.insight.rollupTotals(appId, releaseId, channel, fromMinute, toMinute);
    const launches = totals['launched'] ?? 0;
    const crashes = totals['crash'] ?? 0;
    const rollbacks = totals['rollback'] ?? 0;
    let status: GuardrailHealth['status'];
    if (pointer?.haltedAt) status = lastTrip && lastTrip.at >= pointer.haltedAt ? 'halted-by-guardrail' : 'halted';
    else if (!view.enabled) status = 'disabled';
    else if (launches < view.minLaunches) status = 'insufficient-data';
    else status = 'watching';
    return {
      channel,
      releaseId,
      status,
      windowFrom: new Date(fromMinute * MINUTE_MS).toISOString(),
      launches,
      crashes,
      rollbacks,
      crashRate: ratio(crashes, launches),
      rollbackRate: ratio(rollbacks, launches),
      guardrail: view,
      lastTrip,
    };
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
   * `already-halted` and records nothing.
   */
  async runOnce(): Promise<{ halted: GuardrailTrip[] }> {
    const { store } = this.deps;
    const halted: GuardrailTrip[] = [];
    for (const app of await store.listApps()) {
      const configs = new Map((await store.insight.listGuardrails(app.appId)).map((g) => [g.channel, g]));
      for (const p of await store.control.listPointers(app.appId)) {
        if (p.haltedAt || p.basisPoints === 0) continue;
        const view = viewOf(p.channel, configs.get(p.channel) ?? null);
        if (!view.enabled) continue;
        const trip = await this.evaluate(p, view);
        if (trip) halted.push(trip);
      }
    }
    return { halted };
  }

  private async evaluate(p: PointerRecord, view: GuardrailView): Promise<GuardrailTrip | null> {
    const { store } = this.deps;
    const h = await this.health(p.appId, p.releaseId, p.channel);
    if (h.launches < view.minLaunches) return null;
    const thresholdBp = Math.round(view.thresholdPercent * 100);
    const crashBp = Math.round((h.crashRate ?? 0) * 10_000);
    const rollbackBp = Math.round((h.rollbackRate ?? 0) * 10_000);
    const metric = crashBp >= rollbackBp ? 'crash' : 'rollback';
    const rateBp = Math.max(crashBp, rollbackBp);
    if (rateBp <= thresholdBp) return null;
    const orgId = await store.control.getAppOrg(p.appId);
    if (!orgId) return null;
    const actor: Actor = {
      id: 'guardrail',
      orgId,
      name: 'guardrail',
      kind: 'service',
      role: 'release-manager',
      scopes: ['release'],
      requestId: `guardrail-${randomUUID()}`,
    };
    try {
      await this.deps.releaseOps.halt(actor, p.appId, p.releaseId, p.channel, {
        guardrail: { metric, rateBp, thresholdBp, launches: h.launches, lookbackMinutes: view.lookbackMinutes },
      });
    } catch (err) {
      // Another instance (or a person) halted or moved it first: nothing to record.
      if (err instanceof ApiError && err.statusCode === 409) return null;
      throw err;
    }
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
      at: new Date(this.deps.now()).toISOString(),
      webhookStatus: view.webhookUrl ? 'pending' : 'none',
      webhookAttempts: 0,
    };
    await store.insight.insertTrip(trip);
    if (view.webhookUrl) {
      const result = await postWebhook(
        view.webhookUrl,
        {
          type: 'guardrail.halted',
          appId: p.appId,
          channel: p.channel,
          platform: p.platform,
          runtimeVersion: p.runtimeVersion,
          releaseId: p.releaseId,
          metric,
          rate: rateBp / 10_000,
          threshold: thresholdBp / 10_000,
          launches: h.launches,
          failures: trip.failures,
          lookbackMinutes: view.lookbackMinutes,
          at: trip.at,
        },
        this.deps.webhook,
      );
      trip.webhookStatus = result.delivered ? 'delivered' : 'failed';
      trip.webhookAttempts = result.attempts;
      await store.insight.updateTripWebhook(trip.id, trip.webhookStatus, trip.webhookAttempts);
    }
    return trip;
  }
}
