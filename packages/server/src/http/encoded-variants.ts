import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { BoundedCache } from '../domain/bounded-cache.js';
import { COMPRESS_MIN_BYTES, looksCompressed, type Encoding } from './http-cache.js';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Larger files always go out as they are, streamed: no request may make the server hold or compress more. */
export const COMPRESS_MAX_BYTES = 8 * 1024 * 1024;
/** A variant is kept only when it saves at least this share of the bytes; otherwise the file is sent as it is. */
const MIN_SAVING = 0.1;
/** Cache weight of a "does not shrink" verdict. */
const VERDICT_WEIGHT = 64;

/**
 * br/gzip variants of immutable, hash-named bytes (metadata, manifests, release files), made
 * once and kept, so every answer carries a Content-Length and a strong ETag. What a request
 * may cost is bounded here, whatever its URL says:
 * - bodies outside COMPRESS_MIN_BYTES..COMPRESS_MAX_BYTES are never compressed;
 * - compression runs in libuv's thread pool (zlib's async API), never on the event loop;
 * - at most one compression runs at a time in this process: a request that finds the
 *   compressor busy is answered with the plain bytes at once instead of queueing, so hostile
 *   requests for many different files cost one pool thread and never delay other answers;
 * - a verdict "does not shrink" (images, fonts, archives by their magic bytes, or measured)
 *   is remembered, so such a file is never compressed twice;
 * - variants live in a bounded LRU cache (both encodings of a file fit, so alternating
 *   br and gzip cannot evict each other).
 */
export class EncodedVariants {
  private readonly cache: BoundedCache<Buffer | false>;
  private busy = false;

  constructor(maxCacheBytes = 64 * 1024 * 1024) {
    this.cache = new BoundedCache<Buffer | false>(maxCacheBytes, (v) => (v ? v.length : VERDICT_WEIGHT));
  }

  /** Whether bytes of this length may ever be sent encoded (the answer then varies by Accept-Encoding). */
  static eligible(length: number): boolean {
    return length >= COMPRESS_MIN_BYTES && length <= COMPRESS_MAX_BYTES;
  }

  /** The variant if it is already made (no work). */
  peek(sha256: string, encoding: Encoding): Buffer | null {
    return this.cache.get(`${sha256}-${encoding}`) || null;
  }

  /**
   * The encoded body for `sha256` in `encoding`, or null: send the plain bytes. `load` reads
   * the plain bytes; it is called only when a variant is about to be made (at most
   * COMPRESS_MAX_BYTES, one at a time).
   */
  async get(
    sha256: string,
    length: number,
    encoding: Encoding,
    load: () => Promise<Uint8Array | null>,
  ): Promise<Buffer | null> {
    if (!EncodedVariants.eligible(length)) return null;
    const key = `${sha256}-${encoding}`;
    const known = this.cache.get(key);
    if (known !== undefined) return known || null;
    if (this.busy) return null;
    this.busy = true;
    try {
      const bytes = await load();
      if (!bytes || bytes.length !== length) return null;
      if (looksCompressed(bytes.subarray(0, 16))) {
        this.cache.set(`${sha256}-br`, false);
        this.cache.set(`${sha256}-gzip`, false);
        return null;
      }
      const body = await compressAsync(bytes, encoding);
      const worth = body.length <= bytes.length * (1 - MIN_SAVING);
      this.cache.set(key, worth ? body : false);
      return worth ? body : null;
    } finally {
      this.busy = false;
    }
  }
}

/** Best ratio for documents-sized input; a faster level for bundles, where the time grows. */
function compressAsync(bytes: Uint8Array, encoding: Encoding): Promise<Buffer> {
  const small = bytes.length <= 1024 * 1024;
  return encoding === 'br'
    ? brotliAsync(bytes, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: small ? 9 : 5, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      })
    : gzipAsync(bytes, { level: small ? 9 : 6 });
}
