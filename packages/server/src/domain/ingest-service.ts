import type { insightApi } from '@updraft/api';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TelemetryEvent } from '@updraft/protocol';
import { ApiError, appNotFound, conflict, notFound } from './api-error.js';
import type { EventSourceMark, IngestKeyRecord, StoredEvent, Transactional } from '../persistence/persistence.js';
import type { Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { sketchMark, SourceHasher, sourceOf } from './source-sketch.js';

/**
 * Device events: per-app ingest keys, a per-key rate limit, and a group-committing writer.
 * An ingest key only lets a device report events for one app; it is shipped inside app
 * binaries, so it is treated as public-ish: it cannot read anything or reach /v1 admin routes.
 */

/** `updraft_ingest_` + 43 characters (32 random bytes); never valid as an admin key. */
export const INGEST_KEY_PATTERN = /^updraft_ingest_[A-Za-z0-9_-]{43}$/;

export type IngestKeySummary = insightApi.IngestKeySummary;

export interface IngestRateLimit {
  /** Sustained events per second per key (default 50,000: a key is shared by a whole fleet). */
  eventsPerSecond: number;
  /** Bucket size (default 2 s worth). */
  burst: number;
}

export const DEFAULT_INGEST_RATE_LIMIT: IngestRateLimit = { eventsPerSecond: 50_000, burst: 100_000 };
/**
 * Per network source (issue 14 §3): at most this many events a minute are accepted (429
 * beyond), and of each event kind per app only `sourceBudget` an hour count (default 100);
 * the rest are acknowledged and dropped, so one source in any volume moves a rate by a
 * bounded amount. Many real devices behind one carrier NAT share a source: the budget is
 * sized so that they are still counted, just not without bound.
 */
export const DEFAULT_SOURCE_EVENTS_PER_MINUTE = 6_000;
export const DEFAULT_SOURCE_BUDGET = 100;
/** Events naming a release or channel the app never served are counted here, one bucket per minute. */
export const UNKNOWN_BUCKET = '?';
const KNOWN_CACHE_MS = 10_000;
const MAX_TRACKED = 200_000;
const FAILURE_EVENTS = new Set(['crash', 'rollback']);
/** Revoking a key on another server instance takes effect within this long. */
const KEY_CACHE_MS = 10_000;

const summary = (k: IngestKeyRecord): IngestKeySummary => ({
  id: k.id,
  appId: k.appId,
  name: k.name,
  createdAt: k.createdAt,
  createdBy: k.createdBy,
  revokedAt: k.revokedAt,
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface Pending {
  events: StoredEvent[];
  marks: EventSourceMark[];
  resolve: (r: { accepted: number; duplicates: number }) => void;
  reject: (err: unknown) => void;
}

/**
 * Writes event batches in few transactions: batches that arrive while one transaction runs
 * are committed together in the next, and each request is answered only after the
 * transaction that holds its events committed (an acknowledged event is durable).
 */
class GroupCommitWriter {
  private queue: Pending[] = [];
  private running = false;

  constructor(private readonly store: Transactional<'insight'>) {}

  write(events: StoredEvent[], marks: EventSourceMark[]): Promise<{ accepted: number; duplicates: number }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, marks, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        // The first occurrence of an id in the group is the one stored; later ones are retries.
        const seen = new Set<string>();
        const unique: StoredEvent[] = [];
        const firsts = group.map((p) =>
          p.events.filter((e) => {
            if (seen.has(e.id)) return false;
            seen.add(e.id);
            unique.push(e);
            return true;
          }),
        );
        try {
          const marks = group.flatMap((p) => p.marks);
          const fresh = await this.store.transaction(async (tx) => {
            const ids = await tx.insight.insertEvents(unique);
            if (marks.length > 0) await tx.insight.addEventSources(marks);
            return ids;
          });
          group.forEach((p, i) => {
            const accepted = firsts[i]!.filter((e) => fresh.has(e.id)).length;
            p.resolve({ accepted, duplicates: p.events.length - accepted });
          });
        } catch (err) {
          for (const p of group) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

export class IngestService {
  private readonly writer: GroupCommitWriter;
  private readonly keyCache = new Map<string, { record: IngestKeyRecord | null; at: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly limit: IngestRateLimit;
  private readonly hasher: SourceHasher;
  /** Per source and minute: events accepted. Per source, hour, app and event: events counted. */
  private sourceMinute = { minute: -1, counts: new Map<bigint, number>() };
  private sourceHour = { hour: -1, counts: new Map<string, number>() };
  private readonly known = new Map<string, { releases: Map<string, boolean>; channels: Set<string>; at: number }>();
  private readonly sourceBudget: number;
  private readonly sourceEventsPerMinute: number;

  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'insight'>;
      now: () => number;
      rateLimit?: Partial<IngestRateLimit>;
      sourceBudget?: number;
      /** Events a minute one source may send (429 beyond). */
      sourceEventsPerMinute?: number;
    },
  ) {
    this.sourceEventsPerMinute = deps.sourceEventsPerMinute ?? DEFAULT_SOURCE_EVENTS_PER_MINUTE;
    this.hasher = new SourceHasher(deps.now);
    this.sourceBudget = deps.sourceBudget ?? DEFAULT_SOURCE_BUDGET;
    this.writer = new GroupCommitWriter(deps.store);
    const eventsPerSecond = deps.rateLimit?.eventsPerSecond ?? DEFAULT_INGEST_RATE_LIMIT.eventsPerSecond;
    this.limit = { eventsPerSecond, burst: deps.rateLimit?.burst ?? eventsPerSecond * 2 };
  }

  async createKey(actor: Actor, appId: string, name: string): Promise<IngestKeySummary & { key: string }> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const key = `updraft_ingest_${randomBytes(32).toString('base64url')}`;
    const nowMs = this.deps.now();
    const record: IngestKeyRecord = {
      id: randomUUID(),
      appId,
      name,
      keySha256: sha256(key),
      createdAt: new Date(nowMs).toISOString(),
      createdBy: actor.id,
      revokedAt: null,
    };
    await store.transaction(async (tx) => {
      await tx.insight.insertIngestKey(record);
      await appendAudit(
        tx,
        actor,
        { appId, action: 'ingest-key.create', target: `ingest-key:${record.id}`, details: { name } },
        nowMs,
      );
    });
    return { ...summary(record), key };
  }

  async listKeys(appId: string): Promise<IngestKeySummary[]> {
    if (!(await this.deps.store.trust.getApp(appId))) throw appNotFound(appId);
    return (await this.deps.store.insight.listIngestKeys(appId)).map(summary);
  }

  async revokeKey(actor: Actor, appId: string, id: string): Promise<IngestKeySummary> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const keys = await store.insight.listIngestKeys(appId);
    const record = keys.find((k) => k.id === id);
    if (!record) throw notFound('ingest-key-not-found', `app ${appId} has no ingest key ${id}; list them first`);
    if (record.revokedAt)
      throw conflict('already-revoked', `ingest key ${id} was already revoked at ${record.revokedAt}`);
    const at = new Date(nowMs).toISOString();
    await store.transaction(async (tx) => {
      await tx.insight.revokeIngestKey(appId, id, at);
      await appendAudit(tx, actor, { appId, action: 'ingest-key.revoke', target: `ingest-key:${id}` }, nowMs);
    });
    this.keyCache.delete(record.keySha256);
    return summary({ ...record, revokedAt: at });
  }

  /** The app an `Authorization: Bearer updraft_ingest_…` header may report for; 401 otherwise. */
  async authenticate(authorization: string | undefined): Promise<IngestKeyRecord> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match || !INGEST_KEY_PATTERN.test(match[1]!)) {
      throw new ApiError(
        'unauthorized',
        'send the app\'s ingest key as "Authorization: Bearer updraft_ingest_…" (create one with: updraft keys ingest create --app A)',
      );
    }
    const hash = sha256(match[1]!);
    const nowMs = this.deps.now();
    let cached = this.keyCache.get(hash);
    if (!cached || nowMs - cached.at > KEY_CACHE_MS) {
      cached = { record: await this.deps.store.insight.findIngestKey(hash), at: nowMs };
      if (this.keyCache.size > 10_000) this.keyCache.clear();
      this.keyCache.set(hash, cached);
    }
    if (!cached.record)
      throw new ApiError(
        'unauthorized',
        'the ingest key is unknown; create one with: updraft keys ingest create --app A',
      );
    if (cached.record.revokedAt) {
      throw new ApiError('unauthorized', `the ingest key was revoked at ${cached.record.revokedAt}; ship a new one`);
    }
    return cached.record;
  }

  /** Token bucket per key: refuses with 429 and how long to wait. */
  private take(keyId: string, n: number): void {
    const nowMs = this.deps.now();
    const b = this.buckets.get(keyId) ?? { tokens: this.limit.burst, at: nowMs };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((nowMs - b.at) / 1000) * this.limit.eventsPerSecond);
    b.at = nowMs;
    this.buckets.set(keyId, b);
    if (b.tokens < n) {
      const waitS = Math.max(1, Math.ceil((n - b.tokens) / this.limit.eventsPerSecond));
      throw new ApiError(
        'rate-limited',
        `this ingest key sent more than ${this.limit.eventsPerSecond} events/s; retry the same batch (same event ids) in ${waitS} s`,
        { retryAfterSeconds: waitS },
      );
    }
    b.tokens -= n;
  }

  /** 429 when one source sends more than its events a minute. */
  private takeSource(source: bigint, n: number, minute: number): void {
    // Bounded memory: past this many sources a minute the table starts over (the distinct-
    // source requirement of a halt does not depend on it).
    if (this.sourceMinute.minute !== minute || this.sourceMinute.counts.size > MAX_TRACKED) {
      this.sourceMinute = { minute, counts: new Map() };
    }
    const used = this.sourceMinute.counts.get(source) ?? 0;
    if (used + n > this.sourceEventsPerMinute) {
      const waitS = 60 - Math.floor((this.deps.now() / 1000) % 60);
      throw new ApiError(
        'rate-limited',
        `this network source sent more than ${this.sourceEventsPerMinute} events this minute; retry the same batch in ${waitS} s`,
        { retryAfterSeconds: waitS },
      );
    }
    this.sourceMinute.counts.set(source, used + n);
  }

  /** Whether this source may still be counted for this app and event kind this hour. */
  private withinBudget(source: bigint, appId: string, event: string, hour: number): boolean {
    if (this.sourceHour.hour !== hour || this.sourceHour.counts.size > MAX_TRACKED) {
      this.sourceHour = { hour, counts: new Map() };
    }
    const key = `${source}\u0000${appId}\u0000${event}`;
    const used = this.sourceHour.counts.get(key) ?? 0;
    if (used >= this.sourceBudget) return false;
    this.sourceHour.counts.set(key, used + 1);
    return true;
  }

  /**
   * The releases and channels the app served, cached briefly: a forged name costs one lookup
   * per cache period at most, never a row of its own.
   */
  private async knownNames(appId: string, releaseIds: Set<string>): Promise<(r: string, c: string) => boolean> {
    const nowMs = this.deps.now();
    let k = this.known.get(appId);
    if (!k || nowMs - k.at > KNOWN_CACHE_MS) {
      const channels = new Set((await this.deps.store.rollout.listChannels(appId)).map((c) => c.name));
      k = { releases: new Map(), channels, at: nowMs };
      if (this.known.size > 10_000) this.known.clear();
      this.known.set(appId, k);
    }
    for (const id of releaseIds) {
      if (k.releases.has(id) || k.releases.size > 10_000) continue;
      k.releases.set(id, (await this.deps.store.releases.getRelease(appId, id)) !== null);
    }
    const entry = k;
    return (r, c) => entry.channels.has(c) && (r === '' || entry.releases.get(r) === true);
  }

  /**
   * Stores a batch; events whose id was already stored are counted as duplicates, not stored
   * again. `source` is the request's network address: it is hashed under a daily key that is
   * never stored, and only the hash's HyperLogLog mark is kept (for failure events).
   */
  /**
   * Stores a batch; events whose id was already stored are counted as duplicates, not stored
   * again. `source` is the request's network address (see admit).
   */
  async ingest(
    key: IngestKeyRecord,
    events: TelemetryEvent[],
    source = 'unknown',
  ): Promise<{ accepted: number; duplicates: number; uncounted: number }> {
    this.take(key.id, events.length);
    const receivedMinute = Math.floor(this.deps.now() / 60_000);
    const stored = events.map((e) => ({
      id: e.id,
      appId: key.appId,
      platform: e.platform,
      channel: e.channel,
      releaseId: e.releaseId ?? '',
      event: e.event,
      reason: e.reason ?? null,
      binaryVersion: e.binaryVersion ?? null,
      at: e.at,
      receivedMinute,
    }));
    return this.admit(key.appId, stored, source);
  }

  /**
   * Stores events a compatibility front door derived (CodePush reports), under the same rate
   * limit per `limitKey` and the same rules per network source.
   */
  async record(
    limitKey: string,
    appId: string,
    events: StoredEvent[],
    source = 'unknown',
  ): Promise<{ accepted: number; duplicates: number; uncounted: number }> {
    this.take(limitKey, events.length);
    return this.admit(appId, events, source);
  }

  /**
   * The rules for events from a public key (issue 14 §3): a per-source rate limit, a counting
   * budget per source, unknown names into one bucket, and a HyperLogLog mark of the source
   * of every failure report. The source is hashed under a daily key that is never stored.
   */
  private async admit(
    appId: string,
    events: StoredEvent[],
    source: string,
  ): Promise<{ accepted: number; duplicates: number; uncounted: number }> {
    const receivedMinute = Math.floor(this.deps.now() / 60_000);
    const sourceHash = this.hasher.hash(sourceOf(source));
    this.takeSource(sourceHash, events.length, receivedMinute);
    const hour = Math.floor(receivedMinute / 60);
    const isKnown = await this.knownNames(appId, new Set(events.map((e) => e.releaseId).filter((r) => r !== '')));
    const stored: StoredEvent[] = [];
    for (const e of events) {
      if (!this.withinBudget(sourceHash, appId, e.event, hour)) continue;
      if (isKnown(e.releaseId, e.channel)) stored.push(e);
      else {
        stored.push({
          ...e,
          platform: UNKNOWN_BUCKET,
          channel: UNKNOWN_BUCKET,
          releaseId: UNKNOWN_BUCKET,
          binaryVersion: null,
        });
      }
    }
    const { reg, rank } = sketchMark(sourceHash);
    const marks = new Map<string, { releaseId: string; channel: string }>();
    for (const e of stored) {
      if (FAILURE_EVENTS.has(e.event) && e.releaseId !== UNKNOWN_BUCKET) {
        marks.set(`${e.releaseId}\u0000${e.channel}`, { releaseId: e.releaseId, channel: e.channel });
      }
    }
    const written = await this.writer.write(
      stored,
      [...marks.values()].map((m) => ({ appId, ...m, minute: receivedMinute, reg, rank })),
    );
    return { ...written, uncounted: events.length - stored.length };
  }
}
