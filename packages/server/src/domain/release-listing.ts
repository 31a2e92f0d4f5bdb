import {
  parseJsonObject,
  parseManifest,
  releaseState,
  ROLLOUT_BUCKETS,
  type ReleaseListing,
  type ReleaseServing,
} from '@updraft/protocol';
import type { BlobStore } from '../blobs/blobs.js';
import type { Ports, ReleaseRecord } from '../persistence/persistence.js';
import { listedReleaseIds } from './releases-in-use.js';
import { unavailableDependency } from './unavailable.js';

/** Manifests are immutable by hash: their sizes are remembered, up to this many. */
const MAX_REMEMBERED_SIZES = 10_000;
/** Manifest reads in flight at once when a list meets manifests it has not seen. */
const PARALLEL_READS = 8;

type Size = Pick<ReleaseListing, 'sizeBytes' | 'files'>;

/**
 * What the release list says beyond the release itself: its state (from the channel pointers
 * and whether it was disabled), whether the signed listing still has it, and its size (from
 * its manifest, read once per process). A channel serves a release to the share of its
 * devices in the rollout, and its previous release to the rest (all of them while halted).
 *
 * Everything but the size comes from the database, so the list is answered while the blob
 * store is away: a size it cannot read then is unknown (null) and read again next time.
 */
export class ReleaseListings {
  private sizes = new Map<string, Size>();

  constructor(private readonly deps: { store: Ports<'trust' | 'releases' | 'rollout'>; blobs: BlobStore }) {}

  async describe(appId: string, records: readonly ReleaseRecord[]): Promise<Map<string, ReleaseListing>> {
    const { store } = this.deps;
    const pointers = await store.rollout.listPointers(appId);
    const listed = await listedReleaseIds(store, appId);
    const out = new Map<string, ReleaseListing>();
    await inBatches(records, PARALLEL_READS, async (r) => {
      const extras = await store.releases.getReleaseExtras(appId, r.releaseId);
      const channels: ReleaseServing[] = [];
      for (const p of pointers) {
        const where = { channel: p.channel, platform: p.platform, runtimeVersion: p.runtimeVersion };
        const halted = p.haltedAt !== null;
        if (p.releaseId === r.releaseId) channels.push({ ...where, basisPoints: p.basisPoints, halted });
        // The previous release keeps the devices outside a partial or halted rollout.
        else if (p.previousReleaseId === r.releaseId && (halted || p.basisPoints < ROLLOUT_BUCKETS))
          channels.push({
            ...where,
            basisPoints: halted ? ROLLOUT_BUCKETS : ROLLOUT_BUCKETS - p.basisPoints,
            halted: false,
          });
      }
      const disabledAt = extras?.disabledAt ?? null;
      out.set(r.releaseId, {
        state: releaseState(disabledAt, channels),
        channels,
        disabledAt,
        listed: listed.has(r.releaseId),
        ...(await this.size(r.manifestSha256)),
      });
    });
    return out;
  }

  private async size(manifestSha256: string): Promise<Size> {
    const known = this.sizes.get(manifestSha256);
    if (known) return known;
    let bytes: Uint8Array | null;
    try {
      bytes = await this.deps.blobs.get(manifestSha256);
    } catch (err) {
      if (unavailableDependency(err) === 'blob-store') return { sizeBytes: null, files: null };
      throw err;
    }
    if (!bytes) return { sizeBytes: null, files: null };
    let size: Size;
    try {
      const files = parseManifest(parseJsonObject(bytes, 'release manifest')).files;
      size = { sizeBytes: files.reduce((n, f) => n + f.length, 0), files: files.length };
    } catch {
      size = { sizeBytes: null, files: null };
    }
    if (this.sizes.size >= MAX_REMEMBERED_SIZES) this.sizes = new Map();
    this.sizes.set(manifestSha256, size);
    return size;
  }
}

async function inBatches<T>(items: readonly T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(each));
}
