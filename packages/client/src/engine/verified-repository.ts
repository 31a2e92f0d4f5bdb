import {
  loadTrustedRoot,
  MAX_ROOT_BYTES,
  repoPaths,
  ROOT_ROLE,
  type RootSigned,
  type Verified,
} from '@updraft/protocol';
import { DEFAULT_TIMEOUT_MS } from '../config.js';
import type { Transport } from '../ports/ports.js';
import { refreshMetadata, type TrustedSet } from './refresh.js';
import { Repository } from './repository.js';
import { TrustedMetadata, type MetadataRole, type MetadataStorage } from './trusted-metadata.js';

/**
 * An app's current repository read with the device's own refresh (root chain, thresholds,
 * versions, hashes, rollback checks), from nothing but a trust anchor: for a publisher that
 * signs on top of what the server serves, and so must see it exactly as a device would.
 */
export interface VerifiedRepository extends TrustedSet {
  /**
   * Every root version from 1 to `root`, oldest first. Those after the anchor are verified
   * in a chain from it; those before it are as the repository serves them (devices with an
   * older anchor walk them from theirs).
   */
  roots: Verified<RootSigned>[];
}

export interface ReadRepositoryOptions {
  transport: Transport;
  /** The app's repository, `<server>/repo/<appId>` (repositoryBaseUrl). */
  baseUrl: string;
  /** The root the reader trusts (the publisher's root.json). */
  anchor: Uint8Array;
  /**
   * Expiry is checked against this clock; `() => 0` accepts expired metadata, for a reader
   * that reports expiry itself (renewing expired metadata is one reason to read it).
   */
  now: () => number;
  /** A request that stalls this long fails (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Nothing is trusted before the read, and nothing it verified outlives it. */
class MemoryMetadataStorage implements MetadataStorage {
  private readonly files = new Map<string, Uint8Array>();
  readFile(path: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.files.get(path) ?? null);
  }
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(path, bytes);
    return Promise.resolve();
  }
  mkdirp(): Promise<void> {
    return Promise.resolve();
  }
  remove(path: string): Promise<void> {
    this.files.delete(path);
    return Promise.resolve();
  }
}

/** Keeps every root the refresh verifies, in order, besides the latest one. */
class RootRecordingMetadata extends TrustedMetadata {
  readonly roots: Verified<RootSigned>[] = [];
  override async persist(role: MetadataRole, bytes: Uint8Array): Promise<void> {
    if (role === ROOT_ROLE) this.roots.push(loadTrustedRoot(bytes));
    await super.persist(role, bytes);
  }
}

export async function readVerifiedRepository(options: ReadRepositoryOptions): Promise<VerifiedRepository> {
  const repo = new Repository(options.transport, options.baseUrl, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const trusted = new RootRecordingMetadata(new MemoryMetadataStorage());
  const anchor = loadTrustedRoot(options.anchor);
  const set = await refreshMetadata({ repo, trusted, shippedRoot: options.anchor, now: options.now });
  const earlier: Verified<RootSigned>[] = [];
  for (let v = anchor.signed.version - 1; v >= 1; v--) {
    const bytes = await repo.fetchOptional(repoPaths.root(v), MAX_ROOT_BYTES);
    if (!bytes) break;
    earlier.unshift(loadTrustedRoot(bytes));
  }
  return { ...set, roots: [...earlier, anchor, ...trusted.roots] };
}
