import { sql, type Kysely } from 'kysely';
import { KyselyCodePushStore } from './codepush/codepush-kysely-store.js';
import { KyselyExpoStore } from './expo/expo-kysely-store.js';
import { KyselySourcemapStore } from './sourcemaps/sourcemap-kysely-store.js';
import type { Database } from './database.js';
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
    return this.db.transaction().execute((trx) => fn(new KyselyDatabase(trx, async () => {})));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}
