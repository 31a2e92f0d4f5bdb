import type { Kysely } from 'kysely';
import type { ExpiryPolicy, KeyFile } from '../tuf/index.js';
import type {
  ApiKeyRecord,
  AppRecord,
  ChannelRecord,
  EmbeddedBundle,
  MetadataRole,
  MetadataStore,
  OnlineKeyCandidate,
  OnlineRole,
  ReleaseRecord,
  StoredMetadata,
} from './metadata-store.js';
import type { Database } from './schema.js';
import { KyselyLogStore } from './kysely-log-store.js';
import type { TransparencyLogStore } from './log-store.js';
import { KyselyControlPlaneStore } from './kysely-control-plane.js';
import { KyselyInsightStore } from './kysely-insight-store.js';
import { ApiKeyQueries } from './kysely/api-keys.js';
import { AppQueries } from './kysely/apps.js';
import { FileQueries } from './kysely/blobs.js';
import { ChannelQueries } from './kysely/channels.js';
import { LeaseQueries } from './kysely/leases.js';
import { ReleaseQueries } from './kysely/releases.js';
import { SignedMetadataQueries } from './kysely/signed-metadata.js';

/**
 * MetadataStore over Kysely. Only dialect-neutral query builder calls are used; the
 * dialect-specific parts (connection, pragmas, migrations) live in sqlite.ts and postgres.ts.
 * The queries live in store/kysely/, one module per concern; this class binds them to one
 * connection or transaction and routes each operation to its module.
 */
export class KyselyMetadataStore implements MetadataStore {
  readonly log: TransparencyLogStore;
  readonly control: KyselyControlPlaneStore;
  readonly insight: KyselyInsightStore;
  private readonly apps: AppQueries;
  private readonly signedMetadata: SignedMetadataQueries;
  private readonly files: FileQueries;
  private readonly releases: ReleaseQueries;
  private readonly channels: ChannelQueries;
  private readonly apiKeys: ApiKeyQueries;
  private readonly leases: LeaseQueries;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => db.destroy(),
  ) {
    this.log = new KyselyLogStore(db);
    this.control = new KyselyControlPlaneStore(db);
    this.insight = new KyselyInsightStore(db);
    this.apps = new AppQueries(db);
    this.signedMetadata = new SignedMetadataQueries(db);
    this.files = new FileQueries(db);
    this.releases = new ReleaseQueries(db);
    this.channels = new ChannelQueries(db);
    this.apiKeys = new ApiKeyQueries(db);
    this.leases = new LeaseQueries(db);
  }

  async transaction<T>(fn: (tx: MetadataStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) throw new Error('nested transactions are not supported');
    return this.db.transaction().execute((trx) => fn(new KyselyMetadataStore(trx, async () => {})));
  }

  createApp(app: { appId: string; createdAt: string; onlineKeys: Record<OnlineRole, KeyFile> }): Promise<boolean> {
    return this.apps.createApp(app);
  }
  getApp(appId: string): Promise<AppRecord | null> {
    return this.apps.getApp(appId);
  }
  listApps(): Promise<AppRecord[]> {
    return this.apps.listApps();
  }
  markTrustInitialized(appId: string, at: string): Promise<void> {
    return this.apps.markTrustInitialized(appId, at);
  }
  getOnlineKeys(appId: string): Promise<Record<OnlineRole, KeyFile> | null> {
    return this.apps.getOnlineKeys(appId);
  }
  setOnlineKey(appId: string, role: OnlineRole, key: KeyFile, at: string): Promise<void> {
    return this.apps.setOnlineKey(appId, role, key, at);
  }
  addOnlineKeyCandidate(appId: string, candidate: OnlineKeyCandidate): Promise<void> {
    return this.apps.addOnlineKeyCandidate(appId, candidate);
  }
  listOnlineKeyCandidates(appId: string): Promise<OnlineKeyCandidate[]> {
    return this.apps.listOnlineKeyCandidates(appId);
  }
  getExpiryPolicy(appId: string): Promise<Partial<ExpiryPolicy> | null> {
    return this.apps.getExpiryPolicy(appId);
  }
  putExpiryPolicy(appId: string, policy: Partial<ExpiryPolicy>, at: string): Promise<void> {
    return this.apps.putExpiryPolicy(appId, policy, at);
  }

  getEmbeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle | null> {
    return this.files.getEmbeddedBundle(appId, platform, runtimeVersion);
  }
  putEmbeddedBundle(appId: string, bundle: EmbeddedBundle): Promise<void> {
    return this.files.putEmbeddedBundle(appId, bundle);
  }
  addAppBlob(appId: string, blob: { sha256: string; length: number }, at: string): Promise<void> {
    return this.files.addAppBlob(appId, blob, at);
  }
  findAppBlobs(appId: string, sha256s: readonly string[]): Promise<Map<string, number>> {
    return this.files.findAppBlobs(appId, sha256s);
  }

  putMetadata(metadata: StoredMetadata): Promise<void> {
    return this.signedMetadata.putMetadata(metadata);
  }
  getMetadata(appId: string, role: MetadataRole, version: number): Promise<StoredMetadata | null> {
    return this.signedMetadata.getMetadata(appId, role, version);
  }
  getLatestMetadata(appId: string, role: MetadataRole): Promise<StoredMetadata | null> {
    return this.signedMetadata.getLatestMetadata(appId, role);
  }

  insertRelease(release: ReleaseRecord): Promise<void> {
    return this.releases.insertRelease(release);
  }
  getRelease(appId: string, releaseId: string): Promise<ReleaseRecord | null> {
    return this.releases.getRelease(appId, releaseId);
  }
  listReleases(appId: string, filter: { channel?: string; limit: number }): Promise<ReleaseRecord[]> {
    return this.releases.listReleases(appId, filter);
  }
  maxVersionCode(appId: string, platform: string, runtimeVersion: string): Promise<number | null> {
    return this.releases.maxVersionCode(appId, platform, runtimeVersion);
  }

  ensureChannel(appId: string, name: string, at: string): Promise<void> {
    return this.channels.ensureChannel(appId, name, at);
  }
  listChannels(appId: string): Promise<ChannelRecord[]> {
    return this.channels.listChannels(appId);
  }

  countApiKeys(): Promise<number> {
    return this.apiKeys.countApiKeys();
  }
  insertApiKey(key: ApiKeyRecord): Promise<void> {
    return this.apiKeys.insertApiKey(key);
  }
  findApiKeyBySha256(keySha256: string): Promise<ApiKeyRecord | null> {
    return this.apiKeys.findApiKeyBySha256(keySha256);
  }
  touchApiKey(id: string, at: string): Promise<void> {
    return this.apiKeys.touchApiKey(id, at);
  }

  tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs?: number): Promise<boolean> {
    return this.leases.tryAcquireLease(name, holder, ttlMs, nowMs);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.leases.releaseLease(name, holder);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}
