import type { insightApi } from '@updraft/api';
import { TELEMETRY_EVENTS } from '@updraft/protocol';
import { appNotFound, badRequest, notFound } from './api-error.js';
import type { Ports } from '../persistence/persistence.js';

/**
 * Reads over the per-minute rollups: a release's event counts per minute, its adoption curve
 * and its rates. The cost is O(minutes in the range × event kinds), whatever the number of
 * events behind them.
 */

export const MINUTE_MS = 60_000;
/** The widest range one read may ask for: 31 days of minutes. */
export const MAX_RANGE_MINUTES = 31 * 24 * 60;

export type ReleaseInsight = insightApi.ReleaseInsight;

export const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export function emptyCounts(): Record<string, number> {
  return Object.fromEntries(TELEMETRY_EVENTS.map((e) => [e, 0]));
}

export class InsightService {
  constructor(private readonly deps: { store: Ports<'trust' | 'releases' | 'insight'>; now: () => number }) {}

  async releaseInsight(
    appId: string,
    releaseId: string,
    query: { channel?: string; from?: string; to?: string },
  ): Promise<ReleaseInsight> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const release = await store.releases.getRelease(appId, releaseId);
    if (!release) throw notFound('release-not-found', `app ${appId} has no release "${releaseId}"`);
    const toMs = query.to ? Date.parse(query.to) : this.deps.now();
    // Default: from the release's creation (adoption starts there), at most the widest range.
    const fromMs = query.from
      ? Date.parse(query.from)
      : Math.max(Date.parse(release.createdAt), toMs - MAX_RANGE_MINUTES * MINUTE_MS);
    const fromMinute = Math.floor(fromMs / MINUTE_MS);
    const toMinute = Math.floor(toMs / MINUTE_MS);
    if (toMinute < fromMinute) throw badRequest('invalid-request', 'query.from must be before query.to');
    if (toMinute - fromMinute > MAX_RANGE_MINUTES) {
      throw badRequest(
        'invalid-request',
        `query.from…to spans more than ${MAX_RANGE_MINUTES / 1440} days; ask for a shorter range`,
      );
    }
    const filter: { channel?: string; fromMinute: number; toMinute: number } = { fromMinute, toMinute };
    if (query.channel !== undefined) filter.channel = query.channel;
    const rows = await store.insight.rollups(appId, releaseId, filter);
    const byMinute = new Map<number, Record<string, number>>();
    const totals = emptyCounts();
    for (const r of rows) {
      let counts = byMinute.get(r.minute);
      if (!counts) byMinute.set(r.minute, (counts = emptyCounts()));
      counts[r.event] = (counts[r.event] ?? 0) + r.count;
      totals[r.event] = (totals[r.event] ?? 0) + r.count;
    }
    let adoption = 0;
    const series = [...byMinute.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, counts]) => {
        adoption += counts['app_ready'] ?? 0;
        return { at: new Date(minute * MINUTE_MS).toISOString(), counts, adoption };
      });
    const n = (e: string) => totals[e] ?? 0;
    return {
      appId,
      releaseId,
      channel: query.channel ?? null,
      from: new Date(fromMinute * MINUTE_MS).toISOString(),
      to: new Date(toMinute * MINUTE_MS).toISOString(),
      totals,
      rates: {
        installSuccess: ratio(n('installed'), n('download_started')),
        crash: ratio(n('crash'), n('launched')),
        rollback: ratio(n('rollback'), n('launched')),
      },
      series,
    };
  }
}
