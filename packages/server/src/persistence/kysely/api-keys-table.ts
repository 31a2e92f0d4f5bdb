import type { Kysely, Selectable } from 'kysely';
import type { AccessStore, ApiKeyRecord, PrincipalKind, PrincipalRecord, Role } from '../access-store.js';
import type { ApiKeysTable, Tables } from '../schema.js';

type ApiKeyAccess = Pick<AccessStore, 'countApiKeys' | 'insertApiKey' | 'findApiKeyBySha256' | 'touchApiKey'>;
type PrincipalAccess = Pick<
  AccessStore,
  'insertPrincipal' | 'findPrincipalBySha256' | 'getPrincipal' | 'listPrincipals' | 'revokePrincipal'
>;

/**
 * The api_keys table, seen two ways: as plain API keys (the original view) and as principals
 * (an organization's members and services, with role and scopes). Only SHA-256s of keys are stored.
 */
export class ApiKeyQueries implements ApiKeyAccess, PrincipalAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async countApiKeys(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: k.id,
        name: k.name,
        key_sha256: k.keySha256,
        role: k.role,
        created_at: k.createdAt,
        last_used_at: k.lastUsedAt,
        revoked_at: k.revokedAt,
      })
      .execute();
  }

  async findApiKeyBySha256(keySha256: string): Promise<ApiKeyRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('key_sha256', '=', keySha256).executeTakeFirst();
    return r
      ? {
          id: r.id,
          name: r.name,
          keySha256: r.key_sha256,
          role: r.role,
          createdAt: r.created_at,
          lastUsedAt: r.last_used_at,
          revokedAt: r.revoked_at,
        }
      : null;
  }

  async touchApiKey(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async insertPrincipal(p: PrincipalRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: p.id,
        name: p.name,
        key_sha256: p.keySha256,
        role: p.role,
        created_at: p.createdAt,
        last_used_at: p.lastUsedAt,
        revoked_at: p.revokedAt,
        org_id: p.orgId,
        kind: p.kind,
        scopes: JSON.stringify(p.scopes),
        expires_at: p.expiresAt,
        created_by: p.createdBy,
        apps: p.apps === null ? null : JSON.stringify(p.apps),
      })
      .execute();
  }

  async findPrincipalBySha256(keySha256: string): Promise<PrincipalRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('key_sha256', '=', keySha256).executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async listPrincipals(orgId: string): Promise<PrincipalRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toPrincipal);
  }

  async revokePrincipal(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
  }
}

function toPrincipal(r: Selectable<ApiKeysTable>): PrincipalRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    kind: r.kind as PrincipalKind,
    role: r.role as Role,
    scopes: JSON.parse(r.scopes) as string[],
    keySha256: r.key_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    apps: r.apps === null ? null : (JSON.parse(r.apps) as string[]),
  };
}
