import { join } from 'node:path';
import type { Database } from './database.js';
import { isPostgresUrl, openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

/**
 * The metadata store a server or CLI command uses: PostgreSQL when `databaseUrl` is a
 * postgres:// URL, else the embedded SQLite file `<dataDir>/updraft.db`.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  /** SQLite only: its page cache (default SQLITE_PAGE_CACHE_KIB). */
  sqlitePageCacheKib?: number;
}): Promise<Database> {
  if (opts.databaseUrl === undefined || opts.databaseUrl === '') {
    const file = join(opts.dataDir, 'updraft.db');
    return opts.sqlitePageCacheKib === undefined
      ? openSqliteStore(file)
      : openSqliteStore(file, { pageCacheKib: opts.sqlitePageCacheKib });
  }
  if (isPostgresUrl(opts.databaseUrl)) return openPostgresStore(opts.databaseUrl);
  throw new Error(
    `unsupported database URL "${opts.databaseUrl.split(':')[0]}:…": use postgres://user:password@host:5432/db, or leave it out for the embedded SQLite`,
  );
}
