import { sql, type Kysely } from 'kysely';
import type { AccessStore, Role, SessionRecord, UserRecord } from '../access-store.js';
import type { Tables } from '../schema.js';

type DashboardUserAccess = Pick<
  AccessStore,
  | 'insertUser'
  | 'getUser'
  | 'findUserByEmail'
  | 'listUsers'
  | 'disableUser'
  | 'insertSession'
  | 'getSession'
  | 'deleteSession'
  | 'deleteSessionsOf'
  | 'reserveSignInAttempt'
  | 'clearSignInAttempts'
  | 'evictSignInAttempts'
>;

const userOf = (r: Tables['users']): UserRecord => ({
  id: r.id,
  orgId: r.org_id,
  email: r.email,
  role: r.role as Role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at,
});

/** Dashboard users (email + password) and the login sessions of users and API-key principals. */
export class DashboardUserQueries implements DashboardUserAccess {
  constructor(private readonly db: Kysely<Tables>) {}

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
      .onConflict((oc) => oc.columns(['org_id', 'email']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? userOf(r) : null;
  }

  async findUserByEmail(orgId: string, email: string): Promise<UserRecord | null> {
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .executeTakeFirst();
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

  async reserveSignInAttempt(keySha256: string, nowMs: number, windowMs: number): Promise<number> {
    // One statement: the increment and the read are atomic on SQLite and PostgreSQL alike,
    // so parallel guesses each get their own count.
    const stale = nowMs - windowMs;
    const row = await this.db
      .insertInto('sign_in_throttle')
      .values({ key_sha256: keySha256, window_start: nowMs, attempts: 1 })
      .onConflict((oc) =>
        oc.column('key_sha256').doUpdateSet({
          attempts: sql<number>`CASE WHEN sign_in_throttle.window_start <= ${stale} THEN 1 ELSE sign_in_throttle.attempts + 1 END`,
          window_start: sql<number>`CASE WHEN sign_in_throttle.window_start <= ${stale} THEN ${nowMs} ELSE sign_in_throttle.window_start END`,
        }),
      )
      .returning('attempts')
      .executeTakeFirstOrThrow();
    return Number(row.attempts);
  }

  async clearSignInAttempts(keySha256: string): Promise<void> {
    await this.db.deleteFrom('sign_in_throttle').where('key_sha256', '=', keySha256).execute();
  }

  async evictSignInAttempts(beforeMs: number): Promise<void> {
    await this.db.deleteFrom('sign_in_throttle').where('window_start', '<', beforeMs).execute();
  }
}
