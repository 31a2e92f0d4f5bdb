import { sql, type Kysely } from 'kysely';

// Frozen once released. Access hardening (issue 14):
// - api_keys.apps: the apps a key is limited to (JSON array), null = every app of its organization;
// - sign_in_throttle: failed dashboard sign-ins per (organization, email), in the shared
//   database so that every instance counts the same attempts;
// - users: an email is unique per organization, not across the server (a taken email in
//   another organization must not be revealed). Rebuilt because SQLite cannot drop a constraint.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('apps', 'text').execute();

  await db.schema
    .createTable('sign_in_throttle')
    .addColumn('key_sha256', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_throttle_window').on('sign_in_throttle').column('window_start').execute();

  await db.schema
    .createTable('users_by_org')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .addUniqueConstraint('users_org_email', ['org_id', 'email'])
    .execute();
  await sql`INSERT INTO users_by_org (id, org_id, email, role, password_hash, created_at, created_by, disabled_at)
    SELECT id, org_id, email, role, password_hash, created_at, created_by, disabled_at FROM users`.execute(db);
  await db.schema.dropTable('users').execute();
  await db.schema.alterTable('users_by_org').renameTo('users').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_throttle').execute();
  await db.schema.alterTable('api_keys').dropColumn('apps').execute();
}
