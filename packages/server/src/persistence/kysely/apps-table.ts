import type { Kysely } from 'kysely';
import type { ExpiryPolicy, KeyFile } from '@updraft/signing';
import {
  ONLINE_ROLES,
  type AppRecord,
  type OnlineKeyCandidate,
  type OnlineRole,
  type TrustStore,
} from '../trust-store.js';
import type { Tables } from '../schema.js';
import { atomically } from './table-util.js';

type AppAccess = Pick<
  TrustStore,
  | 'createApp'
  | 'getApp'
  | 'listApps'
  | 'markTrustInitialized'
  | 'lockApp'
  | 'getOnlineKeys'
  | 'setOnlineKey'
  | 'addOnlineKeyCandidate'
  | 'listOnlineKeyCandidates'
  | 'getExpiryPolicy'
  | 'putExpiryPolicy'
>;

/** Apps, the online keys the server signs with (and rotation candidates), and per-app expiry policy. */
export class AppQueries implements AppAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async createApp(app: {
    appId: string;
    createdAt: string;
    onlineKeys: Record<OnlineRole, KeyFile>;
  }): Promise<boolean> {
    return atomically(this.db, async (db) => {
      const inserted = await db
        .insertInto('apps')
        .values({ app_id: app.appId, created_at: app.createdAt, trust_initialized_at: null })
        .onConflict((oc) => oc.column('app_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      await db
        .insertInto('online_keys')
        .values(
          ONLINE_ROLES.map((role) => ({
            app_id: app.appId,
            role,
            keyid: app.onlineKeys[role].keyid,
            key_json: JSON.stringify(app.onlineKeys[role]),
            created_at: app.createdAt,
          })),
        )
        .execute();
      return true;
    });
  }

  async getApp(appId: string): Promise<AppRecord | null> {
    const row = await this.db.selectFrom('apps').selectAll().where('app_id', '=', appId).executeTakeFirst();
    return row ? { appId: row.app_id, createdAt: row.created_at, trustInitializedAt: row.trust_initialized_at } : null;
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('app_id').execute();
    return rows.map((r) => ({ appId: r.app_id, createdAt: r.created_at, trustInitializedAt: r.trust_initialized_at }));
  }

  async markTrustInitialized(appId: string, at: string): Promise<void> {
    await this.db.updateTable('apps').set({ trust_initialized_at: at }).where('app_id', '=', appId).execute();
  }

  async lockApp(appId: string): Promise<void> {
    // A write of a column to itself: the row lock PostgreSQL takes for any UPDATE, held to the
    // end of the transaction (SQLite transactions hold the database's write lock already). Not
    // the key column, so inserts that reference the app are not held up.
    await this.db
      .updateTable('apps')
      .set((eb) => ({ trust_initialized_at: eb.ref('trust_initialized_at') }))
      .where('app_id', '=', appId)
      .execute();
  }

  async getOnlineKeys(appId: string): Promise<Record<OnlineRole, KeyFile> | null> {
    const rows = await this.db.selectFrom('online_keys').selectAll().where('app_id', '=', appId).execute();
    const out: Partial<Record<OnlineRole, KeyFile>> = {};
    for (const r of rows) out[r.role as OnlineRole] = JSON.parse(r.key_json) as KeyFile;
    return ONLINE_ROLES.every((role) => out[role]) ? (out as Record<OnlineRole, KeyFile>) : null;
  }

  async setOnlineKey(appId: string, role: OnlineRole, key: KeyFile, at: string): Promise<void> {
    await this.db
      .updateTable('online_keys')
      .set({ keyid: key.keyid, key_json: JSON.stringify(key), created_at: at })
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .execute();
    await this.db
      .deleteFrom('online_key_candidates')
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .where('keyid', '=', key.keyid)
      .execute();
  }

  async addOnlineKeyCandidate(appId: string, c: OnlineKeyCandidate): Promise<void> {
    await this.db
      .insertInto('online_key_candidates')
      .values({
        app_id: appId,
        role: c.role,
        keyid: c.key.keyid,
        key_json: JSON.stringify(c.key),
        created_at: c.createdAt,
      })
      .execute();
  }

  async listOnlineKeyCandidates(appId: string): Promise<OnlineKeyCandidate[]> {
    const rows = await this.db
      .selectFrom('online_key_candidates')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      role: r.role as OnlineRole,
      key: JSON.parse(r.key_json) as KeyFile,
      createdAt: r.created_at,
    }));
  }

  async getExpiryPolicy(appId: string): Promise<Partial<ExpiryPolicy> | null> {
    const row = await this.db
      .selectFrom('app_expiry')
      .select('policy_json')
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.policy_json) as Partial<ExpiryPolicy>) : null;
  }

  async putExpiryPolicy(appId: string, policy: Partial<ExpiryPolicy>, at: string): Promise<void> {
    const json = JSON.stringify(policy);
    await this.db
      .insertInto('app_expiry')
      .values({ app_id: appId, policy_json: json, updated_at: at })
      .onConflict((oc) => oc.column('app_id').doUpdateSet({ policy_json: json, updated_at: at }))
      .execute();
  }
}
