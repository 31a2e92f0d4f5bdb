import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/index.js';
import type { MetadataRole, MetadataStore } from '../store/index.js';

/** A target URL's last segment: `<sha256>` (files) or `<sha256>.<name>` (consistent-snapshot targets). */
const TARGET_SEGMENT = /^([0-9a-f]{64})(?:\.[^/]+)?$/;

/**
 * What devices download: metadata by role and version, and targets by hash. Read-only, and
 * answers null for anything an app does not have (including apps without trust yet), so
 * the route can say 404 without revealing more.
 */
export class RepositoryService {
  constructor(private readonly deps: { store: MetadataStore; blobs: BlobStore }) {}

  private async servable(appId: string): Promise<boolean> {
    return Boolean((await this.deps.store.getApp(appId))?.trustInitializedAt);
  }

  async timestamp(appId: string): Promise<Uint8Array | null> {
    if (!(await this.servable(appId))) return null;
    return (await this.deps.store.getLatestMetadata(appId, 'timestamp'))?.bytes ?? null;
  }

  async metadata(appId: string, role: Exclude<MetadataRole, 'timestamp'>, version: number): Promise<Uint8Array | null> {
    if (!(await this.servable(appId))) return null;
    return (await this.deps.store.getMetadata(appId, role, version))?.bytes ?? null;
  }

  /** The blob a target path names, if it belongs to this app. */
  private async targetBlob(appId: string, path: string): Promise<string | null> {
    const match = TARGET_SEGMENT.exec(path.slice(path.lastIndexOf('/') + 1));
    if (!match) return null;
    const sha256 = match[1]!;
    if (!(await this.servable(appId))) return null;
    return (await this.deps.store.findAppBlobs(appId, [sha256])).has(sha256) ? sha256 : null;
  }

  /**
   * Any path under targets/ whose last segment names a blob of this app: manifests (under
   * their release or channel-pointer name) and files are all content-addressed blobs.
   */
  async target(appId: string, path: string): Promise<{ length: number; stream: Readable } | null> {
    const sha256 = await this.targetBlob(appId, path);
    return sha256 ? this.deps.blobs.createReadStream(sha256) : null;
  }

  /** Like target() without opening the file, for HEAD. */
  async targetLength(appId: string, path: string): Promise<number | null> {
    const sha256 = await this.targetBlob(appId, path);
    return sha256 ? ((await this.deps.blobs.stat(sha256))?.length ?? null) : null;
  }
}
