import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyMetadataStore } from './kysely-store.js';
import { postgresMigrations } from './migrations/postgres/index.js';
import type { Database as Schema } from './schema.js';

const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** Connections per server process (default 10). */
  maxConnections?: number;
}

/** `postgres://user:***@host/db`: for messages, never the password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'the database URL';
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Connects to PostgreSQL and brings the schema up to date. Several server instances may
 * start at once: PostgreSQL's Kysely migrator takes an advisory lock, so only one migrates.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<KyselyMetadataStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    // bigint columns (lease expiry, count(*)) hold values far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { error, results } = await new Migrator({ db, provider: postgresMigrations }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(
        `${failed ? `migration ${failed}` : 'connecting'} failed: ${(error as Error).message ?? String(error)}`,
        { cause: error },
      );
    }
  } catch (err) {
    await db.destroy();
    throw new Error(`database ${redactDatabaseUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return new KyselyMetadataStore(db);
}
