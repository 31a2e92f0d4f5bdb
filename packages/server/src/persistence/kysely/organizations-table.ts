import type { Kysely } from 'kysely';
import type { AccessStore, OrganizationRecord } from '../access-store.js';
import type { Tables } from '../schema.js';

type OrganizationAccess = Pick<
  AccessStore,
  | 'createOrganization'
  | 'getOrganization'
  | 'listOrganizations'
  | 'ensureOrgAnchorId'
  | 'lockOrg'
  | 'getAuditWebhook'
  | 'setAuditWebhook'
  | 'setAuditAlertAnchor'
  | 'getAppOrg'
  | 'setAppOrg'
  | 'listAppIds'
>;

/** Organizations and which one each app belongs to. */
export class OrganizationQueries implements OrganizationAccess {
  constructor(private readonly db: Kysely<Tables>) {}

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

  async ensureOrgAnchorId(orgId: string, candidate: string): Promise<string> {
    await this.db
      .updateTable('organizations')
      .set({ anchor_id: candidate })
      .where('id', '=', orgId)
      .where('anchor_id', 'is', null)
      .execute();
    const r = await this.db.selectFrom('organizations').select('anchor_id').where('id', '=', orgId).executeTakeFirst();
    if (!r?.anchor_id) throw new Error(`organization ${orgId} does not exist`);
    return r.anchor_id;
  }

  async lockOrg(orgId: string): Promise<void> {
    // A write of a column to itself: the row lock PostgreSQL takes for any UPDATE, held to the
    // end of the transaction (SQLite transactions hold the database's write lock already).
    await this.db
      .updateTable('organizations')
      .set((eb) => ({ audit_webhook_url: eb.ref('audit_webhook_url') }))
      .where('id', '=', orgId)
      .execute();
  }

  async getAuditWebhook(orgId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('organizations')
      .select('audit_webhook_url')
      .where('id', '=', orgId)
      .executeTakeFirst();
    return r?.audit_webhook_url ?? null;
  }

  async setAuditWebhook(orgId: string, url: string | null): Promise<void> {
    await this.db.updateTable('organizations').set({ audit_webhook_url: url }).where('id', '=', orgId).execute();
  }

  async setAuditAlertAnchor(orgId: string, anchorIndex: number | null): Promise<boolean> {
    const r = await this.db
      .updateTable('organizations')
      .set({ audit_alert_anchor: anchorIndex })
      .where('id', '=', orgId)
      .where((eb) =>
        anchorIndex === null
          ? eb('audit_alert_anchor', 'is not', null)
          : eb.or([eb('audit_alert_anchor', 'is', null), eb('audit_alert_anchor', '!=', anchorIndex)]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
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
