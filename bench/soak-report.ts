/**
 * bench/soak.ts's records and its report: what it counts per period, what it samples, and the
 * summary (JSON or text) it makes of them at the end.
 */
import type { MemoryMap } from './memory-map.js';
import { quantile, round, slopeWithInterval } from './stats.js';

export interface Sample {
  at: number;
  /** CPU seconds the server process has used (user + system), from /proc/<pid>/stat. */
  cpuS: number;
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  dbMb: number;
  load1: number;
  /** Resident memory by what holds it (bench/memory-map.ts), once a minute. */
  map?: MemoryMap;
}

/** process.memoryUsage() of the server right after a forced full GC (MB). */
export interface Probe {
  at: number;
  rssBeforeGcMb: number;
  /** V8's committed heap before the forced GC, as it is under traffic, and its new space. */
  heapTotalBeforeGcMb: number;
  newSpaceBeforeGcMb: number;
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** RSS − heapTotal: memory outside V8's heap (native: SQLite, pg, zlib, code, stacks, malloc). */
  nativeMb: number;
  /** heapTotal − heapUsed: what V8 keeps committed but not in use. */
  heapSlackMb: number;
  /** V8's heap spaces after the GC: size committed (MB) by space. */
  spaces: Record<string, number>;
}

/** A probe from the byte counts bench/soak-probe.mjs prints, `at` seconds into the run. */
export function probeOf(m: Record<string, number> & { spaces: Record<string, number> }, at: number): Probe {
  const mb = (n: number) => round(n / 2 ** 20, 1);
  return {
    at,
    rssBeforeGcMb: mb(m['rssBeforeGc']!),
    heapTotalBeforeGcMb: mb(m['heapTotalBeforeGc']!),
    newSpaceBeforeGcMb: mb(m['newSpaceBeforeGc']!),
    rssMb: mb(m['rss']!),
    heapTotalMb: mb(m['heapTotal']!),
    heapUsedMb: mb(m['heapUsed']!),
    externalMb: mb(m['external']!),
    arrayBuffersMb: mb(m['arrayBuffers']!),
    nativeMb: mb(m['rss']! - m['heapTotal']!),
    heapSlackMb: mb(m['heapTotal']! - m['heapUsed']!),
    spaces: Object.fromEntries(Object.entries(m.spaces).map(([k, v]) => [k.replace(/_space$/, ''), mb(v)])),
  };
}

/** What happened in one period of the run. */
export interface Period {
  latencies: number[];
  /** Checks due in the period, and those skipped because the most allowed were outstanding. */
  due: number;
  skipped: number;
  /** How late the client sent checks (its own event loop on a loaded machine), ms. */
  lateMs: number[];
  s5xx: number;
  connErrors: number;
  other: number;
  publishes: number;
  publishFailures: number;
  publishesSkipped: number;
  eventBatches: number;
  events: number;
}

export const newPeriod = (): Period => ({
  latencies: [],
  due: 0,
  skipped: 0,
  lateMs: [],
  s5xx: 0,
  connErrors: 0,
  other: 0,
  publishes: 0,
  publishFailures: 0,
  publishesSkipped: 0,
  eventBatches: 0,
  events: 0,
});

/** The run's settings, as the report states them. */
export interface SoakSettings {
  backend: string;
  minutes: number;
  checksPerSecond: number;
  maxInFlight: number;
  publishEverySeconds: number;
  periodSeconds: number;
  warmupSeconds: number;
  warmupPublishEverySeconds: number;
  serverNodeOptions: string;
  sqliteCacheMib: number | null;
  serveArgs: string[];
}

function afterGcChange(warm: Probe[]) {
  const [a, b] = [warm[0], warm.at(-1)];
  if (!a || !b || a === b) return null;
  const part = (f: (p: Probe) => number) => ({ from: f(a), to: f(b), change: round(f(b) - f(a), 1) });
  return {
    fromS: a.at,
    toS: b.at,
    rss: part((p) => p.rssMb),
    heapUsed: part((p) => p.heapUsedMb),
    code: part((p) => p.spaces['code'] ?? NaN),
    heapTotal: part((p) => p.heapTotalMb),
    committedUnused: part((p) => p.heapSlackMb),
    outsideV8: part((p) => p.nativeMb),
  };
}

