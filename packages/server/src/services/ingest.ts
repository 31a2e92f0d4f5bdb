import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TelemetryEvent } from '@updraft/protocol';
import { ApiError, appNotFound, conflict, notFound } from '../api-error.js';
import type { IngestKeyRecord, MetadataStore, StoredEvent } from '../store/index.js';
import type { Actor } from './access.js';
import { appendAudit } from './audit.js';

/**
 * Device events: per-app ingest keys, a per-key rate limit, and a group-committing writer.
 * An ingest key only lets a device report events for one app; it is shipped inside app
 * binaries, so it is treated as public-ish: it cannot read anything or reach /v1 admin routes.
 */

/** `updraft_ingest_` + 43 characters (32 random bytes); never valid as an admin key. */
export const INGEST_KEY_PATTERN = /^updraft_ingest_[A-Za-z0-9_-]{43}$/;

export interface IngestKeySummary {
  id: string;
  appId: string;
  name: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface IngestRateLimit {
  /** Sustained events per second per key (default 50,000: a key is shared by a whole fleet). */
  eventsPerSecond: number;
  /** Bucket size (default 2 s worth). */
  burst: number;
}

export const DEFAULT_INGEST_RATE_LIMIT: IngestRateLimit = { eventsPerSecond: 50_000, burst: 100_000 };
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

  constructor(private readonly store: MetadataStore) {}

  write(events: StoredEvent[]): Promise<{ accepted: number; duplicates: number }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
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
          const fresh = await this.store.transaction((tx) => tx.insight.insertEvents(unique));
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

  constructor(
    private readonly deps: { store: MetadataStore; now: () => number; rateLimit?: Partial<IngestRateLimit> },
  ) {
    this.writer = new GroupCommitWriter(deps.store);
    const eventsPerSecond = deps.rateLimit?.eventsPerSecond ?? DEFAULT_INGEST_RATE_LIMIT.eventsPerSecond;
    this.limit = { eventsPerSecond, burst: deps.rateLimit?.burst ?? eventsPerSecond * 2 };
  }

  async createKey(actor: Actor, appId: string, name: string): Promise<IngestKeySummary & { key: string }> {
    const { store } = this.deps;
    if (!(await store.getApp(appId))) throw appNotFound(appId);
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
    if (!(await this.deps.store.getApp(appId))) throw appNotFound(appId);
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
        401,
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
        401,
        'unauthorized',
        'the ingest key is unknown; create one with: updraft keys ingest create --app A',
      );
    if (cached.record.revokedAt) {
      throw new ApiError(
        401,
        'unauthorized',
        `the ingest key was revoked at ${cached.record.revokedAt}; ship a new one`,
      );
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
        429,
        'rate-limited',
        `this ingest key sent more than ${this.limit.eventsPerSecond} events/s; retry the same batch (same event ids) in ${waitS} s`,
        { retryAfterSeconds: waitS },
      );
    }
    b.tokens -= n;
  }

  /** Stores events a compatibility front door derived (CodePush reports), under the same rate limit per `limitKey`. */
  async record(limitKey: string, events: StoredEvent[]): Promise<{ accepted: number; duplicates: number }> {
    this.take(limitKey, events.length);
    return this.writer.write(events);
  }

  /** Stores a batch; events whose id was already stored are counted as duplicates, not stored again. */
  async ingest(key: IngestKeyRecord, events: TelemetryEvent[]): Promise<{ accepted: number; duplicates: number }> {
    this.take(key.id, events.length);
    const receivedMinute = Math.floor(this.deps.now() / 60_000);
    const stored: StoredEvent[] = events.map((e) => ({
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
    return this.writer.write(stored);
  }
}
