import type { Kysely } from 'kysely';

// Frozen once released. Source maps kept beside a release (issue 18 §3): the bytes live in the
// blob store, but only this table names them, never app_blobs, so no device route can serve them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('release_sourcemaps')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('length', 'integer', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_sourcemaps_pk', ['app_id', 'release_id', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('release_sourcemaps').execute();
}
