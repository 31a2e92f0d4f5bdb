import type { Kysely } from 'kysely';
import type { EventSourceMark, InsightStore } from '../insight-store.js';
import type { Tables } from '../schema.js';

type EventSourceAccess = Pick<
  InsightStore,
  'addEventSources' | 'eventSourceRegisters' | 'pruneEventSources' | 'pruneRollups'
>;

const CHUNK = 150;

/** HyperLogLog marks of failure reporters, and the retention of rollups. */
export class EventSourceQueries implements EventSourceAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async addEventSources(marks: EventSourceMark[]): Promise<void> {
    for (let i = 0; i < marks.length; i += CHUNK) {
      await this.db
        .insertInto('event_sources')
        .values(
          marks.slice(i, i + CHUNK).map((m) => ({
            app_id: m.appId,
            release_id: m.releaseId,
            channel: m.channel,
            minute: m.minute,
            reg: m.reg,
            rank: m.rank,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  async eventSourceRegisters(
    appId: string,
    releaseId: string,
    channel: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('event_sources')
      .select((eb) => ['reg', eb.fn.max<number | string>('rank').as('rank')])
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .where('channel', '=', channel)
      .where('minute', '>=', fromMinute)
      .where('minute', '<=', toMinute)
      .groupBy('reg')
      .execute();
    return new Map(rows.map((r) => [Number(r.reg), Number(r.rank)]));
  }

  async pruneEventSources(beforeMinute: number): Promise<number> {
    const r = await this.db.deleteFrom('event_sources').where('minute', '<', beforeMinute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async pruneRollups(beforeMinute: number): Promise<number> {
    const r = await this.db.deleteFrom('event_rollups').where('minute', '<', beforeMinute).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
