import type { Kysely, Selectable } from 'kysely';
import type { ChannelRecord, PointerRecord, RolloutStore } from '../rollout-store.js';
import type { Tables, PointersTable } from '../schema.js';
import { json, parseJson, POINTER_KEY_COLUMNS, pointerKey } from './table-util.js';

type ChannelAccess = Pick<RolloutStore, 'ensureChannel' | 'listChannels'>;
type ChannelControlAccess = Pick<
  RolloutStore,
  | 'createChannel'
  | 'getChannel'
  | 'setChannelProtected'
  | 'listPointers'
  | 'getPointer'
  | 'putPointer'
  | 'deletePointer'
>;

/** Channels and their pointers: which release each (channel, platform, runtimeVersion) serves, and how. */
export class ChannelQueries implements ChannelAccess, ChannelControlAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async ensureChannel(appId: string, name: string, at: string): Promise<void> {
    await this.db
      .insertInto('channels')
      .values({ app_id: appId, name, protected: 0, created_at: at })
      .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
      .execute();
  }

  async listChannels(appId: string): Promise<ChannelRecord[]> {
    const rows = await this.db.selectFrom('channels').selectAll().where('app_id', '=', appId).orderBy('name').execute();
    return rows.map((r) => ({ appId: r.app_id, name: r.name, protected: r.protected !== 0, createdAt: r.created_at }));
  }

  async createChannel(appId: string, name: string, isProtected: boolean, at: string): Promise<boolean> {
    const r = await this.db
      .insertInto('channels')
      .values({ app_id: appId, name, protected: isProtected ? 1 : 0, created_at: at })
      .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getChannel(appId: string, name: string) {
    const r = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? { name: r.name, protected: r.protected !== 0, createdAt: r.created_at } : null;
  }

  async setChannelProtected(appId: string, name: string, isProtected: boolean): Promise<void> {
    await this.db
      .updateTable('channels')
      .set({ protected: isProtected ? 1 : 0 })
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .execute();
  }

  async listPointers(appId: string): Promise<PointerRecord[]> {
    const rows = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('channel')
      .orderBy('platform')
      .orderBy('runtime_version')
      .execute();
    return rows.map(toPointer);
  }

  async getPointer(
    appId: string,
    channel: string,
    platform: string,
    runtimeVersion: string,
  ): Promise<PointerRecord | null> {
    const r = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where((eb) => eb.and(pointerKey(appId, channel, platform, runtimeVersion)))
      .executeTakeFirst();
    return r ? toPointer(r) : null;
  }

  async putPointer(p: PointerRecord): Promise<void> {
    const values = {
      release_id: p.releaseId,
      previous_release_id: p.previousReleaseId,
      basis_points: p.basisPoints,
      salt: p.salt,
      mandatory: p.mandatory ? 1 : 0,
      updated_at: p.updatedAt,
      halted_at: p.haltedAt,
      targeting_json: json(p.targeting),
      previous_targeting_json: json(p.previousTargeting),
    };
    await this.db
      .insertInto('pointers')
      .values({ ...pointerKey(p.appId, p.channel, p.platform, p.runtimeVersion), ...values })
      .onConflict((oc) => oc.columns(POINTER_KEY_COLUMNS).doUpdateSet(values))
      .execute();
  }

  async deletePointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<void> {
    await this.db
      .deleteFrom('pointers')
      .where((eb) => eb.and(pointerKey(appId, channel, platform, runtimeVersion)))
      .execute();
  }
}

function toPointer(r: Selectable<PointersTable>): PointerRecord {
  return {
    appId: r.app_id,
    channel: r.channel,
    platform: r.platform,
    runtimeVersion: r.runtime_version,
    releaseId: r.release_id,
    previousReleaseId: r.previous_release_id,
    basisPoints: Number(r.basis_points),
    salt: r.salt,
    mandatory: r.mandatory !== 0,
    haltedAt: r.halted_at,
    targeting: parseJson(r.targeting_json),
    previousTargeting: parseJson(r.previous_targeting_json),
    updatedAt: r.updated_at,
  };
}
