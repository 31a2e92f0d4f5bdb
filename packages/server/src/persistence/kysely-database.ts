import { sql, type Kysely } from 'kysely';
import { KyselyCodePushStore } from './codepush/codepush-kysely-store.js';
import { KyselyExpoStore } from './expo/expo-kysely-store.js';
import { KyselySourcemapStore } from './sourcemaps/sourcemap-kysely-store.js';
import { StoreConflictError, type Database } from './database.js';
import { KyselyTransparencyLogStore } from './kysely-transparency-log-store.js';
import {
  KyselyAccessStore,
  KyselyInsightStore,
  KyselyLeaseStore,
  KyselyReleaseStore,
  KyselyRolloutStore,
  KyselyTrustStore,
} from './kysely-ports.js';
import type { Tables } from './schema.js';

/**
 * The Database over Kysely: every port bound to one connection, or (inside `transaction`) to
 * one transaction, so writes through different ports commit together.
 */
export class KyselyDatabase implements Database {
  readonly trust: KyselyTrustStore;
  readonly releases: KyselyReleaseStore;
  readonly rollout: KyselyRolloutStore;
  readonly access: KyselyAccessStore;
  readonly insight: KyselyInsightStore;
  readonly transparencyLog: KyselyTransparencyLogStore;
  readonly leases: KyselyLeaseStore;
  readonly codepush: KyselyCodePushStore;
  readonly expo: KyselyExpoStore;
  readonly sourcemaps: KyselySourcemapStore;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly onClose: () => Promise<void> = async () => db.destroy(),
  ) {
    this.trust = new KyselyTrustStore(db);
    this.releases = new KyselyReleaseStore(db);
    this.rollout = new KyselyRolloutStore(db);
    this.access = new KyselyAccessStore(db);
    this.insight = new KyselyInsightStore(db);
    this.transparencyLog = new KyselyTransparencyLogStore(db);
    this.leases = new KyselyLeaseStore(db);
    this.codepush = new KyselyCodePushStore(db);
    this.expo = new KyselyExpoStore(db);
    this.sourcemaps = new KyselySourcemapStore(db);
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) throw new Error('nested transactions are not supported');
    try {
      return await this.db.transaction().execute((trx) => fn(new KyselyDatabase(trx, async () => {})));
    } catch (err) {
      if (endedByDatabase(err)) {
        throw new StoreConflictError(`the database ended the transaction: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

/**
 * PostgreSQL ended the transaction because of another one: a deadlock (40P01, see the lock
 * order at StoreConflictError) or a serialization failure (40001). Nothing of it was stored.
 */
function endedByDatabase(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}
