import type { Kysely } from 'kysely';

// Fleet insight (issue 7): per-app ingest keys, device events (no IP, no device id), rollups
// per (app, release, channel, event, minute), guardrails per channel and their trips, and
// dashboard users with their sessions. Frozen once released: add 0007-… instead of editing.
// Only the Kysely schema builder and plain column types, so PostgreSQL can mirror it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('ingest_keys_app').on('ingest_keys').columns(['app_id']).execute();

  // id: random per event, only for idempotent retries. release_id '' = the embedded bundle / none.
  await db.schema
    .createTable('device_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('binary_version', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('received_minute', 'integer', (c) => c.notNull())
    .execute();

  // Minutes since the epoch (server receive time). Reads of a release cost O(minutes).
  await db.schema
    .createTable('event_rollups')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('minute', 'integer', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_rollups_pk', ['app_id', 'release_id', 'channel', 'event', 'minute'])
    .execute();

  await db.schema
    .createTable('guardrails')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('threshold_bp', 'integer', (c) => c.notNull())
    .addColumn('lookback_minutes', 'integer', (c) => c.notNull())
    .addColumn('min_launches', 'integer', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('guardrails_pk', ['app_id', 'channel'])
    .execute();

  await db.schema
    .createTable('guardrail_trips')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('rate_bp', 'integer', (c) => c.notNull())
    .addColumn('threshold_bp', 'integer', (c) => c.notNull())
    .addColumn('launches', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('webhook_status', 'text', (c) => c.notNull())
    .addColumn('webhook_attempts', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('guardrail_trips_release')
    .on('guardrail_trips')
    .columns(['app_id', 'release_id', 'channel'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .execute();

  // Stored only as the SHA-256 of the cookie value. principal_type: 'user' | 'key'.
  await db.schema
    .createTable('sessions')
    .addColumn('id_sha256', 'text', (c) => c.primaryKey())
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'sessions',
    'users',
    'guardrail_trips',
    'guardrails',
    'event_rollups',
    'device_events',
    'ingest_keys',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
