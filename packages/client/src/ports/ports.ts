/**
 * The engine's only contact with the platform. React Native, Capacitor and Node each supply
 * these; the core never imports a platform module, so it runs unchanged on Hermes.
 *
 * Contract for every port: report failures by throwing. An UpdraftError keeps its reason;
 * any other error is reported as `network` (Transport) or `storage` (Storage, Hasher).
 */

export interface FetchOptions {
  /** Stop reading and throw UpdraftError('length') as soon as the body exceeds this. */
  maxBytes: number;
  /** Throw UpdraftError('timeout') when no byte arrives for this long (a stall, not a deadline). */
  timeoutMs: number;
}

export interface DownloadOptions extends FetchOptions {
  /** Called as bytes arrive, for UI only; the engine does not rely on it. */
  onProgress?: (bytesWritten: number) => void;
  /**
   * Resume: `destination` already holds this many bytes of the file. A transport that can,
   * asks for the rest (`Range: bytes=<offset>-`) and appends on `206`; on `200` it rewrites
   * the file from the start. A transport that cannot resume ignores it and rewrites the file.
   * `maxBytes` caps the whole file, not just the rest.
   */
  offset?: number;
}

export interface FetchResult {
  status: number;
  /** The body for status 200; implementations may return an empty body for other statuses. */
  bytes: Uint8Array;
}

export interface DownloadResult {
  /** 200, or 206 when the transport appended to the `offset` bytes already there. */
  status: number;
  /**
   * Optional: lower-case hex SHA-256 of the whole destination file, computed while writing
   * (a 200 answer only). Saves reading the file again to hash it.
   */
  sha256?: string;
  /**
   * Length of the destination file after the call (offset + appended bytes on 206). 0 when
   * the status is neither 200 nor 206; the destination is then left as it was.
   */
  bytesWritten: number;
  /**
   * Optional, for a 429 or 503 answer: how long the server asked the client to wait before
   * asking again (its Retry-After, in milliseconds), when it said.
   */
  retryAfterMs?: number;
}

export interface Transport {
  /**
   * GET `url` into memory (metadata and manifests only: small and capped). Must refuse any
   * redirect that changes origin with UpdraftError('insecure-url'); connection failures
   * throw UpdraftError('network').
   */
  fetchBytes(url: string, options: FetchOptions): Promise<FetchResult>;
  /**
   * GET `url` streaming into `destination` (an absolute platform path from Storage.resolve;
   * its folder exists), so a large bundle never sits in a phone's memory. Same errors as
   * fetchBytes. The file must be flushed to disk before the promise resolves. A body that ends
   * before the length the server announced must throw UpdraftError('network'): a download
   * that resolves is taken as the server's whole file, and a short one as a damaged file.
   */
  downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult>;
}

/**
 * The device's private folder. Paths are relative to its root and '/'-separated; the engine
 * only builds them from validated identifiers and manifest paths.
 */
export interface Storage {
  /** null when the file does not exist. */
  readFile(path: string): Promise<Uint8Array | null>;
  /** Readers see the old or the new content, never a mix, even after power loss (temp, fsync, rename). */
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  mkdirp(path: string): Promise<void>;
  /**
   * Renames a file or folder; the destination must not exist. Durable before it resolves,
   * unless `durable: false`: the engine then calls syncTree() on a parent before it relies
   * on the new name (one folder sync per folder instead of one per file).
   */
  rename(from: string, to: string, options?: { durable?: boolean }): Promise<void>;
  /** Removes a file or a folder recursively; no error when it does not exist. */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Entry names of a folder; [] when it does not exist. */
  listDir(path: string): Promise<string[]>;
  /** Copies a file; the destination's folder exists. Durable before it resolves. */
  copyFile(from: string, to: string): Promise<void>;
  /** The absolute platform path of `path`, for the app's loader, the downloader and the hasher. */
  resolve(path: string): string;
  /**
   * Optional: writes a file from chunks as they are produced (a patched file), so it never
   * sits whole in memory. Durable before it resolves. Without it the engine joins the
   * chunks and calls writeFileAtomic.
   */
  writeFileChunks?(path: string, chunks: Iterable<Uint8Array>): Promise<void>;
  /**
   * Optional: reads a file outside the device folder by the location the app configured for
   * its embedded bundle (config.embedded.files); null when it does not exist. Without it
   * embedded files are not reused.
   */
  readExternal?(location: string): Promise<Uint8Array | null>;
  /**
   * Optional. Size in bytes of a file, null when it does not exist. Without it the engine
   * cannot resume an interrupted download and fetches the whole file again.
   */
  fileSize?(path: string): Promise<number | null>;
  /**
   * Optional. Makes every entry in the folder tree at `path` durable (fsync of each folder).
   * Platforms without it make each rename durable on its own.
   */
  syncTree?(path: string): Promise<void>;
  /**
   * Optional. Bytes the app may still write in its folder, or null when the platform
   * cannot tell. Without it (or with null) the engine skips the free-space check.
   */
  freeBytes?(): Promise<number | null>;
}

export interface Hasher {
  /**
   * Lower-case hex SHA-256 of a file at an absolute platform path. Native on phones: a
   * pure-JS hash of a 5 MB bundle takes seconds on Hermes.
   */
  sha256File(absolutePath: string): Promise<string>;
}

/** Brotli decompression (RFC 7932) for patches: node:zlib in Node, a pure-JS decoder by default. */
export interface BrotliDecoder {
  /**
   * Decompresses `input`, which must expand to exactly `outputLength` bytes; throws when it
   * does not (an implementation may stop as soon as the output would exceed it).
   */
  decompress(input: Uint8Array, outputLength: number): Uint8Array | Promise<Uint8Array>;
}

export interface Clock {
  /** Milliseconds since the Unix epoch; used for metadata expiry. */
  now(): number;
}

/**
 * Timers for the notifyAppReady() deadline. Defaults to the global setTimeout, which Hermes,
 * WebViews and Node all have; tests pass a manual one.
 */
export interface Timers {
  /** Runs `task` once after `ms`; the returned function cancels it. */
  setTimeout(task: () => void, ms: number): () => void;
  /**
   * Optional: a wait that work in progress awaits (a download waiting out a busy server's
   * Retry-After). Unlike setTimeout's timer it keeps a Node process alive; without it the
   * engine waits with setTimeout.
   */
  delay?(ms: number): Promise<void>;
}

/** Cryptographically secure random bytes; only used to create the device id. */
export type RandomSource = (byteCount: number) => Uint8Array;

export interface UpdraftPorts {
  transport: Transport;
  storage: Storage;
  hasher: Hasher;
  /** Defaults to Date.now(). */
  clock?: Clock;
  /** Defaults to globalThis.crypto.getRandomValues when the platform has it. */
  random?: RandomSource;
  /** Defaults to a pure-JS decoder (the `brotli` package), which runs on Hermes. */
  brotli?: BrotliDecoder;
  /** Defaults to the global setTimeout. */
  timers?: Timers;
}
