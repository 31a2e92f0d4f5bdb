import type { Kysely, Selectable } from 'kysely';
import type { ExpiryPolicy, KeyFile } from '../tuf/index.js';
import {
  ONLINE_ROLES,
  StoreConflictError,
  type ApiKeyRecord,
  type AppRecord,
  type ChannelRecord,
  type EmbeddedBundle,
  type EmbeddedFile,
  type MetadataRole,
  type MetadataStore,
  type OnlineKeyCandidate,
  type OnlineRole,
  type PointerRecord,
  type ReleaseRecord,
  type StoredMetadata,
} from './metadata-store.js';
import type { Database, MetadataTable, PointersTable, ReleasesTable } from './schema.js';
import { KyselyLogStore } from './kysely-log-store.js';
import type { TransparencyLogStore } from './log-store.js';
import { KyselyControlPlaneStore } from './kysely-control-plane.js';
import { KyselyInsightStore } from './kysely-insight-store.js';

/** SQLite and PostgreSQL report a duplicate key differently; both mean "someone was first". */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505' /* PostgreSQL */
  );
}

/** Keeps IN lists well below every dialect's bound-parameter limit. */
const IN_CHUNK = 500;

/**
 * MetadataStore over Kysely. Only dialect-neutral query builder calls are used here; the
 * dialect-specific parts (connection, pragmas, migrations) live in sqlite.ts and postgres.ts.
 */
