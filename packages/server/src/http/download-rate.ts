import { performance } from 'node:perf_hooks';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { sourceOf } from '../domain/source-sketch.js';

/**
 * A bound on the bytes per second one network source pulls from anonymous downloads, shared
 * by all that source's streams (like nginx's `limit_rate`, but per source rather than per
 * connection, so opening more streams gains nothing). Over loopback or a LAN one source asking
 * for a big file many times at once otherwise makes the server copy bytes as fast as the CPU
 * allows, and the other users (device checks, /healthz) wait behind those socket writes.
 *
 * One token bucket per source (sourceOf: the address, an IPv6 /64, the forwarded client behind
 * --trust-proxy), kept as its "theoretical arrival time" (GCRA): `due` is when the bucket
 * would be full again. A chunk of n bytes moves `due` on by n / rate; it may go once `due`
 * is at most `burstMs` ahead of now, so a source gets `burstMs` worth of bytes at once and
 * then the rate. Reserving before sending serializes the source's streams: together they get
 * the rate, each about its share, whatever their number.
 *
 * Pausing: a stream that must wait holds its chunk and sets one timer (never polls); it reads
 * nothing more meanwhile (the Transform's callback is held, so the file stream pauses by
 * backpressure). A client that leaves destroys the stream: its timer is cleared, the bytes it
 * held are given back (they were never sent), the file stream is closed and the bucket
 * forgets the stream. Buckets hold no timers.
 *
 * Memory: a bucket is dropped when its source has no stream and it is full again (then it is
 * the same as no bucket); idle buckets not yet full are swept a few at a time as new sources
 * arrive, and at most `maxSources` are tracked. Past that the oldest is forgotten: a stream
 * still using it keeps its own reference, so the only effect is a fresh burst for that
 * source, and only while more than `maxSources` sources download at once.
 */
export interface DownloadRateLimits {
  /** Bytes per second one network source may pull in all (0 = unlimited). */
  bytesPerSecond: number;
  /** What a source may pull at once, in milliseconds of the rate (its bucket's size). */
  burstMs: number;
  /** Sources tracked at once. */
  maxSources: number;
}

/** Below this wait a chunk goes at once: about 100 timers a second per source at most, whatever the chunk size. */
const MIN_SLEEP_MS = 10;
/** Buckets looked at per new source, so that idle ones are dropped without a timer of their own. */
const SWEEP_PER_INSERT = 4;

export interface RateBucket {
  /** When the bucket is full again (performance.now() ms); ≤ now: full. */
  due: number;
  /** Paced streams of this source open now. */
  streams: number;
}

/** What the rate held back since the server started (cumulative, for /metrics). */
export interface RateHeld {
  /** Bytes of chunks that waited for their source's rate before going (or before their client left). */
  bytes: number;
  /** Seconds those chunks waited, summed over streams. */
  seconds: number;
}

export class DownloadRate {
  private readonly buckets = new Map<string, RateBucket>();
  private timers = 0;
  readonly held: RateHeld = { bytes: 0, seconds: 0 };

  constructor(
    readonly limits: DownloadRateLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get unlimited(): boolean {
    return this.limits.bytesPerSecond <= 0;
  }

  /** Tracked sources, paced streams and their pending timers: for tests and metrics. */
  stats(): { sources: number; streams: number; timers: number } {
    let streams = 0;
    for (const b of this.buckets.values()) streams += b.streams;
    return { sources: this.buckets.size, streams, timers: this.timers };
  }

  /**
   * `body` paced to the rate of `address`'s source: the stream to send instead of `body`.
   * Destroying the returned stream (the response closed) destroys `body` too.
   */
  pace(address: string, body: Readable): Readable {
    if (this.unlimited) return body;
    const source = sourceOf(address);
    const bucket = this.bucketFor(source);
    bucket.streams++;
    const paced = new PacedStream(this, bucket);
    paced.once('close', () => {
      bucket.streams--;
      if (bucket.streams === 0 && bucket.due <= this.now() && this.buckets.get(source) === bucket) {
        this.buckets.delete(source);
      }
    });
    // Errors reach the response through `paced` (Fastify destroys the socket); nothing to add.
    pipeline(body, paced, () => undefined);
    return paced;
  }

  /** Reserves `bytes` of `bucket`: milliseconds to wait before sending them. */
  reserve(bucket: RateBucket, bytes: number): number {
    const now = this.now();
    bucket.due = Math.max(bucket.due, now) + (bytes * 1000) / this.limits.bytesPerSecond;
    return bucket.due - now - this.limits.burstMs;
  }

  /** Gives back a reservation whose bytes were never sent (the client left while they waited). */
  refund(bucket: RateBucket, bytes: number): void {
    bucket.due -= (bytes * 1000) / this.limits.bytesPerSecond;
  }

  /** Counts timers so a test can tell none is left behind; returns when the chunk started waiting. */
  timerStarted(): number {
    this.timers++;
    return this.now();
  }

  /** A held chunk of `bytes` goes (or its client left): counts what was held and for how long. */
  timerEnded(bytes: number, since: number): void {
    this.timers--;
    this.held.bytes += bytes;
    this.held.seconds += Math.max(0, this.now() - since) / 1000;
  }

  private bucketFor(source: string): RateBucket {
    const known = this.buckets.get(source);
    if (known) return known;
    this.sweep();
    while (this.buckets.size >= Math.max(1, this.limits.maxSources)) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
    const bucket: RateBucket = { due: 0, streams: 0 };
    this.buckets.set(source, bucket);
    return bucket;
  }

  /** Drops the idle, full buckets among the oldest few; moves the rest to the back. */
  private sweep(): void {
    const now = this.now();
    for (let i = 0; i < SWEEP_PER_INSERT && this.buckets.size > 0; i++) {
      const [source, bucket] = this.buckets.entries().next().value as [string, RateBucket];
      this.buckets.delete(source);
      if (bucket.streams > 0 || bucket.due > now) this.buckets.set(source, bucket);
    }
  }
}

/** Passes chunks on no faster than its source's bucket allows; holds at most one chunk. */
class PacedStream extends Transform {
  private timer: NodeJS.Timeout | null = null;
  /** Bytes of the chunk the timer holds. */
  private held = 0;
  /** When that chunk started waiting (the rate's clock). */
  private since = 0;

  constructor(
    private readonly rate: DownloadRate,
    private readonly bucket: RateBucket,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const wait = this.rate.reserve(this.bucket, chunk.length);
    if (wait < MIN_SLEEP_MS) {
      done(null, chunk);
      return;
    }
    this.since = this.rate.timerStarted();
    this.held = chunk.length;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.rate.timerEnded(chunk.length, this.since);
      done(null, chunk);
    }, wait);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.rate.timerEnded(this.held, this.since);
      this.rate.refund(this.bucket, this.held);
    }
    callback(err);
  }
}
