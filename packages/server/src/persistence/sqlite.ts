import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, SqliteDialect, type Driver } from 'kysely';
import { KyselyDatabase } from './kysely-database.js';
import { sqliteMigrations } from './migrations/sqlite/sqlite-migrations.js';
import type { Tables as Schema } from './schema.js';

/**
 * Opens (creating if needed) the embedded SQLite database and brings its schema up to date.
 * WAL lets device reads proceed while a publish writes; synchronous=FULL because a publish
 * that was acknowledged must survive a power cut; busy_timeout lets several server processes
 * share one file. The page cache is bounded explicitly, so an upgrade cannot move it unseen: it
 * grows with the database until it reaches the bound, and is part of the server's resident
 * memory. 2 MiB (SQLite's own default; better-sqlite3 builds with 16 MB) fills in the first
 * minutes, so RSS levels off instead of following the database for hours, and costs no
 * ingest throughput (docs/benchmarks.md, "SQLite's page cache"): pages beyond it come from the
 * OS's file cache, which the kernel gives back under pressure, and device checks are answered
 * from memory anyway. A big database with heavy dashboard reads may want more
 * (`updraft serve --sqlite-cache <MiB>`).
 */
export const SQLITE_PAGE_CACHE_KIB = 2_048;

export async function openSqliteStore(file: string, opts: { pageCacheKib?: number } = {}): Promise<KyselyDatabase> {
  const cacheKib = opts.pageCacheKib ?? SQLITE_PAGE_CACHE_KIB;
  if (!(Number.isSafeInteger(cacheKib) && cacheKib >= 0)) {
    throw new RangeError(`SQLite page cache must be a whole number of KiB ≥ 0, not ${cacheKib}`);
  }
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma(`cache_size = -${cacheKib}`);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  const { error, results } = await new Migrator({ db, provider: sqliteMigrations }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database ${file}: migration ${failed} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return new KyselyDatabase(db);
}

/**
 * Transactions begin IMMEDIATE: they take the write lock at BEGIN, waiting up to busy_timeout
 * for another process to finish. A deferred BEGIN (SQLite's and Kysely's default) that reads
 * and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another process wrote in
 * between (busy_timeout does not help there), so two server processes, or a tool beside a
 * running server, sharing one file would fail each other's publishes. In one process this
 * costs nothing: Kysely runs one transaction at a time on the single connection anyway.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * better-sqlite3 parses SQL on every prepare() and Kysely prepares each query it runs; the
 * server runs the same few hundred statements over and over (the ingest insert's SQL text
 * is the same for every batch of a size), so prepared statements are kept and reused.
 * Kysely runs one query at a time on this connection, so a statement is never in use twice.
 */
function withStatementCache(sqlite: Database.Database): {
  close(): void;
  prepare(sql: string): Database.Statement;
} {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= 1000) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
