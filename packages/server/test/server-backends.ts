import { after, before, it as test } from 'node:test';
import { join } from 'node:path';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';
import { openPostgresStore, openSqliteStore, type Database } from '../src/index.js';
import { startTestServer, type TestServer } from './helpers.js';

/**
 * A real server on each database, with a second connection of the test's own to the same
 * database (as another server instance would have): for suites that play races or look
 * behind the API. Scheduled starts are applied by the test, when it says so.
 */
interface Started {
  t: TestServer;
  store: Database;
  /** The PostgreSQL database, for a test's own plain connection; null on SQLite. */
  databaseUrl: string | null;
  stop: () => Promise<void>;
}

export interface ServerBackend {
  name: string;
  /** The reason instead when the backend cannot run here. */
  start(): Promise<Started | string>;
}

const sqlite: ServerBackend = {
  name: 'SQLite',
  async start() {
    const t = await startTestServer({ schedulerIntervalMs: 0 });
    return { t, store: await openSqliteStore(join(t.dataDir, 'updraft.db')), databaseUrl: null, stop: async () => {} };
  },
};

const postgres: ServerBackend = {
  name: 'PostgreSQL',
  async start() {
    const cluster: PostgresCluster | string = await startPostgres();
    if (typeof cluster === 'string') return cluster;
    const url = await cluster.createDatabase();
    const t = await startTestServer({ schedulerIntervalMs: 0, databaseUrl: url });
    return { t, store: await openPostgresStore(url), databaseUrl: url, stop: () => cluster.stop() };
  },
};

export const serverBackends: readonly ServerBackend[] = [sqlite, postgres];

/**
 * Starts the backend before the suite's tests and stops it (and the test's connection) after;
 * `setup` then prepares what the tests share. Returns the suite's `it`: every test is skipped,
 * with the reason, when the backend cannot run here.
 */
export function onBackend(
  backend: ServerBackend,
  setup: (started: Omit<Started, 'stop'>) => Promise<void>,
): (name: string, body: () => Promise<void>) => void {
  let started: Started | null = null;
  let skip: string | null = null;
  before(async () => {
    const s = await backend.start();
    if (typeof s === 'string') {
      skip = s;
      return;
    }
    started = s;
    await setup(s);
  });
  after(async () => {
    if (!started) return;
    await started.store.close();
    await started.t.stop();
    await started.stop();
  });
  return (name, body) => test(name, async (ctx) => (skip !== null ? ctx.skip(skip) : body()));
}
