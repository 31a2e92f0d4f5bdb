/**
 * Fleet insight: ingest keys, device events and their per-minute rollups, the HyperLogLog
 * marks of failure reporters, guardrails and their trips, and the outbound webhook queue.
 */

export interface IngestKeyRecord {
  id: string;
  appId: string;
  name: string;
  keySha256: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** An event as stored: no IP address, no device identifier. releaseId '' = none / embedded. */
export interface StoredEvent {
  id: string;
  appId: string;
  platform: string;
  channel: string;
  releaseId: string;
  event: string;
  reason: string | null;
  binaryVersion: string | null;
  at: string;
  receivedMinute: number;
}

export interface RollupRow {
  releaseId: string;
  channel: string;
  event: string;
  minute: number;
  count: number;
}

export interface GuardrailConfig {
  appId: string;
  channel: string;
  enabled: boolean;
  /** 500 = 5 %. */
  thresholdBp: number;
  lookbackMinutes: number;
  minLaunches: number;
  webhookUrl: string | null;
  updatedAt: string;
  updatedBy: string;
  /** 'halt' stops the rollout; 'alert' only notifies. Null: halt, or alert on a protected channel. */
  mode: 'halt' | 'alert' | null;
  /** Distinct network sources a halt needs; null = the default. */
  minSources: number | null;
}

/** One queued outbound webhook (domain/webhook.ts). */
export interface WebhookDelivery {
  id: string;
  /** The organization whose delivery it is (its audit webhook's when appId is null); null before 0014. */
  orgId: string | null;
  appId: string | null;
  /** What raised it, e.g. `guardrail.halted`. */
  kind: string;
  /** What to tell when it settles, e.g. `guardrail-trip:<id>`. */
  ref: string | null;
  url: string;
  /** The JSON body. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  /** The HTTP status the last attempt got; null when it got no answer (or none was made). */
  lastStatus: number | null;
  lastAttemptAt: string | null;
  createdAt: string;
  settledAt: string | null;
}

/** What an attempt changes in a delivery. */
export type WebhookAttempt = Pick<
  WebhookDelivery,
  'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'lastStatus' | 'lastAttemptAt' | 'settledAt'
>;

/** A HyperLogLog (register, rank) pair of one source reporting failures on a release and channel. */
export interface EventSourceMark {
  appId: string;
  releaseId: string;
  channel: string;
  minute: number;
  reg: number;
  rank: number;
}

export interface GuardrailTrip {
  id: string;
  appId: string;
  channel: string;
  releaseId: string;
  metric: 'crash' | 'rollback';
  rateBp: number;
  thresholdBp: number;
  launches: number;
  failures: number;
  at: string;
  /** pending → delivered | failed | none (no webhook configured). */
  webhookStatus: 'pending' | 'delivered' | 'failed' | 'none';
  webhookAttempts: number;
  /** What the guardrail did: halted the rollout, or only alerted (mode `alert`). */
  action: 'halted' | 'alerted';
}

export interface InsightStore {
  insertIngestKey(k: IngestKeyRecord): Promise<void>;
  findIngestKey(keySha256: string): Promise<IngestKeyRecord | null>;
  listIngestKeys(appId: string): Promise<IngestKeyRecord[]>;
  revokeIngestKey(appId: string, id: string, at: string): Promise<boolean>;
  /**
   * Stores the events whose id is new and adds them to the rollups, in the caller's
   * transaction. Returns the ids that were new (the rest were already stored: retries).
   */
  insertEvents(events: StoredEvent[]): Promise<Set<string>>;
  countEvents(appId?: string): Promise<number>;
  /** Drops stored events received before `minute` (rollups are kept). */
  pruneEvents(beforeMinute: number): Promise<number>;
  /** Rollup rows of one release (optionally one channel) in [fromMinute, toMinute]. */
  rollups(
    appId: string,
    releaseId: string,
    filter: { channel?: string; fromMinute: number; toMinute: number },
  ): Promise<RollupRow[]>;
  /** Sum per event of one release on one channel in [fromMinute, toMinute]. */
  rollupTotals(
    appId: string,
    releaseId: string,
    channel: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<Record<string, number>>;
  /** Drops rollups of minutes before `minute`. */
  pruneRollups(beforeMinute: number): Promise<number>;
  /** Adds HyperLogLog marks (already stored pairs are ignored), in the caller's transaction. */
  addEventSources(marks: EventSourceMark[]): Promise<void>;
  /** The highest rank per register of one release on one channel in [fromMinute, toMinute]. */
  eventSourceRegisters(
    appId: string,
    releaseId: string,
    channel: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<Map<number, number>>;
  pruneEventSources(beforeMinute: number): Promise<number>;
  getGuardrail(appId: string, channel: string): Promise<GuardrailConfig | null>;
  listGuardrails(appId: string): Promise<GuardrailConfig[]>;
  putGuardrail(g: GuardrailConfig): Promise<void>;
  insertTrip(t: GuardrailTrip): Promise<void>;
  updateTripWebhook(id: string, status: GuardrailTrip['webhookStatus'], attempts: number): Promise<void>;
  listTrips(appId: string, filter?: { releaseId?: string; channel?: string }): Promise<GuardrailTrip[]>;
  enqueueWebhook(d: WebhookDelivery): Promise<void>;
  /** Pending deliveries whose next attempt is due at `nowIso`, oldest first. */
  dueWebhooks(nowIso: string, limit: number): Promise<WebhookDelivery[]>;
  updateWebhook(id: string, update: WebhookAttempt): Promise<void>;
  getWebhook(id: string): Promise<WebhookDelivery | null>;
  /**
   * An organization's last deliveries, newest first: those of one app, or with `appId` null
   * the organization's own (its audit webhook's).
   */
  listWebhooks(filter: { orgId: string; appId: string | null; limit: number }): Promise<WebhookDelivery[]>;
  /** Drops settled deliveries settled before `beforeIso`. */
  pruneWebhooks(beforeIso: string): Promise<number>;
}