export function summarize(
  s: SoakSettings,
  run: { periods: Map<number, Period>; samples: Sample[]; probes: Probe[]; failures: string[] },
) {
  const { samples, probes } = run;
  /** The machine's 1-minute load averages sampled during period k (shared machine: latency follows it). */
  const loadsIn = (k: number) =>
    samples
      .filter((x) => Math.floor(x.at / s.periodSeconds) === k)
      .map((x) => x.load1)
      .sort((a, b) => a - b);
  const rows = [...run.periods.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, p]) => {
      const sorted = [...p.latencies].sort((a, b) => a - b);
      const late = [...p.lateMs].sort((a, b) => a - b);
      return {
        fromMin: round((k * s.periodSeconds) / 60, 1),
        checksDue: p.due,
        checksSkipped: p.skipped,
        checks: p.latencies.length,
        /** Answered checks per second over the period (the rate asked for is checksPerSecond). */
        achievedPerS: round(p.latencies.length / s.periodSeconds, 2),
        sendLateP99ms: round(quantile(late, 0.99), 1),
        p50ms: round(quantile(sorted, 0.5), 2),
        p99ms: round(quantile(sorted, 0.99), 2),
        s5xx: p.s5xx,
        connErrors: p.connErrors,
        otherStatus: p.other,
        events: p.events,
        publishes: p.publishes,
        publishFailures: p.publishFailures,
        publishesSkipped: p.publishesSkipped,
        eventBatches: p.eventBatches,
        load1: round(quantile(loadsIn(k), 0.5), 1),
      };
    });
  const total = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
  const warm = samples.filter((x) => x.at >= s.warmupSeconds);
  const slopeOver = (xs: Sample[]) => {
    const r = slopeWithInterval(
      xs.map((x) => x.at / 60),
      xs.map((x) => x.rssMb),
    );
    return { mbPerMin: round(r.slope, 3), low95: round(r.low, 3), high95: round(r.high, 3), samples: r.n };
  };
  const at = (frac: number) => warm[Math.min(warm.length - 1, Math.floor(frac * (warm.length - 1)))]!;
  const loads = samples.map((x) => x.load1);
  return {
    backend: s.backend,
    minutes: s.minutes,
    checksPerSecond: s.checksPerSecond,
    maxInFlight: s.maxInFlight,
    publishEverySeconds: s.publishEverySeconds,
    warmupMinutes: s.warmupSeconds / 60,
    warmupPublishEverySeconds: s.warmupPublishEverySeconds,
    serverNodeOptions: s.serverNodeOptions,
    sqliteCacheMib: s.sqliteCacheMib,
    serveArgs: s.serveArgs,
    node: process.version,
    totals: {
      checksDue: total((r) => r.checksDue),
      checksSkipped: total((r) => r.checksSkipped),
      checks: total((r) => r.checks),
      s5xx: total((r) => r.s5xx),
      connErrors: total((r) => r.connErrors),
      events: total((r) => r.events),
      publishes: total((r) => r.publishes),
      publishFailures: total((r) => r.publishFailures),
      publishesSkipped: total((r) => r.publishesSkipped),
    },
    /** Server CPU seconds during the warm-up and after it (cost of a setting at the same traffic). */
    serverCpuSeconds: {
      warmup: round(at(0).cpuS - samples[0]!.cpuS, 1),
      afterWarmup: round(at(1).cpuS - at(0).cpuS, 1),
    },
    /** How each part of memory after a forced GC moved from the first probe after warm-up to the last (MB). */
    afterGcChange: afterGcChange(probes.filter((p) => p.at >= s.warmupSeconds)),
    rssMb: {
      beforeWarmup: round(samples[0]!.rssMb, 1),
      start: round(at(0).rssMb, 1),
      middle: round(at(0.5).rssMb, 1),
      end: round(at(1).rssMb, 1),
      max: round(Math.max(...warm.map((x) => x.rssMb)), 1),
      /** MB per minute after warm-up and over the last 30 minutes, each with a 95 % interval. */
      slopeAfterWarmup: slopeOver(warm),
      slopeLast30Min: slopeOver(samples.filter((x) => x.at >= s.minutes * 60 - 30 * 60 && x.at >= s.warmupSeconds)),
      anonStart: round(at(0).rssAnonMb, 1),
      anonEnd: round(at(1).rssAnonMb, 1),
      fileStart: round(at(0).rssFileMb, 1),
      fileEnd: round(at(1).rssFileMb, 1),
    },
    /** Resident memory by what holds it, at the first map after warm-up and at the last (MB). */
    memoryMapMb: {
      start: warm.find((x) => x.map)?.map ?? null,
      end: [...warm].reverse().find((x) => x.map)?.map ?? null,
    },
    databaseMb: {
      start: round(samples[0]!.dbMb, 2),
      end: round(samples.at(-1)!.dbMb, 2),
    },
    loadAverage1m: {
      min: Math.min(...loads),
      median: quantile(
        [...loads].sort((a, b) => a - b),
        0.5,
      ),
      max: Math.max(...loads),
    },
    periods: rows,
    heapAfterGc: probes,
    samples: samples.map((x) => ({
      ...x,
      at: Math.round(x.at),
      rssMb: round(x.rssMb, 1),
      rssAnonMb: round(x.rssAnonMb, 1),
      rssFileMb: round(x.rssFileMb, 1),
      dbMb: round(x.dbMb, 2),
    })),
    firstFailures: run.failures,
  };
}

/** The summary for people: totals, memory, and a Markdown table of the periods. */
export function formatText(t: ReturnType<typeof summarize>): string {
  return (
    [
      `soak ${t.backend}, ${t.minutes} min, ${t.checksPerSecond} checks/s, ${t.node}`,
      `totals: ${JSON.stringify(t.totals)}`,
      `RSS MB: ${JSON.stringify(t.rssMb)}`,
      `database MB: ${JSON.stringify(t.databaseMb)}`,
      `load average (1 min): ${JSON.stringify(t.loadAverage1m)}`,
      ...t.heapAfterGc.map((p) => `after GC at ${p.at} s: ${JSON.stringify(p)}`),
      '| from (min) | checks/s | skipped | p50 ms | p99 ms | 5xx | conn errors | events | publishes (failed, skipped) | load |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...t.periods.map(
        (r) =>
          `| ${r.fromMin} | ${r.achievedPerS} | ${r.checksSkipped} | ${r.p50ms} | ${r.p99ms} | ${r.s5xx} | ${r.connErrors} | ${r.events} | ${r.publishes} (${r.publishFailures}, ${r.publishesSkipped}) | ${r.load1} |`,
      ),
      ...(t.firstFailures.length ? ['first failures:', ...t.firstFailures] : []),
    ].join('\n') + '\n'
  );
}