export class KyselyMetadataStore implements MetadataStore {
  readonly log: TransparencyLogStore;
  readonly control: KyselyControlPlaneStore;
  readonly insight: KyselyInsightStore;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => db.destroy(),
  ) {
    this.log = new KyselyLogStore(db);
    this.control = new KyselyControlPlaneStore(db);
    this.insight = new KyselyInsightStore(db);
  }

  async transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) throw new Error('nested transactions are not supported');
    return this.db.transaction().execute((trx) => fn(new KyselyMetadataStore(trx, async () => {})));
  }

  async createApp(app: {
    appId: string;
    createdAt: string;
    onlineKeys: Record<OnlineRole, KeyFile>;
  }): Promise<boolean> {
    const write = async (db: Kysely<Database>): Promise<boolean> => {
      const inserted = await db
        .insertInto('apps')
        .values({ app_id: app.appId, created_at: app.createdAt, trust_initialized_at: null })
        .onConflict((oc) => oc.column('app_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      await db
        .insertInto('online_keys')
        .values(
          ONLINE_ROLES.map((role) => ({
            app_id: app.appId,
            role,
            keyid: app.onlineKeys[role].keyid,
            key_json: JSON.stringify(app.onlineKeys[role]),
            created_at: app.createdAt,
          })),
        )
        .execute();
      return true;
    };
    if (this.db.isTransaction) return write(this.db);
    return this.db.transaction().execute(write);
  }

  async getApp(appId: string): Promise<AppRecord | null> {
    const row = await this.db.selectFrom('apps').selectAll().where('app_id', '=', appId).executeTakeFirst();
    return row ? { appId: row.app_id, createdAt: row.created_at, trustInitializedAt: row.trust_initialized_at } : null;
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('app_id').execute();
    return rows.map((r) => ({ appId: r.app_id, createdAt: r.created_at, trustInitializedAt: r.trust_initialized_at }));
  }

  async markTrustInitialized(appId: string, at: string): Promise<void> {
    await this.db.updateTable('apps').set({ trust_initialized_at: at }).where('app_id', '=', appId).execute();
  }

  async getOnlineKeys(appId: string): Promise<Record<OnlineRole, KeyFile> | null> {
    const rows = await this.db.selectFrom('online_keys').selectAll().where('app_id', '=', appId).execute();
    const out: Partial<Record<OnlineRole, KeyFile>> = {};
    for (const r of rows) out[r.role as OnlineRole] = JSON.parse(r.key_json) as KeyFile;
    return ONLINE_ROLES.every((role) => out[role]) ? (out as Record<OnlineRole, KeyFile>) : null;
  }

  async setOnlineKey(appId: string, role: OnlineRole, key: KeyFile, at: string): Promise<void> {
    await this.db
      .updateTable('online_keys')
      .set({ keyid: key.keyid, key_json: JSON.stringify(key), created_at: at })
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .execute();
    await this.db
      .deleteFrom('online_key_candidates')
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .where('keyid', '=', key.keyid)
      .execute();
  }

  async addOnlineKeyCandidate(appId: string, c: OnlineKeyCandidate): Promise<void> {
    await this.db
      .insertInto('online_key_candidates')
      .values({
        app_id: appId,
        role: c.role,
        keyid: c.key.keyid,
        key_json: JSON.stringify(c.key),
        created_at: c.createdAt,
      })
      .execute();
  }

  async listOnlineKeyCandidates(appId: string): Promise<OnlineKeyCandidate[]> {
    const rows = await this.db
      .selectFrom('online_key_candidates')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      role: r.role as OnlineRole,
      key: JSON.parse(r.key_json) as KeyFile,
      createdAt: r.created_at,
    }));
  }

  async getExpiryPolicy(appId: string): Promise<Partial<ExpiryPolicy> | null> {
    const row = await this.db
      .selectFrom('app_expiry')
      .select('policy_json')
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.policy_json) as Partial<ExpiryPolicy>) : null;
  }

  async getEmbeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle | null> {
    const row = await this.db
      .selectFrom('embedded_bundles')
      .select(['files_json', 'registered_at'])
      .where('app_id', '=', appId)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    if (!row) return null;
    return {
      platform,
      runtimeVersion,
      files: JSON.parse(row.files_json) as EmbeddedFile[],
      registeredAt: row.registered_at,
    };
  }

  async putEmbeddedBundle(appId: string, bundle: EmbeddedBundle): Promise<void> {
    const files = JSON.stringify(bundle.files);
    await this.db
      .insertInto('embedded_bundles')
      .values({
        app_id: appId,
        platform: bundle.platform,
        runtime_version: bundle.runtimeVersion,
        files_json: files,
        registered_at: bundle.registeredAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['app_id', 'platform', 'runtime_version'])
          .doUpdateSet({ files_json: files, registered_at: bundle.registeredAt }),
      )
      .execute();
  }

  async putExpiryPolicy(appId: string, policy: Partial<ExpiryPolicy>, at: string): Promise<void> {
    const json = JSON.stringify(policy);
    await this.db
      .insertInto('app_expiry')
      .values({ app_id: appId, policy_json: json, updated_at: at })
      .onConflict((oc) => oc.column('app_id').doUpdateSet({ policy_json: json, updated_at: at }))
      .execute();
  }

  async putMetadata(m: StoredMetadata): Promise<void> {
    try {
      await this.db
        .insertInto('metadata')
        .values({
          app_id: m.appId,
          role: m.role,
          version: m.version,
          bytes: m.bytes,
          sha256: m.sha256,
          length: m.length,
          expires_at: m.expiresAt,
          created_at: m.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreConflictError(`${m.role} version ${m.version} of ${m.appId} already exists`, { cause: err });
      }
      throw err;
    }
  }

  async getMetadata(appId: string, role: MetadataRole, version: number): Promise<StoredMetadata | null> {
    const row = await this.db
      .selectFrom('metadata')
      .selectAll()
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toMetadata(row) : null;
  }

  async getLatestMetadata(appId: string, role: MetadataRole): Promise<StoredMetadata | null> {
    const row = await this.db
      .selectFrom('metadata')
      .selectAll()
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toMetadata(row) : null;
  }

  async addAppBlob(appId: string, blob: { sha256: string; length: number }, at: string): Promise<void> {
    const write = async (db: Kysely<Database>): Promise<void> => {
      await db
        .insertInto('blobs')
        .values({ sha256: blob.sha256, length: blob.length, created_at: at })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      await db
        .insertInto('app_blobs')
        .values({ app_id: appId, sha256: blob.sha256, created_at: at })
        .onConflict((oc) => oc.columns(['app_id', 'sha256']).doNothing())
        .execute();
    };
    if (this.db.isTransaction) return write(this.db);
    return this.db.transaction().execute(write);
  }

  async findAppBlobs(appId: string, sha256s: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const unique = [...new Set(sha256s)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('app_blobs')
        .innerJoin('blobs', 'blobs.sha256', 'app_blobs.sha256')
        .select(['blobs.sha256', 'blobs.length'])
        .where('app_blobs.app_id', '=', appId)
        .where('app_blobs.sha256', 'in', unique.slice(i, i + IN_CHUNK))
        .execute();
      for (const r of rows) found.set(r.sha256, Number(r.length));
    }
    return found;
  }

  async insertRelease(r: ReleaseRecord): Promise<void> {
    try {
      await this.db
        .insertInto('releases')
        .values({
          app_id: r.appId,
          release_id: r.releaseId,
          version_code: r.versionCode,
          epoch: r.epoch,
          platform: r.platform,
          runtime_version: r.runtimeVersion,
          channel: r.channel,
          manifest_sha256: r.manifestSha256,
          manifest_length: r.manifestLength,
          releases_version: r.releasesVersion,
          created_at: r.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`release ${r.releaseId} already exists`, { cause: err });
      throw err;
    }
  }

  async getRelease(appId: string, releaseId: string): Promise<ReleaseRecord | null> {
    const row = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async listReleases(appId: string, filter: { channel?: string; limit: number }): Promise<ReleaseRecord[]> {
    let q = this.db.selectFrom('releases').selectAll().where('app_id', '=', appId);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    const rows = await q.orderBy('releases_version', 'desc').limit(filter.limit).execute();
    return rows.map(toRelease);
  }

  async maxVersionCode(appId: string, platform: string, runtimeVersion: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('releases')
      .select((eb) => eb.fn.max('version_code').as('max'))
      .where('app_id', '=', appId)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? null : Number(row.max);
  }

  async ensureChannel(appId: string, name: string, at: string): Promise<void> {
    await this.db
      .insertInto('channels')
      .values({ app_id: appId, name, protected: 0, created_at: at })
      .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
      .execute();
  }

  async listChannels(appId: string): Promise<ChannelRecord[]> {
    const rows = await this.db.selectFrom('channels').selectAll().where('app_id', '=', appId).orderBy('name').execute();
    return rows.map((r) => ({ appId: r.app_id, name: r.name, protected: r.protected !== 0, createdAt: r.created_at }));
  }

  async getPointer(
    appId: string,
    channel: string,
    platform: string,
    runtimeVersion: string,
  ): Promise<PointerRecord | null> {
    const row = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where('app_id', '=', appId)
      .where('channel', '=', channel)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    return row ? toPointer(row) : null;
  }

  async putPointer(p: PointerRecord): Promise<void> {
    const values = {
      app_id: p.appId,
      channel: p.channel,
      platform: p.platform,
      runtime_version: p.runtimeVersion,
      release_id: p.releaseId,
      previous_release_id: p.previousReleaseId,
      basis_points: p.basisPoints,
      salt: p.salt,
      mandatory: p.mandatory ? 1 : 0,
      updated_at: p.updatedAt,
    };
    await this.db
      .insertInto('pointers')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['app_id', 'channel', 'platform', 'runtime_version']).doUpdateSet({
          release_id: values.release_id,
          previous_release_id: values.previous_release_id,
          basis_points: values.basis_points,
          salt: values.salt,
          mandatory: values.mandatory,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async listPointers(appId: string): Promise<PointerRecord[]> {
    const rows = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('channel')
      .orderBy('platform')
      .orderBy('runtime_version')
      .execute();
    return rows.map(toPointer);
  }

  async countApiKeys(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: k.id,
        name: k.name,
        key_sha256: k.keySha256,
        role: k.role,
        created_at: k.createdAt,
        last_used_at: k.lastUsedAt,
        revoked_at: k.revokedAt,
      })
      .execute();
  }

  async findApiKeyBySha256(keySha256: string): Promise<ApiKeyRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('key_sha256', '=', keySha256).executeTakeFirst();
    return r
      ? {
          id: r.id,
          name: r.name,
          keySha256: r.key_sha256,
          role: r.role,
          createdAt: r.created_at,
          lastUsedAt: r.last_used_at,
          revokedAt: r.revoked_at,
        }
      : null;
  }

  async touchApiKey(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs: number = Date.now()): Promise<boolean> {
    const expires = nowMs + ttlMs;
    // One statement, so the database decides the race: the conditional upsert changes a row
    // only when the lease is free, expired or ours.
    const result = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at_ms: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at_ms: expires })
          .where((eb) => eb.or([eb('leases.expires_at_ms', '<=', nowMs), eb('leases.holder', '=', holder)])),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

function toMetadata(r: Selectable<MetadataTable>): StoredMetadata {
  return {
    appId: r.app_id,
    role: r.role as MetadataRole,
    version: Number(r.version),
    bytes: r.bytes,
    sha256: r.sha256,
    length: Number(r.length),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

function toRelease(r: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    appId: r.app_id,
    releaseId: r.release_id,
    versionCode: Number(r.version_code),
    epoch: Number(r.epoch),
    platform: r.platform,
    runtimeVersion: r.runtime_version,
    channel: r.channel,
    manifestSha256: r.manifest_sha256,
    manifestLength: Number(r.manifest_length),
    releasesVersion: Number(r.releases_version),
    createdAt: r.created_at,
  };
}

function toPointer(r: Selectable<PointersTable>): PointerRecord {
  return {
    appId: r.app_id,
    channel: r.channel,
    platform: r.platform,
    runtimeVersion: r.runtime_version,
    releaseId: r.release_id,
    previousReleaseId: r.previous_release_id,
    basisPoints: Number(r.basis_points),
    salt: r.salt,
    mandatory: r.mandatory !== 0,
    updatedAt: r.updated_at,
  };
}
