import { UpdraftError } from '@updraft/protocol';
import type { DownloadOptions, Timers, Transport } from '../ports/ports.js';

/**
 * A busy server (429 or 503 on a file download: too many downloads from this network address,
 * or in all) is waited out, not taken as a failed install: the download is asked again after
 * its Retry-After, at most BUSY_RETRIES times, each wait between 1 s and BUSY_MAX_WAIT_MS
 * (a longer Retry-After ends the cycle at once). Past that the cycle ends as a `network`
 * failure, so the next check tries again and resumes the partial file; nothing is marked failed.
 */
export const BUSY_RETRIES = 4;
export const BUSY_MAX_WAIT_MS = 30_000;
const BUSY_DEFAULT_WAIT_MS = 5_000;
const BUSY_STATUSES = new Set([429, 503]);

/**
 * One app's repository at `<server>/repo/<appId>`. Adds what every request needs on top of
 * the transport: the base URL, the status check, and a second length check so a faulty
 * transport cannot hand the verifier more bytes than it asked for.
 */
export class Repository {
  constructor(
    private readonly transport: Transport,
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly timers: Timers | null = null,
  ) {}

  url(path: string): string {
    return `${this.baseUrl}/${path}`;
  }

  /** null when the repository says it does not have the file (end of the root chain). */
  async fetchOptional(path: string, maxBytes: number): Promise<Uint8Array | null> {
    const url = this.url(path);
    const res = await this.transport.fetchBytes(url, { maxBytes, timeoutMs: this.timeoutMs });
    // 403 too: S3-style static hosting answers 403 for a missing object (python-tuf does the same).
    if (res.status === 404 || res.status === 403) return null;
    return this.body(url, res.status, res.bytes, maxBytes);
  }

  async fetch(path: string, maxBytes: number): Promise<Uint8Array> {
    const url = this.url(path);
    const res = await this.transport.fetchBytes(url, { maxBytes, timeoutMs: this.timeoutMs });
    return this.body(url, res.status, res.bytes, maxBytes);
  }

  /**
   * Streams to `destination`, resuming after `offset` bytes when the transport and server
   * can (206). Returns the status and the file's length; the caller verifies the hash.
   */
  async download(
    path: string,
    destination: string,
    maxBytes: number,
    onProgress?: (n: number) => void,
    offset = 0,
  ): Promise<{ status: number; bytesWritten: number; sha256?: string }> {
    const url = this.url(path);
    const options: DownloadOptions = { maxBytes, timeoutMs: this.timeoutMs };
    if (onProgress) options.onProgress = onProgress;
    if (offset > 0) options.offset = offset;
    let res = await this.transport.downloadToFile(url, destination, options);
    for (let retry = 0; BUSY_STATUSES.has(res.status) && retry < BUSY_RETRIES; retry++) {
      const wait = Math.max(1000, res.retryAfterMs ?? BUSY_DEFAULT_WAIT_MS);
      if (!this.timers || wait > BUSY_MAX_WAIT_MS) break;
      await sleep(this.timers, wait);
      res = await this.transport.downloadToFile(url, destination, options);
    }
    if (BUSY_STATUSES.has(res.status)) throw busyError(url, res.status);
    if (res.status !== 200 && !(res.status === 206 && offset > 0)) throw statusError(url, res.status);
    if (res.bytesWritten > maxBytes) throw tooLong(url, maxBytes);
    return res.sha256 && res.status === 200
      ? { status: res.status, bytesWritten: res.bytesWritten, sha256: res.sha256 }
      : { status: res.status, bytesWritten: res.bytesWritten };
  }

  private body(url: string, status: number, bytes: Uint8Array, maxBytes: number): Uint8Array {
    if (status !== 200) throw statusError(url, status);
    if (bytes.length > maxBytes) throw tooLong(url, maxBytes);
    return bytes;
  }
}

function statusError(url: string, status: number): UpdraftError {
  const hint = status === 404 ? ' (is the appId right, and has the app been published to this server?)' : '';
  return new UpdraftError('network', `${url} answered HTTP ${status}${hint}`);
}

function busyError(url: string, status: number): UpdraftError {
  return new UpdraftError(
    'network',
    `${url} answered HTTP ${status}: the server is busy; the download resumes at the next check`,
  );
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return timers.delay ? timers.delay(ms) : new Promise((resolve) => timers.setTimeout(resolve, ms));
}

function tooLong(url: string, maxBytes: number): UpdraftError {
  return new UpdraftError('length', `${url} is longer than the allowed ${maxBytes} bytes`);
}
