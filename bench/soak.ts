/**
 * Soak: a real `updraft serve` process under steady mixed traffic for a long time, to see
 * what only time shows (memory creeping, latency drifting, the database growing, rare 5xx or
 * dropped connections). Not a test.
 *
 *   npm run build && node --import tsx bench/soak.ts --backend sqlite --minutes 60
 *   npm run build && node --import tsx bench/soak.ts --backend postgres-s3 --minutes 60
 *
 * Traffic is open-loop, at fixed rates whatever the machine's load (it is shared, and a
 * closed loop's throughput followed the load, and the server's memory with it): `--rate`
 * device checks per second (default 10), each sent at its scheduled time on keep-alive
 * connections, alternately with the If-None-Match of the last answer (304) and without (200),
 * at most `--max-in-flight` (64) outstanding — a check due while that many are outstanding is
 * counted as skipped, never queued; one event batch of 20 per second; a CLI publish every
 * `--publish-every` s (default 60; a new small bundle each time; skipped, and counted, while
 * the previous one still runs); during the warm-up (`--warmup-minutes`, default 2, left out of
 * the RSS figures) a publish every `--warmup-publish-every` s instead.
 * Every 10 s it samples the server's RSS (/proc/<pid>/status: anonymous and file-backed) and
 * the database size, and once a minute RSS by what holds it (bench/memory-map.ts: malloc's
 * arenas, V8's pages, other anonymous memory, files); at the end it prints per-period achieved
 * rates, p50/p99 latency, 5xx and connection errors, RSS at start (after the warm-up), middle
 * and end with the slope (and a 95 % interval) after warm-up and over the last 30 minutes, the
 * forced-GC memory split of each probe, and database growth (JSON with --json).
 * postgres-s3 uses a throwaway PostgreSQL cluster and the S3 server of packages/test-kit/src/services.ts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import { startPostgres, startS3 } from '@updraft/test-kit/services';
import { memoryMap, type MemoryMap } from './memory-map.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const BACKEND = arg('backend', 'sqlite');
const MINUTES = Number(arg('minutes', '60'));
/** Device checks per second, open loop (scheduled, not "as fast as the clients go"). */
const CHECKS_PER_S = Number(arg('rate', arg('checks', '10')));
/** Checks outstanding at most; one due beyond this is skipped (and counted), never queued. */
const MAX_IN_FLIGHT = Number(arg('max-in-flight', '64'));
/** Seconds between CLI publishes: a publish is a CLI process, which takes over 30 s on a loaded machine. */
const PUBLISH_S = Number(arg('publish-every', '60'));
const PERIOD_S = Number(arg('period', String(Math.max(60, Math.round((MINUTES * 60) / 12)))));
/**
 * Seconds of warm-up, left out of the RSS figures. During it a publish runs every
 * `--warmup-publish-every` s (default: `--publish-every`): V8 compiles and optimizes the
 * publish path only after it has run many times, which at a publish a minute takes over an
 * hour, so a faster warm-up reaches that steady state sooner; checks and events keep their rates.
 */
const WARMUP_S = Number(arg('warmup-minutes', String(Math.min(2, MINUTES / 5)))) * 60;
const WARMUP_PUBLISH_S = Number(arg('warmup-publish-every', String(PUBLISH_S)));
/** Publishes due after `elapsedMs`: one at the start, then one each WARMUP_PUBLISH_S, then each PUBLISH_S. */
function publishesDue(elapsedMs: number): number {
  const s = elapsedMs / 1000;
  if (s < WARMUP_S) return Math.floor(s / WARMUP_PUBLISH_S) + 1;
  return Math.floor(WARMUP_S / WARMUP_PUBLISH_S) + 1 + Math.floor((s - WARMUP_S) / PUBLISH_S);
}
const JSON_OUT = process.argv.includes('--json');
/** Seconds between forced-GC memory probes of the server (bench/soak-probe.mjs); 0 = none. */
const PROBE_S = Number(arg('probe-every', '300'));
/** Node options for the soaked server only (e.g. "--max-semi-space-size=4"), to test V8 sizing. */
const SERVER_NODE_OPTIONS = arg('node-options', '');
/**
 * V8 flags for the soaked server that NODE_OPTIONS does not take (e.g. "--memory-saver-mode"),
 * set by the probe as the server starts (so --probe-every must not be 0).
 */
