import type { Kysely } from 'kysely';
import type { Tables } from '../schema.js';

/** SQLite and PostgreSQL report a duplicate key differently; both mean "someone was first". */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505' /* PostgreSQL */
  );
}

/**
 * Runs a multi-statement write all-or-nothing: inside the caller's transaction when the store
 * is bound to one, in a transaction of its own otherwise (Kysely does not nest them).
 */
export function atomically<T>(db: Kysely<Tables>, write: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return write(db);
  return db.transaction().execute(write);
}

/** A JSON column that may be NULL. */
export const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
export const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/**
 * The columns that name one pointer (an app's channel for one platform and runtime version),
 * and what is kept per pointer elsewhere (an Expo rollback directive): the primary key of both.
 */
export const POINTER_KEY_COLUMNS = ['app_id', 'channel', 'platform', 'runtime_version'] as const;

/** Those columns' values: for `.values({...pointerKey(…), …})` and `.where((eb) => eb.and(pointerKey(…)))`. */
export function pointerKey(
  appId: string,
  channel: string,
  platform: string,
  runtimeVersion: string,
): { app_id: string; channel: string; platform: string; runtime_version: string } {
  return { app_id: appId, channel, platform, runtime_version: runtimeVersion };
}
