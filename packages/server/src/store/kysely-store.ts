import { sql, type Kysely } from 'kysely';
import type { MetadataStore } from './metadata-store.js';
import type { Database } from './schema.js';
import { KyselyLogStore } from './kysely-log-store.js';
import type { TransparencyLogStore } from './log-store.js';
import { KyselyControlPlaneStore } from './kysely-control-plane.js';
import { KyselyInsightStore } from './kysely-insight-store.js';
import { KyselyCodePushStore } from '../codepush/kysely-store.js';
import { KyselyExpoStore } from '../expo/kysely-store.js';
import { KyselySourcemapStore } from '../sourcemaps/kysely-store.js';
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
 * connection or transaction and routes each operation to its module. Signatures
 * are taken from the interface (Parameters<...>) so they are stated, and documented, once.
 */
export class KyselyMetadataStore implements MetadataStore {
  readonly log: TransparencyLogStore;
  readonly control: KyselyControlPlaneStore;
  readonly insight: KyselyInsightStore;
  readonly codepush: KyselyCodePushStore;
  readonly expo: KyselyExpoStore;
  readonly sourcemaps: KyselySourcemapStore;
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
    this.codepush = new KyselyCodePushStore(db);
    this.expo = new KyselyExpoStore(db);
    this.sourcemaps = new KyselySourcemapStore(db);
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

  createApp(...args: Parameters<MetadataStore['createApp']>) {
    return this.apps.createApp(...args);
  }
  getApp(...args: Parameters<MetadataStore['getApp']>) {
    return this.apps.getApp(...args);
  }
  listApps() {
    return this.apps.listApps();
  }
  markTrustInitialized(...args: Parameters<MetadataStore['markTrustInitialized']>) {
    return this.apps.markTrustInitialized(...args);
  }
  getOnlineKeys(...args: Parameters<MetadataStore['getOnlineKeys']>) {
    return this.apps.getOnlineKeys(...args);
  }
  setOnlineKey(...args: Parameters<MetadataStore['setOnlineKey']>) {
    return this.apps.setOnlineKey(...args);
  }
  addOnlineKeyCandidate(...args: Parameters<MetadataStore['addOnlineKeyCandidate']>) {
    return this.apps.addOnlineKeyCandidate(...args);
  }
  listOnlineKeyCandidates(...args: Parameters<MetadataStore['listOnlineKeyCandidates']>) {
    return this.apps.listOnlineKeyCandidates(...args);
  }
  getExpiryPolicy(...args: Parameters<MetadataStore['getExpiryPolicy']>) {
    return this.apps.getExpiryPolicy(...args);
  }
  putExpiryPolicy(...args: Parameters<MetadataStore['putExpiryPolicy']>) {
    return this.apps.putExpiryPolicy(...args);
  }

  getEmbeddedBundle(...args: Parameters<MetadataStore['getEmbeddedBundle']>) {
    return this.files.getEmbeddedBundle(...args);
  }
  putEmbeddedBundle(...args: Parameters<MetadataStore['putEmbeddedBundle']>) {
    return this.files.putEmbeddedBundle(...args);
  }
  addAppBlob(...args: Parameters<MetadataStore['addAppBlob']>) {
    return this.files.addAppBlob(...args);
  }
  findAppBlobs(...args: Parameters<MetadataStore['findAppBlobs']>) {
    return this.files.findAppBlobs(...args);
  }
  listBlobs(...args: Parameters<MetadataStore['listBlobs']>) {
    return this.files.listBlobs(...args);
  }

  putMetadata(...args: Parameters<MetadataStore['putMetadata']>) {
    return this.signedMetadata.putMetadata(...args);
  }
  getMetadata(...args: Parameters<MetadataStore['getMetadata']>) {
    return this.signedMetadata.getMetadata(...args);
  }
  getLatestMetadata(...args: Parameters<MetadataStore['getLatestMetadata']>) {
    return this.signedMetadata.getLatestMetadata(...args);
  }
  getLatestMetadataVersion(...args: Parameters<MetadataStore['getLatestMetadataVersion']>) {
    return this.signedMetadata.getLatestMetadataVersion(...args);
  }

  insertRelease(...args: Parameters<MetadataStore['insertRelease']>) {
    return this.releases.insertRelease(...args);
  }
  getRelease(...args: Parameters<MetadataStore['getRelease']>) {
    return this.releases.getRelease(...args);
  }
  listReleases(...args: Parameters<MetadataStore['listReleases']>) {
    return this.releases.listReleases(...args);
  }
  maxVersionCode(...args: Parameters<MetadataStore['maxVersionCode']>) {
    return this.releases.maxVersionCode(...args);
  }

  ensureChannel(...args: Parameters<MetadataStore['ensureChannel']>) {
    return this.channels.ensureChannel(...args);
  }
  listChannels(...args: Parameters<MetadataStore['listChannels']>) {
    return this.channels.listChannels(...args);
  }

  countApiKeys() {
    return this.apiKeys.countApiKeys();
  }
  insertApiKey(...args: Parameters<MetadataStore['insertApiKey']>) {
    return this.apiKeys.insertApiKey(...args);
  }
  findApiKeyBySha256(...args: Parameters<MetadataStore['findApiKeyBySha256']>) {
    return this.apiKeys.findApiKeyBySha256(...args);
  }
  touchApiKey(...args: Parameters<MetadataStore['touchApiKey']>) {
    return this.apiKeys.touchApiKey(...args);
  }

  tryAcquireLease(...args: Parameters<MetadataStore['tryAcquireLease']>) {
    return this.leases.tryAcquireLease(...args);
  }
  releaseLease(...args: Parameters<MetadataStore['releaseLease']>) {
    return this.leases.releaseLease(...args);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}
