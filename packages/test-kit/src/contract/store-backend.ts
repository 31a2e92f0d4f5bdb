import { test } from 'node:test';
import { skipOrFail } from '../services.js';
import type { Database } from '@updraft/server';

/**
 * A database backend the store contract suites run against (SQLite, PostgreSQL).
 * `newDatabase` gives an empty database; its `open` may be called more than once to get
 * independent stores (connections) on that same database, as several server processes would.
 */
export interface MetadataBackend {
  name: string;
  /** A reason string when the backend cannot run here. */
  newDatabase(): Promise<{ open(): Promise<Database>; cleanup(): Promise<void> } | string>;
}

export const NOW = '2026-11-22T20:00:00.000Z';

/**
 * Declares a test that runs body with a store on a fresh database of the backend, or skips
 * (fails under CI) when the backend is absent. `suite` names the port under test.
 */
export function storeTest(
  backend: MetadataBackend,
  suite: string,
  name: string,
  body: (store: Database, open: () => Promise<Database>) => Promise<void>,
): void {
  test(`${backend.name} ${suite}: ${name}`, async (t) => {
    const db = await backend.newDatabase();
    if (typeof db === 'string') return skipOrFail(t, `${backend.name} ${suite}`, db);
    const opened: Database[] = [];
    const open = async () => {
      const s = await db.open();
      opened.push(s);
      return s;
    };
    try {
      await body(await open(), open);
    } finally {
      for (const s of opened) await s.close();
      await db.cleanup();
    }
  });
}
