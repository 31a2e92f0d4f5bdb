import type { Readable } from 'node:stream';
import { ROOT_ROLE, TIMESTAMP_ROLE, type VersionedRole } from '@updraft/protocol';
import type { BlobRange, BlobStore } from '../blobs/blobs.js';
import type { Ports } from '../persistence/persistence.js';
import { SignedTargets } from './signed-targets.js';
import { unavailableDependency } from './unavailable.js';

/** A target URL's last segment: `<sha256>` (files) or `<sha256>.<name>` (consistent-snapshot targets). */
const TARGET_SEGMENT = /^([0-9a-f]{64})(?:\.[^/]+)?$/;

/** A release manifest's consistent-snapshot name: `manifests/<sha256>.<releaseId>.json` (repoPaths.target). */
const RECORDED_MANIFEST = /^manifests\/([0-9a-f]{64})\.([^/]+)\.json$/;

/** Bytes devices read, with the SHA-256 that names them (it doubles as the HTTP ETag). */
export interface ServedMetadata {
  bytes: Uint8Array;
  sha256: string;
}

export interface RepositoryServiceOptions {
  store: Ports<'trust' | 'releases'>;
  blobs: BlobStore;
  /**
   * How long this process reuses an app's current timestamp.json without asking the database
   * (default 0 = always ask). The device check is the hot path; a second of staleness is far
   * below the timestamp's own HTTP max-age, and writes through this process clear it at once.
   */
  timestampCacheMs?: number;
  now?: () => number;
  /** The app's parsed signed targets, shared with device resolve; one is made when none is given. */
  targets?: SignedTargets;
}

/** At most this many apps' timestamps are remembered; past it the cache starts over. */
const MAX_CACHED_APPS = 10_000;

/**
 * What devices download: metadata by role and version, and targets by hash. Read-only, and
 * answers null for anything an app does not have (including apps without trust yet), so
 * the route can say 404 without revealing more.
 */
export class RepositoryService {
  /** Per app: its timestamp and its newest root version, as read at `at`. */
  private readonly timestamps = new Map<
    string,
    { at: number; value: ServedMetadata | null; rootVersion: number | null }
  >();
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly signedTargets: SignedTargets;

  constructor(private readonly deps: RepositoryServiceOptions) {
    this.ttl = deps.timestampCacheMs ?? 0;
    this.now = deps.now ?? Date.now;
    this.signedTargets = deps.targets ?? new SignedTargets(deps);
  }

  /**
   * Makes cached timestamps stale, after a write through this process (publish, promote,
   * trust): the next check reads the database. They are kept to answer while it is away.
   */
  forgetCached(): void {
    for (const hit of this.timestamps.values()) hit.at = -Infinity;
  }

  private async servable(appId: string): Promise<boolean> {
    return Boolean((await this.deps.store.trust.getApp(appId))?.trustInitializedAt);
  }

  /**
   * The cached timestamp without any I/O: the value while it is fresh, undefined when the
   * cache has nothing fresh (then call timestamp()). For the server's fast path.
   */
  peekTimestamp(appId: string): ServedMetadata | null | undefined {
    const hit = this.timestamps.get(appId);
    return hit && this.now() - hit.at < this.ttl ? hit.value : undefined;
  }

  /**
   * The app's newest root version, cached with its timestamp (same freshness, same
   * clearing): null for an app devices cannot read, undefined when nothing fresh is cached.
   * Lets the fast path answer the root walk's usual request, root N+1, with a 404.
   */
  peekRootVersion(appId: string): number | null | undefined {
    const hit = this.timestamps.get(appId);
    return hit && this.now() - hit.at < this.ttl ? hit.rootVersion : undefined;
  }

