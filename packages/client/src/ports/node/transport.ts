import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { checkRedirectAllowed, UpdraftError } from '@updraft/protocol';
import type { DownloadOptions, DownloadResult, FetchOptions, FetchResult, Transport } from '../ports.js';
import { retryingFetch } from './retrying-fetch.js';

export interface NodeTransportOptions {
  /** Same-origin redirects followed per request. */
  maxRedirects?: number;
  /** Extra request headers (e.g. a CDN token). */
  headers?: Record<string, string>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Restarts on every chunk: a slow but steady download is fine, a stalled one is not. Also
 * covers the wait for response headers.
 */
class StallTimer {
  readonly controller = new AbortController();
  fired = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {
    this.touch();
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The Transport port over Node's global fetch (undici). */
export class NodeTransport implements Transport {
  private readonly maxRedirects: number;
  private readonly headers: Record<string, string>;

  constructor(options: NodeTransportOptions = {}) {
    this.maxRedirects = options.maxRedirects ?? 5;
    this.headers = options.headers ?? {};
  }

  fetchBytes(url: string, options: FetchOptions): Promise<FetchResult> {
    return this.request(url, options, async (res, timer) => {
      if (res.status !== 200) return { status: res.status, bytes: new Uint8Array(0) };
      const parts: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of readChunks(res, timer)) {
        total += chunk.length;
        if (total > options.maxBytes) throw tooLong(url, options.maxBytes);
        parts.push(chunk);
      }
      return { status: 200, bytes: concat(parts, total) };
    });
  }

  downloadToFile(url: string, destination: string, options: DownloadOptions): Promise<DownloadResult> {
    const offset = options.offset ?? 0;
    // identity: a byte range of a compressed body would not be a range of the file.
    const headers = offset > 0 ? { range: `bytes=${offset}-`, 'accept-encoding': 'identity' } : undefined;
    return this.request(
      url,
      options,
      async (res, timer) => {
        const resumed = res.status === 206 && offset > 0 && contentRangeStart(res) === offset;
        if (res.status !== 200 && !resumed) {
          const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
          return retryAfterMs === null
            ? { status: res.status, bytesWritten: 0 }
            : { status: res.status, bytesWritten: 0, retryAfterMs };
        }
        const file = await open(destination, resumed ? 'a' : 'w');
        let total = resumed ? offset : 0;
        const hash = resumed ? null : createHash('sha256');
        try {
          for await (const chunk of readChunks(res, timer)) {
            total += chunk.length;
            if (total > options.maxBytes) throw tooLong(url, options.maxBytes);
            await file.write(chunk);
            hash?.update(chunk);
            options.onProgress?.(total);
          }
        } catch (err) {
          // What arrived stays (flushed): the engine resumes from it, or removes it.
          await file.sync().catch(() => undefined);
          await file.close().catch(() => undefined);
          if (err instanceof UpdraftError && err.reason === 'length') {
            await rm(destination, { force: true }).catch(() => undefined);
          }
          throw err;
        }
        try {
          // The engine renames the file into place next; its bytes must be on disk first.
          await file.sync();
        } finally {
          await file.close();
        }
        return hash
          ? { status: 200, bytesWritten: total, sha256: hash.digest('hex') }
          : { status: 206, bytesWritten: total };
      },
      headers,
    );
  }

  private async request<T>(
    url: string,
    options: FetchOptions,
    read: (res: Response, timer: StallTimer) => Promise<T>,
    extraHeaders?: Record<string, string>,
  ): Promise<T> {
    const timer = new StallTimer(options.timeoutMs);
    let res: Response | null = null;
    try {
      res = await this.follow(url, timer, extraHeaders);
      if (res.status === 200 && declaredTooLong(res, options.maxBytes)) throw tooLong(url, options.maxBytes);
      const out = await read(res, timer);
      return out;
    } catch (err) {
      if (timer.fired) {
        throw new UpdraftError('timeout', `${url} stalled: no data for ${options.timeoutMs} ms`, { cause: err });
      }
      if (err instanceof UpdraftError) throw err;
      throw new UpdraftError('network', `cannot reach ${url}: ${describe(err)}`, { cause: err });
    } finally {
      timer.stop();
      // Releases the connection of a body not read to the end (errors, non-200 answers).
      if (res?.body && !res.bodyUsed) await res.body.cancel().catch(() => undefined);
      timer.controller.abort();
    }
  }

  /** redirect:'manual' so no request ever leaves the origin the app was configured with. */
  private async follow(url: string, timer: StallTimer, extraHeaders?: Record<string, string>): Promise<Response> {
    let current = url;
    const headers = extraHeaders ? { ...this.headers, ...extraHeaders } : this.headers;
    for (let hop = 0; ; hop++) {
      // A pooled connection the server closed meanwhile: sent once more (retrying-fetch.ts).
      const res = await retryingFetch(current, {
        redirect: 'manual',
        signal: timer.controller.signal,
        // fetch decodes these; caps and hashes apply to the decoded bytes (readChunks).
        headers: { 'accept-encoding': 'br, gzip, deflate', ...headers },
      });
      timer.touch();
      if (!REDIRECT_STATUSES.has(res.status)) return res;
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      if (!location) throw new UpdraftError('network', `${current} answered ${res.status} without a Location header`);
      let next: string;
      try {
        next = new URL(location, current).href;
      } catch {
        throw new UpdraftError('insecure-url', `${current} redirects to an invalid URL "${location}"`);
      }
      checkRedirectAllowed(current, next);
      if (hop >= this.maxRedirects)
        throw new UpdraftError('network', `${url}: more than ${this.maxRedirects} redirects`);
      current = next;
    }
  }
}

/** Retry-After (delay-seconds or an HTTP-date) in milliseconds from `now`, or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The first byte position of a 206 answer, or null when it has none we can read. */
function contentRangeStart(res: Response): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

async function* readChunks(res: Response, timer: StallTimer): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      timer.touch();
      yield value;
    }
  } finally {
    // Stops the transfer at once when the consumer gives up (a body past its cap).
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Whether the declared Content-Length rules the body out before reading it. Caps are on the
 * decoded bytes (what the signed lengths describe), but Content-Length counts the bytes on the
 * wire: with a Content-Encoding (a proxy or CDN that buffers its gzip and sets the length) an
 * incompressible file arrives a little longer than itself, so the encoded length is held to
 * what any encoding of an allowed body can take instead. The decoded bytes are still counted
 * against `maxBytes` as they arrive (readChunks callers).
 */
function declaredTooLong(res: Response, maxBytes: number): boolean {
  const header = res.headers.get('content-length');
  if (header === null) return false;
  const declared = Number(header);
  if (!Number.isFinite(declared)) return false;
  const coding = (res.headers.get('content-encoding') ?? '').trim().toLowerCase();
  return declared > (coding === '' || coding === 'identity' ? maxBytes : maxEncodedLength(maxBytes));
}

/**
 * The most bytes an encoded body of at most `maxBytes` decoded bytes may take: deflate's
 * stored blocks and a proxy's flushes add a few bytes per block (gzip: 5 per 16–64 KiB,
 * nginx flushes at every 4–8 KiB buffer), brotli a few per meta-block, plus headers. 1/64
 * plus 1 KiB covers each with a wide margin while still refusing absurd declarations.
 */
export function maxEncodedLength(maxBytes: number): number {
  return maxBytes + Math.ceil(maxBytes / 64) + 1024;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function tooLong(url: string, maxBytes: number): UpdraftError {
  return new UpdraftError('length', `${url} is longer than the allowed ${maxBytes} bytes`);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${err.message} (${detail})` : err.message;
}