const SERVER_V8_FLAGS = arg('v8-flags', '');
/** `updraft serve --sqlite-cache <MiB>` for the soaked server (sqlite only; default: the server's). */
const SQLITE_CACHE_MIB = arg('sqlite-cache', '');
/** More `updraft serve` arguments for the soaked server, space-separated (e.g. "--no-heap-compaction"). */
const SERVE_ARGS = arg('serve-args', '').split(' ').filter(Boolean);
const PROBE = fileURLToPath(new URL('./soak-probe.mjs', import.meta.url));
const APP = 'com.example.soak';

if (BACKEND !== 'sqlite' && BACKEND !== 'postgres-s3') throw new Error('--backend sqlite|postgres-s3');

interface Sample {
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
interface Probe {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rss(pid: number): { rssMb: number; rssAnonMb: number; rssFileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  };
  return { rssMb: kb('VmRSS'), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') };
}

/** getconf CLK_TCK: 100 on every Linux this runs on (the kernel's USER_HZ). */
const CLOCK_TICKS = 100;
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its ')'): utime is 14th, stime 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Least-squares slope of y over x with a 95 % interval. Successive samples are correlated
 * (RSS moves in steps), so the interval is widened by the lag-1 autocorrelation of the
 * residuals (effective sample size n·(1−r)/(1+r)); it is a guide, not a proof.
 */
function slopeWithInterval(xs: number[], ys: number[]): { slope: number; low: number; high: number; n: number } {
  const n = xs.length;
  const b = slope(xs, ys);
  if (n < 4) return { slope: b, low: NaN, high: NaN, n };
  const mx = xs.reduce((a, v) => a + v, 0) / n;
  const my = ys.reduce((a, v) => a + v, 0) / n;
  const res = xs.map((x, i) => ys[i]! - (my + b * (x - mx)));
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const sse = res.reduce((a, r) => a + r * r, 0);
  let r1num = 0;
  for (let i = 1; i < n; i++) r1num += res[i]! * res[i - 1]!;
  const r1 = sse === 0 ? 0 : Math.max(0, Math.min(0.99, r1num / sse));
  const nEff = Math.max(3, (n * (1 - r1)) / (1 + r1));
  const se = Math.sqrt(sse / (n - 2) / sxx) * Math.sqrt(n / nEff);
  const half = 1.96 * se;
  return { slope: b, low: b - half, high: b + half, n };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

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

async function main() {
  const work = await tempDir('soak');
  const cleanups: (() => Promise<void>)[] = [() => work.cleanup()];
  try {
    const args: string[] = [...(SQLITE_CACHE_MIB === '' ? [] : ['--sqlite-cache', SQLITE_CACHE_MIB]), ...SERVE_ARGS];
    let env: Record<string, string> = { UPDRAFT_LOG_LEVEL: 'warn' };
    let dbSize: () => Promise<number>;
    const dataDir = join(work.path, 'server');
    if (BACKEND === 'postgres-s3') {
      const [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
      if (typeof cluster === 'string') throw new Error(cluster);
      if (typeof s3 === 'string') throw new Error(s3);
      cleanups.push(
        () => cluster.stop(),
        () => s3.stop(),
      );
      const url = await cluster.createDatabase();
      const bucket = await s3.createBucket();
      args.push('--database', url, '--blobs', `s3://${bucket}/blobs`, '--s3-endpoint', s3.endpoint, '--s3-path-style');
      env = { ...env, ...s3.env, AWS_ENDPOINT_URL: '' };
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      cleanups.push(() => client.end());
      dbSize = async () =>
        Number((await client.query('select pg_database_size(current_database()) as n')).rows[0].n) / 2 ** 20;
    } else {
      dbSize = async () => {
        let bytes = 0;
        for (const f of ['updraft.db', 'updraft.db-wal']) {
          try {
            bytes += statSync(join(dataDir, f)).size;
          } catch {
            // no WAL right now
          }
        }
        return bytes / 2 ** 20;
      };
    }
    if (SERVER_V8_FLAGS) {
      if (PROBE_S <= 0) throw new Error('--v8-flags needs the probe (--probe-every > 0)');
      env.UPDRAFT_SOAK_V8_FLAGS = SERVER_V8_FLAGS;
    }
    env.NODE_OPTIONS = [process.env.NODE_OPTIONS, SERVER_NODE_OPTIONS, PROBE_S > 0 ? `--import ${PROBE}` : '']
      .filter(Boolean)
      .join(' ');
    const server = await startServerProcess(dataDir, { args, env });
    cleanups.unshift(() => server.stop());
    const pid = server.child.pid!;
    const adminEnv = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
    const keys = join(work.path, 'keys');
    const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], adminEnv);
    if (created.code !== 0) throw new Error(created.stderr);
    let publishN = 0;
    const publish = async () => {
      const dir = join(work.path, `bundle-${++publishN}`);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'index.ios.bundle'),
        `console.log(${JSON.stringify(randomBytes(2000).toString('hex'))})`,
      );
      const res = await runCli(publishArgs({ dir, app: APP, keys, extra: ['--delta-bases', '0'] }), adminEnv);
      return res.code === 0 ? null : res.stderr.trim();
    };
    const first = await publish();
    if (first) throw new Error(first);
    const ingest = (await (
      await fetch(`${server.url}/v1/apps/${APP}/ingest-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'soak' }),
      })
    ).json()) as { key: string };

    const start = performance.now();
    const end = start + MINUTES * 60_000;
    const periodOf = (t: number) => Math.floor((t - start) / (PERIOD_S * 1000));
    interface Period {
      latencies: number[];
      /** Checks due in the period, and those skipped because MAX_IN_FLIGHT were outstanding. */
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
    const periods = new Map<number, Period>();
    const period = (t: number) => {
      const k = periodOf(t);
      let p = periods.get(k);
      if (!p) {
        p = {
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
        };
        periods.set(k, p);
      }
      return p;
    };
    const failures: string[] = [];
    const note = (what: string) => {
      if (failures.length < 20) failures.push(what);
    };
    const checkUrl = `${server.url}/repo/${APP}/metadata/timestamp.json`;
    let etag: string | null = null;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      pending.add(p);
      void p.finally(() => pending.delete(p));
    };
    const check = async (i: number) => {
      const t0 = performance.now();
      inFlight++;
      try {
        const headers: Record<string, string> = i % 2 === 0 && etag ? { 'if-none-match': etag } : {};
        const res = await fetch(checkUrl, { headers });
        await res.arrayBuffer();
        const p = period(t0);
        p.latencies.push(performance.now() - t0);
        if (res.status >= 500) {
          p.s5xx++;
          note(`check ${res.status}`);
        } else if (res.status !== 200 && res.status !== 304) p.other++;
        etag = res.headers.get('etag') ?? etag;
      } catch (err) {
        period(t0).connErrors++;
        note(`check: ${String((err as Error).cause ?? err)}`);
      } finally {
        inFlight--;
      }
    };
    const eventBatch = async () => {
      const t0 = performance.now();
      const batch = Array.from({ length: 20 }, (_, i) => ({
        id: randomBytes(16).toString('base64url'),
        event: i % 10 === 0 ? 'launched' : 'check',
        releaseId: null,
        channel: 'production',
        platform: 'ios',
        at: new Date().toISOString(),
      }));
      try {
        const res = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ingest.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: batch }),
        });
        await res.arrayBuffer();
        const p = period(t0);
        p.eventBatches++;
        if (res.status >= 500) {
          p.s5xx++;
          note(`events ${res.status}`);
        } else if (res.ok) p.events += batch.length;
        else p.other++;
      } catch (err) {
        period(t0).connErrors++;
        note(`events: ${String((err as Error).cause ?? err)}`);
      }
    };
    let publishing = false;
    const timedPublish = async () => {
      const t0 = performance.now();
      const p = period(t0);
      if (publishing) {
        p.publishesSkipped++;
        return;
      }
      publishing = true;
      try {
        const failed = await publish();
        p.publishes++;
        if (failed) {
          p.publishFailures++;
          note(`publish: ${failed}`);
        }
      } finally {
        publishing = false;
      }
    };
    // Open loop: one scheduler sends whatever is due (checks at CHECKS_PER_S, an event batch
    // each second, a publish each PUBLISH_S) at its time, whether earlier answers came or not.
    const traffic = (async () => {
      let checksSent = 0;
      let batchesSent = 0;
      let publishesSent = 0;
      while (performance.now() < end) {
        const now = performance.now();
        const elapsed = now - start;
        const dueChecks = Math.floor((elapsed * CHECKS_PER_S) / 1000) + 1;
        for (; checksSent < dueChecks; checksSent++) {
          const scheduled = start + (checksSent * 1000) / CHECKS_PER_S;
          const p = period(scheduled);
          p.due++;
          if (inFlight >= MAX_IN_FLIGHT) {
            p.skipped++;
            continue;
          }
          p.lateMs.push(now - scheduled);
          track(check(checksSent));
        }
        for (; batchesSent < Math.floor(elapsed / 1000) + 1; batchesSent++) track(eventBatch());
        for (; publishesSent < publishesDue(elapsed); publishesSent++) track(timedPublish());
        const next = start + (checksSent * 1000) / CHECKS_PER_S;
        await sleep(Math.max(1, Math.min(next, end) - performance.now()));
      }
      while (pending.size > 0) await Promise.all([...pending]);
    })();
    const probes: Probe[] = [];
    let probeBuf = '';
    server.child.stderr!.on('data', (d: Buffer) => {
      probeBuf += d.toString();
      const lines = probeBuf.split('\n');
      probeBuf = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('soak-probe ')) continue;
        const m = JSON.parse(line.slice('soak-probe '.length)) as Record<string, number> & {
          spaces: Record<string, number>;
        };
        const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
        const probe: Probe = {
          at: Math.round((performance.now() - start) / 1000),
          rssBeforeGcMb: mb(m.rssBeforeGc!),
          heapTotalBeforeGcMb: mb(m.heapTotalBeforeGc!),
          newSpaceBeforeGcMb: mb(m.newSpaceBeforeGc!),
          rssMb: mb(m.rss!),
          heapTotalMb: mb(m.heapTotal!),
          heapUsedMb: mb(m.heapUsed!),
          externalMb: mb(m.external!),
          arrayBuffersMb: mb(m.arrayBuffers!),
          nativeMb: mb(m.rss! - m.heapTotal!),
          heapSlackMb: mb(m.heapTotal! - m.heapUsed!),
          spaces: Object.fromEntries(Object.entries(m.spaces).map(([k, v]) => [k.replace(/_space$/, ''), mb(v)])),
        };
        probes.push(probe);
        // Each probe on stderr as it comes, so a long run can be read while it goes.
        process.stderr.write(`soak ${BACKEND} probe ${JSON.stringify(probe)}\n`);
      }
    });
    const samples: Sample[] = [];
    const sample = async () =>
      samples.push({
        at: (performance.now() - start) / 1000,
        cpuS: cpuSeconds(pid),
        ...rss(pid),
        dbMb: await dbSize(),
        load1: loadavg()[0]!,
        ...(samples.length % 6 === 0 ? { map: memoryMap(pid) ?? undefined } : {}),
      });
    const sampler = (async () => {
      while (performance.now() < end) {
        await sample();
        // Progress on stderr once a minute, so a long run shows how it goes.
        if (samples.length % 6 === 1) {
          const x = samples.at(-1)!;
          const p = probes.at(-1);
          process.stderr.write(
            `soak ${BACKEND} ${(x.at / 60).toFixed(1)} min: RSS ${x.rssMb.toFixed(1)} MB, heap after GC ${p ? `${p.heapUsedMb} MB` : '-'}, database ${x.dbMb.toFixed(2)} MB, load ${x.load1.toFixed(1)}\n`,
          );
        }
        await sleep(Math.min(10_000, Math.max(0, end - performance.now())));
      }
      await sample();
    })();
    const prober = (async () => {
      if (PROBE_S <= 0) return;
      const probe = () => process.kill(pid, 'SIGUSR2');
      probe();
      while (performance.now() < end) {
        await sleep(Math.min(PROBE_S * 1000, Math.max(0, end - performance.now())));
        probe();
      }
      await sleep(2000); // the last probe line
    })();
    await Promise.all([traffic, sampler, prober]);

    /** The machine's 1-minute load averages sampled during period k (shared machine: latency follows it). */
    const loadsIn = (k: number) =>
      samples
        .filter((x) => Math.floor(x.at / PERIOD_S) === k)
        .map((x) => x.load1)
        .sort((a, b) => a - b);
    const rows = [...periods.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, p]) => {
        const sorted = [...p.latencies].sort((a, b) => a - b);
        const late = [...p.lateMs].sort((a, b) => a - b);
        return {
          fromMin: Math.round(((k * PERIOD_S) / 60) * 10) / 10,
          checksDue: p.due,
          checksSkipped: p.skipped,
          checks: p.latencies.length,
          /** Answered checks per second over the period (the rate asked for is CHECKS_PER_S). */
          achievedPerS: round(p.latencies.length / PERIOD_S, 2),
          sendLateP99ms: round(quantile(late, 0.99), 1),
          p50ms: Math.round(quantile(sorted, 0.5) * 100) / 100,
          p99ms: Math.round(quantile(sorted, 0.99) * 100) / 100,
          s5xx: p.s5xx,
          connErrors: p.connErrors,
          otherStatus: p.other,
          events: p.events,
          publishes: p.publishes,
          publishFailures: p.publishFailures,
          publishesSkipped: p.publishesSkipped,
          eventBatches: p.eventBatches,
          load1: Math.round(quantile(loadsIn(k), 0.5) * 10) / 10,
        };
      });
    const warm = samples.filter((s) => s.at >= WARMUP_S);
    const slopeOver = (xs: Sample[]) => {
      const r = slopeWithInterval(
        xs.map((s) => s.at / 60),
        xs.map((s) => s.rssMb),
      );
      return { mbPerMin: round(r.slope, 3), low95: round(r.low, 3), high95: round(r.high, 3), samples: r.n };
    };
    const at = (frac: number) => warm[Math.min(warm.length - 1, Math.floor(frac * (warm.length - 1)))]!;
    const summary = {
      backend: BACKEND,
      minutes: MINUTES,
      checksPerSecond: CHECKS_PER_S,
      maxInFlight: MAX_IN_FLIGHT,
      publishEverySeconds: PUBLISH_S,
      warmupMinutes: WARMUP_S / 60,
      warmupPublishEverySeconds: WARMUP_PUBLISH_S,
      serverNodeOptions: SERVER_NODE_OPTIONS,
      sqliteCacheMib: SQLITE_CACHE_MIB === '' ? null : Number(SQLITE_CACHE_MIB),
      serveArgs: SERVE_ARGS,
      node: process.version,
      totals: {
        checksDue: rows.reduce((n, r) => n + r.checksDue, 0),
        checksSkipped: rows.reduce((n, r) => n + r.checksSkipped, 0),
        checks: rows.reduce((n, r) => n + r.checks, 0),
        s5xx: rows.reduce((n, r) => n + r.s5xx, 0),
        connErrors: rows.reduce((n, r) => n + r.connErrors, 0),
        events: rows.reduce((n, r) => n + r.events, 0),
        publishes: rows.reduce((n, r) => n + r.publishes, 0),
        publishFailures: rows.reduce((n, r) => n + r.publishFailures, 0),
        publishesSkipped: rows.reduce((n, r) => n + r.publishesSkipped, 0),
      },
      /** Server CPU seconds during the warm-up and after it (cost of a setting at the same traffic). */
      serverCpuSeconds: {
        warmup: round(at(0).cpuS - samples[0]!.cpuS, 1),
        afterWarmup: round(at(1).cpuS - at(0).cpuS, 1),
      },
      /** How each part of memory after a forced GC moved from the first probe after warm-up to the last (MB). */
      afterGcChange: afterGcChange(probes.filter((p) => p.at >= WARMUP_S)),
      rssMb: {
        beforeWarmup: Math.round(samples[0]!.rssMb * 10) / 10,
        start: Math.round(at(0).rssMb * 10) / 10,
        middle: Math.round(at(0.5).rssMb * 10) / 10,
        end: Math.round(at(1).rssMb * 10) / 10,
        max: Math.round(Math.max(...warm.map((s) => s.rssMb)) * 10) / 10,
        /** MB per minute after warm-up and over the last 30 minutes, each with a 95 % interval. */
        slopeAfterWarmup: slopeOver(warm),
        slopeLast30Min: slopeOver(samples.filter((s) => s.at >= MINUTES * 60 - 30 * 60 && s.at >= WARMUP_S)),
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
        start: Math.round(samples[0]!.dbMb * 100) / 100,
        end: Math.round(samples.at(-1)!.dbMb * 100) / 100,
      },
      loadAverage1m: {
        min: Math.min(...samples.map((x) => x.load1)),
        median: quantile(
          samples.map((x) => x.load1).sort((a, b) => a - b),
          0.5,
        ),
        max: Math.max(...samples.map((x) => x.load1)),
      },
      periods: rows,
      heapAfterGc: probes,
      samples: samples.map((x) => ({
        ...x,
        at: Math.round(x.at),
        rssMb: round(x.rssMb, 1),
        rssAnonMb: round(x.rssAnonMb, 1),
        rssFileMb: round(x.rssFileMb, 1),
        dbMb: Math.round(x.dbMb * 100) / 100,
      })),
      firstFailures: failures,
    };
    if (JSON_OUT) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      const t = summary;
      process.stdout.write(
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
        ].join('\n') + '\n',
      );
    }
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

await main();
