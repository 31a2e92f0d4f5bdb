import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ErrorCode } from '@updraft/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sourceOf } from '../domain/source-sketch.js';
import { DownloadRate } from './download-rate.js';

/**
 * Bounds on anonymous file downloads (release files, CodePush zips, Expo assets: every body
 * streamed from the blob store), like nginx's `limit_conn` with a small wait queue. Loopback
 * or a LAN moves bytes as fast as two processes can copy them, so without a bound a single
 * source asking for one 30 MiB file 32 times at once keeps the event loop busy with socket
 * writes and every other user (device checks, /healthz, the API) waits behind them.
 *
 * - At most `perSource` downloads stream at once per network source (sourceOf: the address,
 *   an IPv6 /64; behind --trust-proxy the forwarded client address) and `total` over all.
 * - Beyond that a request waits (at most `perSourceQueue` per source, `totalQueue` in all,
 *   each at most `queueTimeoutMs`) and starts when a slot frees, oldest first.
 * - Beyond the queue, or after the wait: 429 (this source has too many) or 503 (the server
 *   has too many), both with Retry-After; the device client waits and resumes.
 * - The bytes of all a source's streams together go at most `bytesPerSecondPerSource`
 *   (http/download-rate.ts), so one source cannot keep a core busy copying bytes.
 *
 * A slot is held until the response closes: finished, failed or dropped by the client.
 * Cost bound: `total` streams × (≤ 4 read chunks of READ_CHUNK_BYTES, 1 MiB, + the socket's
 * buffer in user space + at most one timer), `totalQueue` parked requests (a socket each, no bytes
 * read), and `rateSources` buckets of a few numbers each.
 */
export interface DownloadLimits {
  /** Concurrent downloads per network source (default 8; 0 = no per-source bound). */
  perSource: number;
  /** Requests of one source waiting for a slot (default 24). */
  perSourceQueue: number;
  /** Concurrent downloads over all sources (default 128). */
  total: number;
  /** Requests waiting over all sources (default 1024). */
  totalQueue: number;
  /** Longest wait for a slot before a 429/503 (default 10 s: well under a device's 30 s stall timeout). */
  queueTimeoutMs: number;
  /** Retry-After of a refusal, in seconds (default 5). */
  retryAfterSeconds: number;
  /** Bytes per second one network source may pull over all its downloads (default 32 MiB/s; 0 = no bound). */
  bytesPerSecondPerSource: number;
  /** What a source may pull at full speed before the rate applies, in ms of the rate (default 250). */
  rateBurstMs: number;
  /** Network sources whose rate is tracked at once (default 10,000). */
  rateSources: number;
}

/**
 * Defaults chosen for real devices: the client downloads up to 4 files at once, so 8 lets two
 * devices behind one address (a household, a small office) download without waiting, and the
 * queue lets a few more behind a carrier-grade NAT wait their turn instead of failing. A
 * larger fleet behind one address gets 429 + Retry-After, which devices obey; an operator
 * who expects that raises --download-slots-per-source or serves files from a CDN
 * (--public-blob-url).
 *
 * 32 MiB/s (≈ 270 Mbit/s) per source: above what one device gets from a server over a real
 * mobile or Wi-Fi link (5G and Wi-Fi 6 typically deliver 100–500 Mbit/s end to end), and a
 * 30 MiB bundle still arrives in about a second, so a device is not slowed noticeably; yet
 * sending at that rate takes a few percent of a core, where one source over loopback or a
 * LAN pulled ~700 MB/s and kept a core busy. 250 ms of burst lets small files go at once.
 */
export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  perSource: 8,
  perSourceQueue: 24,
  total: 128,
  totalQueue: 1024,
  queueTimeoutMs: 10_000,
  retryAfterSeconds: 5,
  bytesPerSecondPerSource: 32 * 1024 * 1024,
  rateBurstMs: 250,
  rateSources: 10_000,
};

export type SlotAnswer =
  { kind: 'go' } | { kind: 'busy'; status: 429 | 503; retryAfterSeconds: number; message: string };

interface Source {
  active: number;
  waiting: number;
}

interface Waiter {
  source: string;
  counts: Source;
  res: ServerResponse;
  settle: (answer: SlotAnswer) => void;
}

export class DownloadSlots {
  readonly limits: DownloadLimits;
  /** The per-source byte rate of the streams these slots admit. */
  readonly rate: DownloadRate;
  private active = 0;
  private readonly sources = new Map<string, Source>();
  /** Oldest first; at most totalQueue long, so a scan per released slot is bounded. */
  private readonly queue: Waiter[] = [];
  /**
   * Requests answered 429 or 503 for lack of a slot since the server started (for /metrics);
   * a client that left before its answer is not counted: nobody was refused.
   */
  readonly refused: Record<429 | 503, number> = { 429: 0, 503: 0 };

  constructor(limits: Partial<DownloadLimits> = {}) {
    this.limits = { ...DEFAULT_DOWNLOAD_LIMITS, ...limits };
    this.rate = new DownloadRate({
      bytesPerSecond: this.limits.bytesPerSecondPerSource,
      burstMs: this.limits.rateBurstMs,
      maxSources: this.limits.rateSources,
    });
  }

