import type { Kysely } from 'kysely';
import type { Tables } from '../schema.js';
import { POINTER_KEY_COLUMNS, pointerKey } from '../kysely/table-util.js';
import type { ExpoRollback, ExpoSigningKey, ExpoStore, ExpoUpdate } from './expo-store.js';

type Row<T extends keyof Tables> = Tables[T];

const update = (r: Row<'expo_updates'>): ExpoUpdate => ({
  appId: r.app_id,
  releaseId: r.release_id,
  updateId: r.update_id,
  platform: r.platform,
  runtimeVersion: r.runtime_version,
  createdAt: r.created_at,
  manifest: r.manifest,
  signature: r.signature,
  keyId: r.key_id,
});

/** ExpoStore over Kysely: dialect-neutral query builder calls only. */
export class KyselyExpoStore implements ExpoStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async insertUpdate(u: ExpoUpdate): Promise<boolean> {
    const taken = await this.db
      .selectFrom('expo_updates')
      .select('release_id')
      .where('app_id', '=', u.appId)
      .where((eb) => eb.or([eb('release_id', '=', u.releaseId), eb('update_id', '=', u.updateId)]))
      .executeTakeFirst();
    if (taken) return false;
    await this.db
      .insertInto('expo_updates')
      .values({
        app_id: u.appId,
        release_id: u.releaseId,
        update_id: u.updateId,
        platform: u.platform,
        runtime_version: u.runtimeVersion,
        created_at: u.createdAt,
        manifest: u.manifest,
        signature: u.signature,
        key_id: u.keyId,
      })
      .execute();
    return true;
  }

  async getUpdate(appId: string, releaseId: string): Promise<ExpoUpdate | null> {
    const r = await this.db
      .selectFrom('expo_updates')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return r ? update(r) : null;
  }

  async getUpdateById(appId: string, updateId: string): Promise<ExpoUpdate | null> {
    const r = await this.db
      .selectFrom('expo_updates')
      .selectAll()
      .where('app_id', '=', appId)
      .where('update_id', '=', updateId)
      .executeTakeFirst();
    return r ? update(r) : null;
  }

  async putSigningKey(k: ExpoSigningKey): Promise<void> {
    await this.db
      .insertInto('expo_signing_keys')
      .values({ app_id: k.appId, key_id: k.keyId, no_update_signature: k.noUpdateSignature, updated_at: k.updatedAt })
      .onConflict((oc) =>
        oc
          .columns(['app_id', 'key_id'])
          .doUpdateSet({ no_update_signature: k.noUpdateSignature, updated_at: k.updatedAt }),
      )
      .execute();
  }

  async listSigningKeys(appId: string): Promise<ExpoSigningKey[]> {
    const rows = await this.db
      .selectFrom('expo_signing_keys')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('updated_at', 'desc')
      .orderBy('key_id')
      .execute();
    return rows.map((r) => ({
      appId: r.app_id,
      keyId: r.key_id,
      noUpdateSignature: r.no_update_signature,
      updatedAt: r.updated_at,
    }));
  }

  async putRollback(r: ExpoRollback): Promise<void> {
    const values = {
      commit_time: r.commitTime,
      directive: r.directive,
      signature: r.signature,
      key_id: r.keyId,
    };
    await this.db
      .insertInto('expo_rollbacks')
      .values({ ...pointerKey(r.appId, r.channel, r.platform, r.runtimeVersion), ...values })
      .onConflict((oc) => oc.columns(POINTER_KEY_COLUMNS).doUpdateSet(values))
      .execute();
  }

  async getRollback(
    appId: string,
    channel: string,
    platform: string,
    runtimeVersion: string,
  ): Promise<ExpoRollback | null> {
    const r = await this.db
      .selectFrom('expo_rollbacks')
      .selectAll()
      .where((eb) => eb.and(pointerKey(appId, channel, platform, runtimeVersion)))
      .executeTakeFirst();
    return r
      ? {
          appId: r.app_id,
          channel: r.channel,
          platform: r.platform,
          runtimeVersion: r.runtime_version,
          commitTime: r.commit_time,
          directive: r.directive,
          signature: r.signature,
          keyId: r.key_id,
        }
      : null;
  }
}
