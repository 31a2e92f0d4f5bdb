import type { Readable } from 'node:stream';

/**
 * Content-addressed file bytes (release files and manifests), keyed by lower-case hex
 * SHA-256. Which app may use a blob is the metadata store's business; a blob store only
 * guarantees that a stored blob's bytes hash to its name. Folder (default) and S3-compatible
 * buckets implement it.
 */
export interface BlobStore {
  has(sha256: string): Promise<boolean>;
  /** Null when absent. */
  stat(sha256: string): Promise<{ length: number } | null>;
  /**
   * Stores bytes under `sha256` after checking them: the blob appears under its name only
   * once what the store holds has been checked (length and SHA-256), so a failed or short
   * write never leaves a damaged blob there. Throws BlobError `hash-mismatch`, `too-large` or
   * `no-space`; on any error nothing new is left behind. Storing an existing blob replaces it
   * with the checked bytes (which repairs a damaged one).
   */
  put(
    sha256: string,
    source: Readable | Uint8Array,
    opts: { maxBytes: number },
  ): Promise<{ sha256: string; length: number }>;
  /** Whole blob in memory: for small ones (manifests). Null when absent. */
  get(sha256: string): Promise<Uint8Array | null>;
  /**
   * A stream and its length, taken from the same open file so they agree. With a range,
   * only bytes start..end (inclusive, within the blob) and that length. Null when absent.
   */
  createReadStream(sha256: string, range?: BlobRange): Promise<{ length: number; stream: Readable } | null>;
  /** Idempotent. */
  delete(sha256: string): Promise<void>;
  /** Where devices can fetch the blob directly (a CDN in front of a bucket), if configured. */
  publicUrl?(sha256: string): string | null;
  /** Throws when the store cannot be reached or written (for /readyz). */
  ping(): Promise<void>;
  /** Releases connections, if any. */
  close?(): Promise<void>;
}

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface BlobRange {
  start: number;
  end: number;
}

export type BlobErrorCode = 'hash-mismatch' | 'too-large' | 'invalid-hash' | 'no-space';

export class BlobError extends Error {
  constructor(
    readonly code: BlobErrorCode,
    message: string,
    readonly details: { expected?: string; actual?: string; maxBytes?: number } = {},
  ) {
    super(message);
    this.name = 'BlobError';
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new BlobError('invalid-hash', `"${sha256}" is not a lower-case hex SHA-256`);
}

/** The file system (or quota) is full: ENOSPC, EDQUOT. */
export function isNoSpaceError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function noSpace(sha256: string, cause: unknown): BlobError {
  const e = new BlobError('no-space', `the blob store's disk is full: blob ${sha256} was not stored`);
  e.cause = cause;
  return e;
}
