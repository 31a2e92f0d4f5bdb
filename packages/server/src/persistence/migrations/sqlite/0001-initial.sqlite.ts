import { sql, type Kysely } from 'kysely';

// Migrations are frozen once released: never edit this file, add 0002-… instead.
// `Kysely<unknown>` on purpose: a migration must not depend on today's table types.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('app_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('trust_initialized_at', 'text')
    .execute();

  await db.schema
    .createTable('online_keys')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('snapshot', 'timestamp', 'director')`))
    .addColumn('keyid', 'text', (c) => c.notNull())
    .addColumn('key_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('online_keys_pk', ['app_id', 'role'])
    .execute();

  await db.schema
    .createTable('metadata')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'blob', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('length', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // The primary key is what makes a racing publish fail instead of forking a role's history.
    .addPrimaryKeyConstraint('metadata_pk', ['app_id', 'role', 'version'])
    .execute();
  await db.schema.createIndex('metadata_expires').on('metadata').columns(['expires_at']).execute();

  await db.schema
    .createTable('blobs')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('length', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('app_blobs')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_blobs_pk', ['app_id', 'sha256'])
    .execute();
  await db.schema.createIndex('app_blobs_sha256').on('app_blobs').columns(['sha256']).execute();

  await db.schema
    .createTable('releases')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('version_code', 'integer', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('runtime_version', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('manifest_sha256', 'text', (c) => c.notNull())
    .addColumn('manifest_length', 'integer', (c) => c.notNull())
    .addColumn('releases_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('releases_pk', ['app_id', 'release_id'])
    .execute();
  await db.schema
    .createIndex('releases_runtime')
    .on('releases')
    .columns(['app_id', 'platform', 'runtime_version', 'version_code'])
    .execute();
  await db.schema.createIndex('releases_order').on('releases').columns(['app_id', 'releases_version']).execute();

  await db.schema
    .createTable('channels')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.app_id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('channels_pk', ['app_id', 'name'])
    .execute();

  await db.schema
    .createTable('pointers')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('runtime_version', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('previous_release_id', 'text')
    .addColumn('basis_points', 'integer', (c) => c.notNull())
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('mandatory', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pointers_pk', ['app_id', 'channel', 'platform', 'runtime_version'])
    .addForeignKeyConstraint('pointers_channel_fk', ['app_id', 'channel'], 'channels', ['app_id', 'name'], (c) =>
      c.onDelete('cascade'),
    )
    .addForeignKeyConstraint('pointers_release_fk', ['app_id', 'release_id'], 'releases', ['app_id', 'release_id'])
    .addForeignKeyConstraint('pointers_previous_fk', ['app_id', 'previous_release_id'], 'releases', [
      'app_id',
      'release_id',
    ])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'api_keys',
    'pointers',
    'channels',
    'releases',
    'app_blobs',
    'blobs',
    'metadata',
    'online_keys',
    'apps',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