  /** Downloads streaming now and requests waiting, for tests and metrics. */
  stats(): { active: number; waiting: number; sources: number } {
    return { active: this.active, waiting: this.queue.length, sources: this.sources.size };
  }

  /**
   * A slot for one download from `address` answered on `res`: 'go' (the slot is released when
   * `res` closes, however it ends) or 'busy' with the status to answer.
   */
  take(address: string, res: ServerResponse): Promise<SlotAnswer> {
    // A client already gone takes no slot (its response would only open a file nobody reads).
    if (res.destroyed) return Promise.resolve(this.refusal({ active: 0, waiting: 0 }));
    const source = sourceOf(address);
    const counts = this.sources.get(source) ?? { active: 0, waiting: 0 };
    this.sources.set(source, counts);
    if (this.fits(counts)) {
      this.start(source, counts, res);
      return Promise.resolve({ kind: 'go' });
    }
    const l = this.limits;
    if (counts.waiting >= l.perSourceQueue || this.queue.length >= l.totalQueue) {
      const answer = this.refuse(counts);
      this.forgetIfIdle(source, counts);
      return Promise.resolve(answer);
    }
    return new Promise((resolve) => {
      counts.waiting++;
      // A client that leaves while waiting gives its place up (nothing will be written to it).
      const gone = () => this.leave(waiter, this.refusal(counts));
      const timer = setTimeout(() => this.leave(waiter, this.refuse(counts)), l.queueTimeoutMs);
      const waiter: Waiter = {
        source,
        counts,
        res,
        settle: (answer) => {
          clearTimeout(timer);
          res.off('close', gone);
          counts.waiting--;
          resolve(answer);
        },
      };
      res.once('close', gone);
      this.queue.push(waiter);
    });
  }

  private fits(counts: Source): boolean {
    const { perSource, total } = this.limits;
    return this.active < total && (perSource === 0 || counts.active < perSource);
  }

  /** The refusal a client still waiting for its answer gets, counted. */
  private refuse(counts: Source): SlotAnswer {
    const answer = this.refusal(counts);
    if (answer.kind === 'busy') this.refused[answer.status]++;
    return answer;
  }

  private refusal(counts: Source): SlotAnswer {
    const { perSource, retryAfterSeconds } = this.limits;
    return perSource !== 0 && counts.active >= perSource
      ? {
          kind: 'busy',
          status: 429,
          retryAfterSeconds,
          message: `too many downloads at once from your network address (at most ${perSource}); retry after ${retryAfterSeconds} s`,
        }
      : {
          kind: 'busy',
          status: 503,
          retryAfterSeconds,
          message: `the server is sending as many files as it allows at once; retry after ${retryAfterSeconds} s`,
        };
  }

  private start(source: string, counts: Source, res: ServerResponse): void {
    counts.active++;
    this.active++;
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      counts.active--;
      this.active--;
      this.forgetIfIdle(source, counts);
      this.admit();
    });
  }

  private leave(waiter: Waiter, answer: SlotAnswer): void {
    const i = this.queue.indexOf(waiter);
    if (i < 0) return;
    this.queue.splice(i, 1);
    waiter.settle(answer);
    this.forgetIfIdle(waiter.source, waiter.counts);
  }

  /** Starts the oldest waiters that fit now (a freed slot may fit a waiter of another source). */
  private admit(): void {
    for (let i = 0; i < this.queue.length && this.active < this.limits.total;) {
      const w = this.queue[i]!;
      if (w.res.destroyed) {
        this.leave(w, this.refusal(w.counts));
        continue;
      }
      if (!this.fits(w.counts)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.start(w.source, w.counts, w.res);
      w.settle({ kind: 'go' });
    }
  }

  private forgetIfIdle(source: string, counts: Source): void {
    if (counts.active === 0 && counts.waiting === 0) this.sources.delete(source);
  }
}

/**
 * Sends an opened file stream (after takeDownloadSlot said go) at its source's rate, or closes
 * it when the client left while it was being opened: a stream handed to a response that is
 * already closed may never be read nor destroyed, leaving its file handle to the garbage
 * collector.
 */
export function sendFileStream(
  slots: DownloadSlots,
  request: FastifyRequest,
  reply: FastifyReply,
  stream: Readable,
): FastifyReply {
  if (reply.raw.destroyed) {
    stream.destroy();
    return reply.code(499).send();
  }
  return reply.send(slots.rate.pace(request.ip, stream));
}

/**
 * Takes a download slot for this request, or answers it (429/503 with Retry-After, never
 * cached) and returns true: the caller streams only when this returns false. A boolean, not
 * the reply: a Fastify reply is a thenable, so an async function returning it resolves to
 * undefined once the answer is sent, and the caller would stream a file into a reply already
 * sent (Fastify's "Reply was already sent", and an opened file left unread).
 */
export async function takeDownloadSlot(
  slots: DownloadSlots,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const answer = await slots.take(request.ip, reply.raw);
  if (answer.kind === 'go') return false;
  void reply
    .code(answer.status)
    .header('retry-after', String(answer.retryAfterSeconds))
    .header('cache-control', 'no-store')
    .removeHeader('etag')
    .send({
      error: {
        code: answer.status === 429 ? ErrorCode.tooManyDownloads : ErrorCode.downloadsBusy,
        message: answer.message,
      },
    });
  return true;
}
