import { CompiledQuery, type Kysely } from 'kysely';
import type { Role } from './control-plane-store.js';
import type {
  GuardrailConfig,
  GuardrailTrip,
  IngestKeyRecord,
  InsightStore,
  RollupRow,
  SessionRecord,
  StoredEvent,
  UserRecord,
} from './insight-store.js';
import type { Database } from './schema.js';

/** 10 columns per event row: well under every dialect's bound-parameter limit. */
const EVENT_CHUNK = 200;
const ROLLUP_CHUNK = 300;
/** Compiled per (dialect, row count): the SQL text depends on nothing else. */
const INSERT_EVENTS_SQL = new Map<string, string>();

const ingestKeyOf = (r: Database['ingest_keys']): IngestKeyRecord => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  keySha256: r.key_sha256,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
});

const guardrailOf = (r: Database['guardrails']): GuardrailConfig => ({
  appId: r.app_id,
  channel: r.channel,
  enabled: r.enabled === 1,
  thresholdBp: r.threshold_bp,
  lookbackMinutes: r.lookback_minutes,
  minLaunches: r.min_launches,
  webhookUrl: r.webhook_url,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

const tripOf = (r: Database['guardrail_trips']): GuardrailTrip => ({
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
});

const userOf = (r: Database['users']): UserRecord => ({
  id: r.id,
  orgId: r.org_id,
  email: r.email,
  role: r.role as Role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at,
});

/** InsightStore over Kysely, dialect-neutral like KyselyMetadataStore. */
export class KyselyInsightStore implements InsightStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The hot path of ingest: building the query tree of a 200-row insert costs more than
   * SQLite's work, so the dialect's SQL for each row count is compiled once (by Kysely, so
   * it stays dialect-neutral) and reused with fresh parameters, in the column order below.
   */
  private insertEventsSql(rows: number): string {
    const key = `${this.db.getExecutor().adapter.constructor.name}:${rows}`;
    let sqlText = INSERT_EVENTS_SQL.get(key);
    if (sqlText === undefined) {
      const row = {
        id: '',
        app_id: '',
        platform: '',
        channel: '',
        release_id: '',
        event: '',
        reason: null,
        binary_version: null,
        at: '',
        received_minute: 0,
      };
      sqlText = this.db
        .insertInto('device_events')
        .values(Array.from({ length: rows }, () => row))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .compile().sql;
      INSERT_EVENTS_SQL.set(key, sqlText);
    }
    return sqlText;
  }

  async insertIngestKey(k: IngestKeyRecord): Promise<void> {
    await this.db
      .insertInto('ingest_keys')
      .values({
        id: k.id,
        app_id: k.appId,
        name: k.name,
        key_sha256: k.keySha256,
        created_at: k.createdAt,
        created_by: k.createdBy,
        revoked_at: k.revokedAt,
      })
      .execute();
  }

  async findIngestKey(keySha256: string): Promise<IngestKeyRecord | null> {
    const r = await this.db
      .selectFrom('ingest_keys')
      .selectAll()
      .where('key_sha256', '=', keySha256)
      .executeTakeFirst();
    return r ? ingestKeyOf(r) : null;
  }

  async listIngestKeys(appId: string): Promise<IngestKeyRecord[]> {
    const rows = await this.db
      .selectFrom('ingest_keys')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map(ingestKeyOf);
  }

  async revokeIngestKey(appId: string, id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('ingest_keys')
      .set({ revoked_at: at })
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async insertEvents(events: StoredEvent[]): Promise<Set<string>> {
    const fresh = new Set<string>();
    for (let i = 0; i < events.length; i += EVENT_CHUNK) {
      const chunk = events.slice(i, i + EVENT_CHUNK);
      const params: unknown[] = [];
      for (const e of chunk) {
        params.push(
          e.id,
          e.appId,
          e.platform,
          e.channel,
          e.releaseId,
          e.event,
          e.reason,
          e.binaryVersion,
          e.at,
          e.receivedMinute,
        );
      }
      const result = await this.db.executeQuery<{ id: string }>(
        CompiledQuery.raw(this.insertEventsSql(chunk.length), params),
      );
      for (const r of result.rows) fresh.add(r.id);
    }
    // One row per key: PostgreSQL refuses to update the same row twice in one statement.
    const counts = new Map<string, { e: StoredEvent; n: number }>();
    for (const e of events) {
      if (!fresh.has(e.id)) continue;
      const key = `${e.appId}\u0000${e.releaseId}\u0000${e.channel}\u0000${e.event}\u0000${e.receivedMinute}`;
      const slot = counts.get(key);
      if (slot) slot.n++;
      else counts.set(key, { e, n: 1 });
    }
    const rollups = [...counts.values()];
    for (let i = 0; i < rollups.length; i += ROLLUP_CHUNK) {
      await this.db
        .insertInto('event_rollups')
        .values(
          rollups.slice(i, i + ROLLUP_CHUNK).map(({ e, n }) => ({
            app_id: e.appId,
            release_id: e.releaseId,
            channel: e.channel,
            event: e.event,
            minute: e.receivedMinute,
            count: n,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['app_id', 'release_id', 'channel', 'event', 'minute'])
            .doUpdateSet((eb) => ({ count: eb('event_rollups.count', '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
    return fresh;
  }

  async countEvents(appId?: string): Promise<number> {
    let q = this.db.selectFrom('device_events').select((eb) => eb.fn.countAll<number | string>().as('n'));
    if (appId !== undefined) q = q.where('app_id', '=', appId);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async pruneEvents(beforeMinute: number): Promise<number> {
    const r = await this.db.deleteFrom('device_events').where('received_minute', '<', beforeMinute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async rollups(
    appId: string,
    releaseId: string,
    filter: { channel?: string; fromMinute: number; toMinute: number },
  ): Promise<RollupRow[]> {
    let q = this.db
      .selectFrom('event_rollups')
      .select(['release_id', 'channel', 'event', 'minute', 'count'])
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .where('minute', '>=', filter.fromMinute)
      .where('minute', '<=', filter.toMinute);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    const rows = await q.orderBy('minute').execute();
    return rows.map((r) => ({
      releaseId: r.release_id,
      channel: r.channel,
      event: r.event,
      minute: Number(r.minute),
      count: Number(r.count),
    }));
  }

  async rollupTotals(
    appId: string,
    releaseId: string,
    channel: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('event_rollups')
      .select((eb) => ['event', eb.fn.sum<number | string>('count').as('n')])
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .where('channel', '=', channel)
      .where('minute', '>=', fromMinute)
      .where('minute', '<=', toMinute)
      .groupBy('event')
      .execute();
    const out: Record<string, number> = {};
    for (const r of rows) out[r.event] = Number(r.n);
    return out;
  }

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
    const rows = await this.db.selectFrom('guardrails').selectAll().where('app_id', '=', appId).execute();
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

  async insertUser(u: UserRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('users')
      .values({
        id: u.id,
        org_id: u.orgId,
        email: u.email,
        role: u.role,
        password_hash: u.passwordHash,
        created_at: u.createdAt,
        created_by: u.createdBy,
        disabled_at: u.disabledAt,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? userOf(r) : null;
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const r = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return r ? userOf(r) : null;
  }

  async listUsers(orgId: string): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('email').execute();
    return rows.map(userOf);
  }

  async disableUser(id: string, at: string): Promise<void> {
    await this.db.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute();
  }

  async insertSession(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_sha256: s.idSha256,
        principal_type: s.principalType,
        principal_id: s.principalId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  async getSession(idSha256: string): Promise<SessionRecord | null> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_sha256', '=', idSha256).executeTakeFirst();
    return r
      ? {
          idSha256: r.id_sha256,
          principalType: r.principal_type as SessionRecord['principalType'],
          principalId: r.principal_id,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
        }
      : null;
  }

  async deleteSession(idSha256: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_sha256', '=', idSha256).execute();
  }

  async deleteSessionsOf(principalType: SessionRecord['principalType'], principalId: string): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where('principal_type', '=', principalType)
      .where('principal_id', '=', principalId)
      .execute();
  }
}
