import type { Kysely } from 'kysely';

// Control plane (issue 5): organizations, key roles/scopes/expiry, channel protection,
// release notes and disabling, halted rollouts and targeting, scheduled deployments and the
// hash-chained audit log. Frozen once released: add 0004-… instead of editing.
// Only the Kysely schema builder and plain column types, so PostgreSQL can mirror it.

export const DEFAULT_ORG_ID = 'default';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The organization every existing app and key (the first owner key) belongs to.
  await (db as Kysely<{ organizations: { id: string; name: string; created_at: string } }>)
    .insertInto('organizations')
    .values({ id: DEFAULT_ORG_ID, name: 'Default organization', created_at: new Date().toISOString() })
    .execute();

  await db.schema
    .alterTable('apps')
    .addColumn('org_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_ORG_ID))
    .execute();

  // kind: 'member' (a person) or 'service' (a CI service account). scopes: JSON array, ["*"] = all the role allows.
  await db.schema
    .alterTable('api_keys')
    .addColumn('org_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_ORG_ID))
    .execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('member'))
    .execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('["*"]'))
    .execute();
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('created_by', 'text').execute();
  await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id']).execute();

  await db.schema.alterTable('releases').addColumn('notes', 'text').execute();
  await db.schema.alterTable('releases').addColumn('disabled_at', 'text').execute();

  // targeting_json: the signed rules of the current release on this pointer; previous_targeting_json those of previous.
  await db.schema.alterTable('pointers').addColumn('halted_at', 'text').execute();
  await db.schema.alterTable('pointers').addColumn('targeting_json', 'text').execute();
  await db.schema.alterTable('pointers').addColumn('previous_targeting_json', 'text').execute();

  await db.schema
    .createTable('scheduled_deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('basis_points', 'integer', (c) => c.notNull())
    .addColumn('mandatory', 'integer', (c) => c.notNull())
    .addColumn('targeting_json', 'text')
    .addColumn('start_at', 'text', (c) => c.notNull())
    // scheduled → applied | cancelled | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scheduled_due').on('scheduled_deployments').columns(['status', 'start_at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('app_id', 'text')
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text')
    .addColumn('manifest_sha256', 'text')
    .addColumn('signing_key_ids', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('app_prev_hash', 'text')
    .addColumn('hash', 'text', (c) => c.notNull())
    // One chain per organization: two writers racing for the same seq cannot both win.
    .addPrimaryKeyConstraint('audit_log_pk', ['org_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_log_app').on('audit_log').columns(['org_id', 'app_id', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('scheduled_deployments').execute();
  for (const [table, column] of [
    ['pointers', 'previous_targeting_json'],
    ['pointers', 'targeting_json'],
    ['pointers', 'halted_at'],
    ['releases', 'disabled_at'],
    ['releases', 'notes'],
    ['api_keys', 'created_by'],
    ['api_keys', 'expires_at'],
    ['api_keys', 'scopes'],
    ['api_keys', 'kind'],
    ['api_keys', 'org_id'],
    ['apps', 'org_id'],
  ] as const) {
    if (table === 'api_keys' && column === 'org_id') await db.schema.dropIndex('api_keys_org').execute();
    await db.schema.alterTable(table).dropColumn(column).execute();
  }
  await db.schema.dropTable('organizations').execute();
}
