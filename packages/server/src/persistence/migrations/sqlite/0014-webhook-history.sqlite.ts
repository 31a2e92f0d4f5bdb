import type { Kysely } from 'kysely';

// Frozen once released. A delivery history operators can read (the audit webhook's last
// deliveries): whose delivery it is (org_id; null before 0014), the HTTP status the last
// attempt got (null: no answer, or before 0014) and when that attempt was made.
// Plain text and integer columns only, so PostgreSQL runs the same statements.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').addColumn('org_id', 'text').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('last_status', 'integer').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('last_attempt_at', 'text').execute();
  await db.schema
    .createIndex('webhook_deliveries_org')
    .on('webhook_deliveries')
    .columns(['org_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_org').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('last_attempt_at').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('last_status').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('org_id').execute();
}
