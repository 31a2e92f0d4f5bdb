import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { assertSha256, BlobError, isNoSpaceError, noSpace } from './blob-store.js';

/**
 * One pending blob inside a backend: bytes go in, nothing is visible under the blob's name
 * until commit(). A backend supplies only this raw side; verifiedPut() decides what may be
 * written and whether it may be committed, so every backend gets the same checks.
 */
export interface PendingBlob {
  /** Appends the next chunk (already counted and hashed); writes it whole or throws. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Optional: after the last write, makes the bytes durable and reads back what the backend
   * holds, so that what the medium has (not what we meant to write) is checked before commit.
   */
  readBack?(): Promise<{ length: number; sha256: string }>;
  /** Makes the blob appear under its name, atomically; replaces what was there. */
  commit(): Promise<void>;
  /** Drops everything this pending blob wrote. Called once on any failure; must not throw. */
  abort(): Promise<void>;
}

/** The raw operations verifiedPut() drives. */
export interface RawBlobWrites {
  /** Starts a pending blob for `sha256` (already validated). */
  begin(sha256: string): Promise<PendingBlob>;
  /** Length the backend reports under the name, null when absent (checked after commit). */
  stat(sha256: string): Promise<{ length: number } | null>;
  /** Deletes what is under the name (a commit that did not verify); quiet when absent. */
  remove(sha256: string): Promise<void>;
}

/**
 * The shape every backend that stores through verifiedPut() shares: it supplies stat, delete
 * and begin (its raw side), and has() and put() follow from them the same way everywhere.
 */
export abstract class VerifiedBlobStore {
  abstract stat(sha256: string): Promise<{ length: number } | null>;
  abstract delete(sha256: string): Promise<void>;
  /** Starts a pending blob for `sha256` (already validated): RawBlobWrites.begin. */
  protected abstract begin(sha256: string): Promise<PendingBlob>;

  async has(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== null;
  }

  put(
    sha256: string,
    source: Readable | Uint8Array,
    opts: { maxBytes: number },
  ): Promise<{ sha256: string; length: number }> {
    const raw: RawBlobWrites = {
      stat: (name) => this.stat(name),
      remove: (name) => this.delete(name),
      begin: (name) => this.begin(name),
    };
    return verifiedPut(raw, sha256, source, opts);
  }
}

/**
 * The write every BlobStore.put goes through: refuses a name that is not a SHA-256, counts
 * bytes against `maxBytes` as they arrive (`too-large`), hashes them as they stream
 * (`hash-mismatch`), checks the read-back bytes before commit and the stored length after it,
 * and turns a full disk into `no-space`. On any failure the pending blob is aborted and a
 * streamed source destroyed, so the uploader stops sending and nothing is left behind.
 */
export async function verifiedPut(
  raw: RawBlobWrites,
  sha256: string,
  source: Readable | Uint8Array,
  opts: { maxBytes: number },
): Promise<{ sha256: string; length: number }> {
  try {
    assertSha256(sha256);
    const pending = await raw.begin(sha256);
    let length: number;
    try {
      length = await writeChecked(pending, sha256, source, opts.maxBytes);
      if (pending.readBack) {
        const held = await pending.readBack();
        if (held.length !== length || held.sha256 !== sha256) {
          throw new Error(
            `blob ${sha256}: the store holds ${held.length} bytes hashing to ${held.sha256} after writing ${length}; nothing was stored`,
          );
        }
      }
      await pending.commit();
    } catch (err) {
      await pending.abort();
      throw err;
    }
    await checkCommitted(raw, sha256, length);
    return { sha256, length };
  } catch (err) {
    // Stop reading an upload we refused, so the socket is not kept busy for nothing.
    if (!(source instanceof Uint8Array)) source.destroy();
    if (isNoSpaceError(err)) throw noSpace(sha256, err);
    throw err;
  }
}

/**
 * A backend may keep other bytes than it was sent (an S3-compatible store that does not enforce
 * checksums, say). What the commit put under the name is measured, and when it is not the blob
 * it is deleted: nothing stays under a hash that does not match it, and the next publish
 * uploads the blob again. A length that cannot be read (the store away) fails the write but
 * deletes nothing: the object is most likely whole, and may be a release's already.
 */
async function checkCommitted(raw: RawBlobWrites, sha256: string, length: number): Promise<void> {
  const stored = await raw.stat(sha256);
  if (stored?.length === length) return;
  const removal = await raw.remove(sha256).then(
    () => 'it was deleted',
    (err: unknown) => `deleting it failed too (${err instanceof Error ? err.message : String(err)}): delete it by hand`,
  );
  throw new Error(
    `blob ${sha256}: the store holds ${stored?.length ?? 'nothing'} bytes after writing ${length}; ${removal}`,
  );
}

async function writeChecked(
  pending: PendingBlob,
  sha256: string,
  source: Readable | Uint8Array,
  maxBytes: number,
): Promise<number> {
  const hash = createHash('sha256');
  let length = 0;
  const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = source instanceof Uint8Array ? [source] : source;
  for await (const chunk of chunks) {
    length += chunk.length;
    if (length > maxBytes) throw new BlobError('too-large', `blob exceeds ${maxBytes} bytes`, { maxBytes });
    hash.update(chunk);
    await pending.write(chunk);
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    throw new BlobError('hash-mismatch', `the uploaded bytes hash to ${actual}, not ${sha256}`, {
      expected: sha256,
      actual,
    });
  }
  return length;
}
