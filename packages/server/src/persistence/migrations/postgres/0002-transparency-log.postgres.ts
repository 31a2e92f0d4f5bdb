import type { Kysely } from 'kysely';

// Mirrors migrations/sqlite/0002-transparency-log.sqlite.ts (bytea for blob). Frozen once released.
// The transparency log (docs/protocol.md §9): one
// append-only leaf sequence per log id (an appId, or "_audit" for the server's audit anchors).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('log_keys')
    .addColumn('log_id', 'text', (c) => c.primaryKey())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('signer_key', 'text', (c) => c.notNull())
    .addColumn('verifier_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('log_leaves')
    .addColumn('log_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('leaf_hash', 'bytea', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // The primary key makes two racing appends at the same index fail instead of forking the log.
    .addPrimaryKeyConstraint('log_leaves_pk', ['log_id', 'idx'])
    .execute();
  await db.schema.createIndex('log_leaves_hash').on('log_leaves').columns(['log_id', 'leaf_hash']).execute();

  await db.schema
    .createTable('log_checkpoints')
    .addColumn('log_id', 'text', (c) => c.notNull())
    .addColumn('tree_size', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_checkpoints_pk', ['log_id', 'tree_size'])
    .execute();

  await db.schema
    .createTable('log_cosignatures')
    .addColumn('log_id', 'text', (c) => c.notNull())
    .addColumn('tree_size', 'integer', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_cosignatures_pk', ['log_id', 'tree_size', 'line'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['log_cosignatures', 'log_checkpoints', 'log_leaves', 'log_keys'])
    await db.schema.dropTable(t).execute();
}
