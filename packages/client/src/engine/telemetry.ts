import { bytesToHex, MAX_EVENTS_PER_BATCH, type TelemetryEvent, type TelemetryEventName } from '@updraft/protocol';
import type { UpdraftClient } from '../client.js';
import { defaultRandomSource } from '../state/device-id.js';
import type { RandomSource } from '../ports/ports.js';
import { defaultTimers } from '../ports/timers.js';
import type { ClientStatus } from '../types.js';

/**
 * Device telemetry: turns the engine's events into the privacy-preserving events of
 * docs/api.md ("Device events") and sends them in batches to `POST /v1/events` with the
 * app's ingest key. No device identifier is ever sent: each event has a fresh random id,
 * used only so that a retried batch is not counted twice.
 *
 * | engine event                              | telemetry event                       |
 * | ----------------------------------------- | ------------------------------------- |
 * | phase `checking`                          | check                                 |
 * | phase `downloading`                       | download_started                      |
 * | state: the release became pending         | download_completed, installed         |
 * | error while downloading                   | download_failed (reason)              |
 * | launch                                    | launched (the release that runs)      |
 * | state: a trial became confirmed           | app_ready                             |
 * | rollback (cause crash / timeout)          | rollback (reason = cause); crash too when the cause is a crash |
 * | any other error                           | error (reason)                        |
 *
 * Apps report their own crashes with `reportCrash()`.
 */

/** Sends one JSON body; resolves to the HTTP status (0 = network failure). */
export type TelemetrySender = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

export interface TelemetryOptions {
  /** Server URL (the same as the client's `server`). */
  server: string;
  /** The app's ingest key (`updraft keys ingest create --app A`); it can only report events. */
  ingestKey: string;
  platform: string;
  channel: string;
  /** The app binary's version. */
  binaryVersion?: string;
  /** Batch size (default 50, at most 500). */
  batchSize?: number;
  /** Flush at least this often while events wait, in ms (default 10 s; 0 = only flush() and full batches). */
  flushIntervalMs?: number;
  /** Events kept while the server cannot be reached; the oldest are dropped past it (default 1000). */
  maxQueued?: number;
  sender?: TelemetrySender;
  random?: RandomSource;
  now?: () => number;
}

interface FetchLike {
  (url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ status: number }>;
}

function defaultSender(): TelemetrySender | null {
  const f = (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof f !== 'function') return null;
  return async (url, body, headers) => {
    try {
      return (await f(url, { method: 'POST', headers, body })).status;
    } catch {
      return 0;
    }
  };
}

export class Telemetry {
  private queue: TelemetryEvent[] = [];
  private sending: Promise<void> | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private cancelTimer: (() => void) | null = null;
  private readonly sender: TelemetrySender;
  private readonly random: RandomSource;
  private readonly batchSize: number;
  private phase: string = 'idle';
  private status: ClientStatus | null = null;
  private target: string | null = null;
  /** Batches the server refused for good (4xx other than 429): counted, not retried. */
  dropped = 0;
  sent = 0;

  constructor(
    client: Pick<UpdraftClient, 'on'>,
    private readonly options: TelemetryOptions,
  ) {
    const sender = options.sender ?? defaultSender();
    const random = options.random ?? defaultRandomSource();
    if (!sender || !random) throw new TypeError('Updraft telemetry: pass a sender and a random port on this platform');
    this.sender = sender;
    this.random = random;
    this.batchSize = Math.min(Math.max(1, options.batchSize ?? 50), MAX_EVENTS_PER_BATCH);
    this.unsubscribe.push(
      client.on('phase', (phase) => {
        this.phase = phase;
        if (phase === 'checking') this.record('check', this.running());
        if (phase === 'downloading') this.record('download_started', this.target);
      }),
      client.on('update-available', (u) => {
        this.target = u.releaseId;
      }),
      client.on('error', (e) => {
        if (this.phase === 'downloading') this.record('download_failed', this.target, e.reason);
        else this.record('error', this.running(), e.reason);
      }),
      client.on('launch', (l) => this.record('launched', l.releaseId)),
      client.on('rollback', (r) => {
        if (r.cause === 'crash') this.record('crash', r.releaseId, 'unconfirmed-launch');
        this.record('rollback', r.releaseId, r.cause);
      }),
      client.on('state', (s) => this.onState(s)),
    );
    const interval = options.flushIntervalMs ?? 10_000;
    const timers = defaultTimers();
    if (interval > 0 && timers) {
      const tick = () => {
        void this.flush();
        this.cancelTimer = timers.setTimeout(tick, interval);
      };
      this.cancelTimer = timers.setTimeout(tick, interval);
    }
  }

  /** An app-reported crash of the running release (e.g. from a global error handler). */
  reportCrash(reason = 'app-reported'): void {
    this.record('crash', this.running(), reason);
  }

  /** Events waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Sends everything queued; resolves when the server acknowledged it or refused it, or the network failed. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = null;
    });
    await this.sending;
  }

  /** Stops listening (queued events stay until flush()). */
  close(): void {
    for (const off of this.unsubscribe) off();
    this.cancelTimer?.();
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.batchSize);
      const status = await this.sender(
        `${this.options.server.replace(/\/+$/, '')}/v1/events`,
        JSON.stringify({ events: batch }),
        { 'content-type': 'application/json', authorization: `Bearer ${this.options.ingestKey}` },
      );
      if (status === 0 || status === 429 || status >= 500) return; // kept: the same ids are sent again later
      this.queue.splice(0, batch.length);
      if (status >= 200 && status < 300) this.sent += batch.length;
      else this.dropped += batch.length;
    }
  }

  private running(): string | null {
    const s = this.status;
    return s?.trial?.releaseId ?? s?.confirmed?.releaseId ?? null;
  }

  private onState(next: ClientStatus): void {
    const prev = this.status;
    this.status = next;
    if (next.pending && next.pending.releaseId !== prev?.pending?.releaseId) {
      this.record('download_completed', next.pending.releaseId);
      this.record('installed', next.pending.releaseId);
    }
    if (
      prev?.trial &&
      next.confirmed?.releaseId === prev.trial.releaseId &&
      prev.confirmed?.releaseId !== prev.trial.releaseId
    ) {
      this.record('app_ready', next.confirmed.releaseId);
    }
  }

  private record(event: TelemetryEventName, releaseId: string | null, reason?: string): void {
    const e: TelemetryEvent = {
      id: bytesToHex(this.random(16)),
      event,
      releaseId,
      channel: this.options.channel,
      platform: this.options.platform,
      at: new Date((this.options.now ?? Date.now)()).toISOString(),
    };
    if (reason !== undefined) e.reason = reason.slice(0, 64).replace(/[^A-Za-z0-9._:+-]/g, '-');
    if (this.options.binaryVersion !== undefined) e.binaryVersion = this.options.binaryVersion;
    this.queue.push(e);
    const max = this.options.maxQueued ?? 1000;
    if (this.queue.length > max) this.queue.splice(0, this.queue.length - max);
    if (this.queue.length >= this.batchSize) void this.flush();
  }
}
