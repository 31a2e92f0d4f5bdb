import type { Kysely } from 'kysely';

// Frozen once released. The bundle each (app, platform, runtimeVersion) ships inside its
// binary, registered once so every later publish can patch against it (issue 8).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('embedded_bundles')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('runtime_version', 'text', (c) => c.notNull())
    .addColumn('files_json', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('embedded_bundles_pk', ['app_id', 'platform', 'runtime_version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('embedded_bundles').execute();
}
