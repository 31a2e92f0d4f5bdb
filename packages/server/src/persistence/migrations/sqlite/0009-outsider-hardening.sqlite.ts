import type { Kysely } from 'kysely';

// Frozen once released. Issue 14 §3 and §9:
// - webhook_deliveries: the outbound webhook queue (delivered by a job, retried, never inside
//   the request or the guardrail pass that raised it);
// - guardrails.mode ('halt' | 'alert'; null = the default for the channel's protection) and
//   guardrails.min_sources (distinct network sources a halt needs; null = the default);
// - event_sources: a HyperLogLog of the network sources that reported failures, per release,
//   channel and minute: one (register, rank) pair per row, from a keyed hash whose key is in
//   memory only and rotates daily, so no address (nor anything linkable to one) is stored.
// Plain text and integer columns only, so PostgreSQL runs the same statements.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema.alterTable('guardrails').addColumn('mode', 'text').execute();
  await db.schema.alterTable('guardrails').addColumn('min_sources', 'integer').execute();
  // 'halted' | 'alerted'; null (trips before 0009) = halted.
  await db.schema.alterTable('guardrail_trips').addColumn('action', 'text').execute();

  await db.schema
    .createTable('event_sources')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('minute', 'integer', (c) => c.notNull())
    .addColumn('reg', 'integer', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_sources_pk', ['app_id', 'release_id', 'channel', 'minute', 'reg', 'rank'])
    .execute();
  await db.schema.createIndex('event_rollups_minute').on('event_rollups').columns(['minute']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('event_rollups_minute').execute();
  await db.schema.dropTable('event_sources').execute();
  await db.schema.alterTable('guardrail_trips').dropColumn('action').execute();
  await db.schema.alterTable('guardrails').dropColumn('min_sources').execute();
  await db.schema.alterTable('guardrails').dropColumn('mode').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
}
