import { request as httpRequest } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Telemetry, type TelemetrySender } from '@updraft/client';
import { createNodeClient } from '@updraft/client/node';

/**
 * A fleet of real device engines in one process: each device has its own folder (its real
 * storage) and runs the real boot state machine; each round is one app start per device:
 * launch → (a new release is on trial: it crashes with probability crashRate, else it calls
 * notifyAppReady) → sync. A crash ends the "process" before it confirms, so the next launch
 * rolls back, exactly as on a phone. Telemetry goes to POST /v1/events with the ingest key.
 */

export interface SimulationOptions {
  server: string;
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  trustedRoot: Uint8Array;
  ingestKey: string;
  devices: number;
  /** 0…1: chance that a trial launch of an affected release crashes. */
  crashRate: number;
  /** Only this release crashes (default: every release on trial). */
  crashRelease?: string;
  rounds: number;
  intervalMs: number;
  /** Device folders go under it (device-0, device-1, …); reused across runs, like real phones. */
  dir: string;
  seed: number;
  allowInsecureLocalhost: boolean;
  binaryVersion?: string;
  /** Devices running at the same time. */
  concurrency?: number;
  /**
   * Send each device's telemetry from its own loopback address (127.0.0.2, .3, …), so a
   * server on 127.0.0.1 sees a fleet of distinct network sources, as it would in the field.
   */
  distinctSources?: boolean;
  onRound?: (round: RoundSummary) => void;
}

export interface RoundSummary {
  round: number;
  /** releaseId (or "embedded") → devices running it after the round. */
  running: Record<string, number>;
  crashes: number;
  rollbacks: number;
  updated: number;
  eventsSent: number;
}

export interface DeviceSummary {
  device: number;
  running: string | null;
  crashedOn: string[];
  rolledBack: string[];
  failed: string[];
}

export interface SimulationResult {
  rounds: RoundSummary[];
  devices: DeviceSummary[];
  eventsSent: number;
  eventsDropped: number;
}

/** mulberry32: a small seeded generator, so a simulation can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/** Posts telemetry from a given local address (a loopback alias), like a device on its own network. */
function senderFrom(localAddress: string): TelemetrySender {
  return (url, body, headers) =>
    new Promise((resolve) => {
      const req = httpRequest(url, { method: 'POST', headers, localAddress, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
}

export async function simulateFleet(opts: SimulationOptions): Promise<SimulationResult> {
  const random = seededRandom(opts.seed);
  const devices: DeviceSummary[] = Array.from({ length: opts.devices }, (_, i) => ({
    device: i,
    running: null,
    crashedOn: [],
    rolledBack: [],
    failed: [],
  }));
  // Decided up front per (device, round), so the outcome does not depend on scheduling.
  const dice = Array.from({ length: opts.rounds }, () => devices.map(() => random()));
  const rounds: RoundSummary[] = [];
  let eventsSent = 0;
  let eventsDropped = 0;
  for (let round = 0; round < opts.rounds; round++) {
    const summary: RoundSummary = { round, running: {}, crashes: 0, rollbacks: 0, updated: 0, eventsSent: 0 };
    await pool(devices, opts.concurrency ?? 8, async (d) => {
      const dir = join(opts.dir, `device-${d.device}`);
      await mkdir(dir, { recursive: true });
      const client = createNodeClient({
        dir,
        server: opts.server,
        appId: opts.appId,
        platform: opts.platform,
        runtimeVersion: opts.runtimeVersion,
        channel: opts.channel,
        trustedRoot: opts.trustedRoot,
        allowInsecureLocalhost: opts.allowInsecureLocalhost,
        readyTimeoutMs: 0,
        ...(opts.binaryVersion ? { attributes: { appVersion: opts.binaryVersion } } : {}),
      });
      const telemetry = new Telemetry(client, {
        server: opts.server,
        ingestKey: opts.ingestKey,
        platform: opts.platform,
        channel: opts.channel,
        flushIntervalMs: 0,
        ...(opts.binaryVersion ? { binaryVersion: opts.binaryVersion } : {}),
        ...(opts.distinctSources ? { sender: senderFrom(`127.0.0.${2 + (d.device % 250)}`) } : {}),
      });
      client.on('rollback', (r) => {
        d.rolledBack.push(r.releaseId);
        summary.rollbacks++;
      });
      try {
        // Seed the telemetry's view of the device (what runs) before the launch.
        const launched = await client.launch();
        const status = await client.status();
        const onTrial = launched.releaseId !== null && status.trial?.releaseId === launched.releaseId;
        const affected = opts.crashRelease === undefined || opts.crashRelease === launched.releaseId;
        if (onTrial && affected && dice[round]![d.device]! < opts.crashRate) {
          // The app dies before notifyAppReady(): no sync in this "process".
          d.crashedOn.push(launched.releaseId!);
          summary.crashes++;
        } else {
          await client.notifyAppReady();
          const sync = await client.sync();
          if (sync.status === 'updated') summary.updated++;
        }
        const after = await client.status();
        d.running = after.confirmed?.releaseId ?? null;
        d.failed = after.failed.map((f) => f.releaseId);
      } finally {
        await telemetry.flush();
        telemetry.close();
        summary.eventsSent += telemetry.sent;
        eventsSent += telemetry.sent;
        eventsDropped += telemetry.dropped + telemetry.pending;
      }
    });
    for (const d of devices) {
      const key = d.running ?? 'embedded';
      summary.running[key] = (summary.running[key] ?? 0) + 1;
    }
    rounds.push(summary);
    opts.onRound?.(summary);
    if (round < opts.rounds - 1 && opts.intervalMs > 0) await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  return { rounds, devices, eventsSent, eventsDropped };
}
