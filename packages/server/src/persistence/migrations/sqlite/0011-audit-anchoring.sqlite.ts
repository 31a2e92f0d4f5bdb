import type { Kysely } from 'kysely';

// Frozen once released. Issue 14 §7:
// - organizations.anchor_id: the opaque id naming the organization in the public audit-anchor
//   log (`org:<anchor_id>`), random and kept with the organization, so the log names no
//   organization; filled on first use for organizations made before 0011;
// - organizations.audit_webhook_url: where an audit alert (a head that does not extend the
//   last anchored one) is posted through the webhook queue; null = no webhook;
// - organizations.audit_alert_anchor: the anchor (its leaf index in the `_audit` log) the last
//   alert was raised against, so an alert is raised once per anchor, not on every tick.
// Plain text columns only, so PostgreSQL runs the same statements.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('anchor_id', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('audit_webhook_url', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('audit_alert_anchor', 'integer').execute();
  await db.schema.createIndex('organizations_anchor_id').unique().on('organizations').column('anchor_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('organizations_anchor_id').execute();
  await db.schema.alterTable('organizations').dropColumn('audit_alert_anchor').execute();
  await db.schema.alterTable('organizations').dropColumn('audit_webhook_url').execute();
  await db.schema.alterTable('organizations').dropColumn('anchor_id').execute();
}
