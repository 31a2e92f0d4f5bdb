import { CompiledQuery, type Kysely } from 'kysely';
import type { InsightStore, RollupRow, StoredEvent } from '../insight-store.js';
import type { Tables } from '../schema.js';

type DeviceEventAccess = Pick<
  InsightStore,
  'insertEvents' | 'countEvents' | 'pruneEvents' | 'rollups' | 'rollupTotals'
>;

/** 10 columns per event row: well under every dialect's bound-parameter limit. */
const EVENT_CHUNK = 200;
const ROLLUP_CHUNK = 300;
/** Compiled per (dialect, row count): the SQL text depends on nothing else. */
const INSERT_EVENTS_SQL = new Map<string, string>();

/** Device events as received (deduplicated by id) and their per-minute rollups, which outlive them. */
export class DeviceEventQueries implements DeviceEventAccess {
  constructor(private readonly db: Kysely<Tables>) {}

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
    // Ties in key order on every dialect (PostgreSQL gives no order unless asked).
    const rows = await q.orderBy('minute').orderBy('channel').orderBy('event').execute();
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
}
