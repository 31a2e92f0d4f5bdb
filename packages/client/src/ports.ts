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
}

export interface FetchResult {
  status: number;
  /** The body for status 200; implementations may return an empty body for other statuses. */
  bytes: Uint8Array;
}

export interface DownloadResult {
  status: number;
  /** 0 when status is not 200, in which case nothing is left at the destination. */
  bytesWritten: number;
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
   * fetchBytes. The file must be flushed to disk before the promise resolves.
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
  /** Renames a file or folder; the destination must not exist. Durable before it resolves. */
  rename(from: string, to: string): Promise<void>;
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
}