  async timestamp(appId: string): Promise<ServedMetadata | null> {
    if (this.ttl > 0) {
      const hit = this.timestamps.get(appId);
      if (hit && this.now() - hit.at < this.ttl) return hit.value;
    }
    const at = this.now();
    let value: ServedMetadata | null = null;
    let rootVersion: number | null = null;
    try {
      if (await this.servable(appId)) {
        const m = await this.deps.store.trust.getLatestMetadata(appId, TIMESTAMP_ROLE);
        value = m ? { bytes: m.bytes, sha256: m.sha256 } : null;
        // After the timestamp: a timestamp signed under a new root is never cached beside the
        // old root version, which would tell devices that no newer root exists.
        if (this.ttl > 0) rootVersion = await this.deps.store.trust.getLatestMetadataVersion(appId, ROOT_ROLE);
      }
    } catch (err) {
      // The database is away: the last timestamp we had is still signed and unexpired (devices
      // check its expiry), so devices keep getting it; the database is asked again after the TTL.
      const stale = this.timestamps.get(appId);
      if (!stale) throw err;
      stale.at = at;
      return stale.value;
    }
    if (this.ttl > 0) {
      if (this.timestamps.size >= MAX_CACHED_APPS) this.timestamps.clear();
      this.timestamps.set(appId, { at, value, rootVersion });
    }
    return value;
  }

  async metadata(appId: string, role: VersionedRole, version: number): Promise<ServedMetadata | null> {
    try {
      if (!(await this.servable(appId))) return null;
      const m = await this.deps.store.trust.getMetadata(appId, role, version);
      return m ? { bytes: m.bytes, sha256: m.sha256 } : null;
    } catch (err) {
      // The database is away: the root walk's request at every check, the root after the
      // newest, is still answered "none" from the root version read with the last timestamp,
      // as the front door answers it (check-answers.ts), so a check that reaches this route
      // (a reused or proxied connection) is answered too. Any other document needs the database.
      const newest = this.timestamps.get(appId)?.rootVersion;
      const nextRoot = role === ROOT_ROLE && typeof newest === 'number' && version > newest;
      if (nextRoot && unavailableDependency(err) === 'database') return null;
      throw err;
    }
  }

  /** The blob a target path names, if it belongs to this app. */
  async targetBlob(appId: string, path: string): Promise<string | null> {
    const match = TARGET_SEGMENT.exec(path.slice(path.lastIndexOf('/') + 1));
    if (!match) return null;
    const sha256 = match[1]!;
    if (!(await this.servable(appId))) return null;
    return (await this.deps.store.releases.findAppBlobs(appId, [sha256])).has(sha256) ? sha256 : null;
  }

  /**
   * Any path under targets/ whose last segment names a blob of this app: manifests (under
   * their release or channel-pointer name) and files are all content-addressed blobs.
   */
  async target(
    appId: string,
    path: string,
    range?: BlobRange,
  ): Promise<{ sha256: string; length: number; stream: Readable } | null> {
    const sha256 = await this.targetBlob(appId, path);
    if (!sha256) return null;
    const opened = await this.deps.blobs.createReadStream(sha256, range);
    return opened ? { sha256, ...opened } : null;
  }

  /**
   * Whether the blob is one of the app's small JSON documents, which may be sent compressed: a
   * manifest named by the signed releases or director targets, at its signed length, or the
   * manifest of a release the listing has since dropped, under its own name
   * (`manifests/<sha256>.<releaseId>.json`) and at the hash and length recorded when its signed
   * publish was accepted. Only signed or recorded facts decide: the path only says which release
   * record to ask, and a release file asked for under a manifest URL is a file.
   */
  async isSignedDocument(appId: string, sha256: string, length: number, path: string): Promise<boolean> {
    if ((await this.signedTargets.documentLength(appId, sha256)) === length) return true;
    const match = RECORDED_MANIFEST.exec(path);
    if (!match || match[1] !== sha256) return false;
    const release = await this.deps.store.releases.getRelease(appId, match[2]!);
    return release?.manifestSha256 === sha256 && release.manifestLength === length;
  }

  /** A signed document whole, for compression (its length was checked against the signed one). */
  async targetBytes(sha256: string): Promise<Uint8Array | null> {
    return this.deps.blobs.get(sha256);
  }

  /** The blob's size without opening it, for HEAD and Range. */
  async blobLength(sha256: string): Promise<number | null> {
    return (await this.deps.blobs.stat(sha256))?.length ?? null;
  }

  /** Where a CDN serves the blob directly, when the blob store has one. */
  publicUrl(sha256: string): string | null {
    return this.deps.blobs.publicUrl?.(sha256) ?? null;
  }
}
