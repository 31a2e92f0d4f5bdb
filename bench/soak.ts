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
 * the RSS figures) a publish every `--warmup-publish-every` s instead. `--minutes` is the whole
 * run, warm-up included: `--minutes 95 --warmup-minutes 25` measures 70 minutes after it.
 * Every 10 s it samples the server's RSS (/proc/<pid>/status: anonymous and file-backed) and
 * the database size, and once a minute RSS by what holds it (bench/memory-map.ts: malloc's
 * arenas, V8's pages, V8's code range, other anonymous memory, files); at the end it prints per-period achieved
 * rates, p50/p99 latency, 5xx and connection errors, RSS at start (after the warm-up), middle
 * and end with the slope (and a 95 % interval) after warm-up and over the last 30 minutes, the
 * forced-GC memory split of each probe, and database growth (JSON with --json).
 * postgres-s3 uses a throwaway PostgreSQL cluster and the S3 server of packages/test-kit/src/services.ts.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import { startPostgres, startS3 } from '@updraft/test-kit/services';
import { memoryMap } from './memory-map.js';
import { cpuSeconds, rss } from './proc.js';
import { formatText, newPeriod, probeOf, summarize, type Period, type Probe, type Sample } from './soak-report.js';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      // Each service that started is stopped, even when the other failed to start.
      if (typeof cluster !== 'string') cleanups.push(() => cluster.stop());
      if (typeof s3 !== 'string') cleanups.push(() => s3.stop());
      if (typeof cluster === 'string') throw new Error(cluster);
      if (typeof s3 === 'string') throw new Error(s3);
      const url = await cluster.createDatabase();
      const bucket = await s3.createBucket();
      args.push('--database', url, '--blobs', `s3://${bucket}/blobs`, '--s3-endpoint', s3.endpoint, '--s3-path-style');
      env = { ...env, ...s3.env, AWS_ENDPOINT_URL: '' };
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      // Before the cluster stops: a client whose server goes away first throws an unhandled 'error'.
      cleanups.unshift(() => client.end());
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
    const periods = new Map<number, Period>();
    const period = (t: number) => {
      const k = periodOf(t);
      let p = periods.get(k);
      if (!p) {
        p = newPeriod();
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
        const probe = probeOf(m, Math.round((performance.now() - start) / 1000));
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

    const summary = summarize(
      {
        backend: BACKEND,
        minutes: MINUTES,
        checksPerSecond: CHECKS_PER_S,
        maxInFlight: MAX_IN_FLIGHT,
        publishEverySeconds: PUBLISH_S,
        periodSeconds: PERIOD_S,
        warmupSeconds: WARMUP_S,
        warmupPublishEverySeconds: WARMUP_PUBLISH_S,
        serverNodeOptions: SERVER_NODE_OPTIONS,
        sqliteCacheMib: SQLITE_CACHE_MIB === '' ? null : Number(SQLITE_CACHE_MIB),
        serveArgs: SERVE_ARGS,
      },
      { periods, samples, probes, failures },
    );
    process.stdout.write(JSON_OUT ? JSON.stringify(summary, null, 2) + '\n' : formatText(summary));
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

await main();
