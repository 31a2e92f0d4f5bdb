import type { Kysely } from 'kysely';

// Frozen once released, like 0001-0004. Per-app metadata lifetimes, and online keys the server has
// generated for a rotation but that no signed root/targets lists yet.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_expiry')
    .addColumn('app_id', 'text', (c) => c.primaryKey().references('apps.app_id').onDelete('cascade'))
    .addColumn('policy_json', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('online_key_candidates')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('keyid', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('online_key_candidates_pk', ['app_id', 'role', 'keyid'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('online_key_candidates').execute();
  await db.schema.dropTable('app_expiry').execute();
}
