import type { Kysely } from 'kysely';
import type { ControlPlaneStore, OrganizationRecord } from '../control-plane-store.js';
import type { Database } from '../schema.js';

type OrganizationAccess = Pick<
  ControlPlaneStore,
  'createOrganization' | 'getOrganization' | 'listOrganizations' | 'getAppOrg' | 'setAppOrg' | 'listAppIds'
>;

/** Organizations and which one each app belongs to. */
export class OrganizationQueries implements OrganizationAccess {
  constructor(private readonly db: Kysely<Database>) {}

  async createOrganization(org: OrganizationRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('organizations')
      .values({ id: org.id, name: org.name, created_at: org.createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getOrganization(id: string): Promise<OrganizationRecord | null> {
    const r = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : null;
  }

  async listOrganizations(): Promise<OrganizationRecord[]> {
    const rows = await this.db.selectFrom('organizations').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async getAppOrg(appId: string): Promise<string | null> {
    const r = await this.db.selectFrom('apps').select('org_id').where('app_id', '=', appId).executeTakeFirst();
    return r?.org_id ?? null;
  }

  async setAppOrg(appId: string, orgId: string): Promise<void> {
    await this.db.updateTable('apps').set({ org_id: orgId }).where('app_id', '=', appId).execute();
  }

  async listAppIds(orgId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('apps').select('app_id').where('org_id', '=', orgId).execute();
    return rows.map((r) => r.app_id);
  }
}
