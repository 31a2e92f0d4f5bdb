import { Kysely, Migrator, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { isPostgresConnectionError, markUnavailable } from '../domain/unavailable.js';
import { KyselyDatabase } from './kysely-database.js';
import { postgresMigrations } from './migrations/postgres/postgres-migrations.js';
import type { Tables as Schema } from './schema.js';

const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** Connections per server process (default 10). */
  maxConnections?: number;
  /** How long a request waits for a connection before failing with 503 (default 5 s). */
  connectionTimeoutMs?: number;
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
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<KyselyDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    // Without it a request waits forever for a connection while the database is away.
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5000,
    // bigint columns (lease expiry, count(*)) hold values far below 2^53: read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  // So does a client in use (pg-pool listens only while it is idle): its query fails, and the
  // guarded pool below hands it back as broken so the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: guardedPool(pool) }) });
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
  return new KyselyDatabase(db);
}

/**
 * The pool as Kysely sees it: connection failures come out marked as the database being
 * unavailable (answered 503, see unavailable.ts), and a client whose connection broke is
 * released with its error, which makes pg-pool discard it instead of lending it out again.
 */
function guardedPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw markUnavailable(err, 'database');
      }
      let broken: Error | undefined;
      const query = async (sql: string, parameters: readonly unknown[]) => {
        try {
          return await client.query(sql, parameters as unknown[]);
        } catch (err) {
          if (isPostgresConnectionError(err)) {
            broken = err as Error;
            throw markUnavailable(err, 'database');
          }
          throw err;
        }
      };
      // Kysely streams through cursors only when the dialect has a cursor class; this one has none.
      return { query, release: () => client.release(broken) } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
