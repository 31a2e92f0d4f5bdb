import type { Kysely } from 'kysely';

// Frozen once released. Expo Updates compatibility (issue 17): the manifest of each release
// as the publisher signed it (served byte for byte), the publisher's signature of the
// constant noUpdateAvailable directive per app and key id, and the newest rollBackToEmbedded
// directive per channel, platform and runtime version.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('expo_updates')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('update_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('runtime_version', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('key_id', 'text')
    .addPrimaryKeyConstraint('expo_updates_pk', ['app_id', 'release_id'])
    .addUniqueConstraint('expo_updates_update_id', ['app_id', 'update_id'])
    .execute();
  await db.schema
    .createTable('expo_signing_keys')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('no_update_signature', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('expo_signing_keys_pk', ['app_id', 'key_id'])
    .execute();
  await db.schema
    .createTable('expo_rollbacks')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('runtime_version', 'text', (c) => c.notNull())
    .addColumn('commit_time', 'text', (c) => c.notNull())
    .addColumn('directive', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('key_id', 'text')
    .addPrimaryKeyConstraint('expo_rollbacks_pk', ['app_id', 'channel', 'platform', 'runtime_version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['expo_rollbacks', 'expo_signing_keys', 'expo_updates']) await db.schema.dropTable(t).execute();
}
