import type { Kysely } from 'kysely';

// Frozen once released. CodePush compatibility (issue 16): deployments (a view of one channel
// and platform, under the key app binaries already hold), the package made of each release,
// the labels v1, v2, … per channel and platform, and diff packages between releases.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('codepush_deployments')
    .addColumn('deployment_key', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('hash_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('codepush_deployments_name', ['app_id', 'name'])
    .execute();
  await db.schema
    .createTable('codepush_packages')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('package_hash', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('target_range', 'text')
    .addColumn('zip_sha256', 'text', (c) => c.notNull())
    .addColumn('zip_length', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('codepush_packages_pk', ['app_id', 'release_id'])
    .execute();
  await db.schema
    .createTable('codepush_labels')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('mandatory', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('codepush_labels_pk', ['app_id', 'channel', 'platform', 'seq'])
    .execute();
  await db.schema
    .createTable('codepush_diffs')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('from_hash', 'text', (c) => c.notNull())
    .addColumn('zip_sha256', 'text', (c) => c.notNull())
    .addColumn('zip_length', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('codepush_diffs_pk', ['app_id', 'release_id', 'from_hash'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['codepush_diffs', 'codepush_labels', 'codepush_packages', 'codepush_deployments']) {
    await db.schema.dropTable(t).execute();
  }
}
