/**
 * Device-event ingest and the dashboard's release page, on the SQLite default.
 *
 * 1. Ingest: C concurrent senders POST /v1/events in batches of 50 (fresh random ids) to a
 *    real server process for S seconds; every acknowledged event is then counted back in the
 *    database (stored rows and rollup sums). Reference in the same run: GET /healthz at the
 *    same concurrency (the HTTP floor of this server on this machine).
 * 2. Release page with ≥ 1 million events in the store: the four API calls the page makes
 *    (median of 20), and the page itself in Chromium until the charts are drawn (median of 5).
 *
 *   npm run build && node --import tsx bench/ingest.ts [--seconds 50] [--concurrency 8] [--postgres]
 *     [--sqlite-cache <MiB>] [--no-browser]
 *
 * --postgres runs the same against a throwaway PostgreSQL cluster (packages/test-kit/src/services.ts).
 * --sqlite-cache passes `updraft serve --sqlite-cache` (SQLite's page cache) to compare its sizes;
 * --no-browser leaves out the Chromium page load.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runCli, startServerProcess } from '@updraft/test-kit/cli';
import { startPostgres } from '@updraft/test-kit/services';
import { rss } from './proc.js';
import { median, round } from './stats.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 50);
const CONCURRENCY = arg('concurrency', 8);
const POSTGRES = process.argv.includes('--postgres');
const NO_BROWSER = process.argv.includes('--no-browser');
const SQLITE_CACHE = process.argv.includes('--sqlite-cache')
  ? ['--sqlite-cache', process.argv[process.argv.indexOf('--sqlite-cache') + 1]!]
  : [];
const BATCH = 50;
const APP = 'com.example.ingest';
const KINDS = ['check', 'download_started', 'installed', 'launched', 'app_ready', 'launched', 'crash', 'rollback'];

async function loop(seconds: number, fn: () => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await fn();
        n++;
      }
    }),
  );
  return n;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'updraft-bench-ingest-'));
  const cluster = POSTGRES ? await startPostgres() : null;
  if (typeof cluster === 'string') throw new Error(`PostgreSQL: ${cluster}`);
  const databaseUrl = cluster ? await cluster.createDatabase() : null;
  const server = await startServerProcess(join(work, 'data'), {
    // The whole simulated fleet posts from 127.0.0.1: lift the per-source limits (issue 14 §3).
    args: [
      '--guardrail-interval',
      '0',
      '--source-rate',
      '1000000000',
      '--source-budget',
      '1000000000',
      ...(databaseUrl ? ['--database', databaseUrl] : SQLITE_CACHE),
    ],
  });
  try {
    const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
    const keys = join(work, 'keys');
    if ((await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env)).code !== 0)
      throw new Error('apps create');
    const bundle = join(work, 'bundle');
    await mkdir(bundle);
    await writeFile(join(bundle, 'index.ios.bundle'), 'console.log(1)');
    const pub = await runCli(
      [
        'publish',
        bundle,
        '--app',
        APP,
        '--platform',
        'ios',
        '--runtime-version',
        '1.0.0',
        '--channel',
        'production',
        '--keys',
        keys,
        '--json',
      ],
      env,
    );
    if (pub.code !== 0) throw new Error(`publish: ${pub.stderr}`);
    const releaseId = pub.json!['releaseId'] as string;
    const ingestKey = (await runCli(['keys', 'ingest', 'create', '--app', APP, '--json'], env)).json!['key'] as string;

    // Reference: the same server's HTTP floor at the same concurrency.
    const healthSeconds = Math.min(10, SECONDS);
    const health =
      (await loop(healthSeconds, async () => void (await (await fetch(`${server.url}/healthz`)).arrayBuffer()))) /
      healthSeconds;

    let acknowledged = 0;
    let refused = 0;
    const started = performance.now();
    const requests = await loop(SECONDS, async () => {
      const now = new Date().toISOString();
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: randomBytes(16).toString('base64url'),
        event: KINDS[i % KINDS.length],
        releaseId,
        channel: 'production',
        platform: 'ios',
        binaryVersion: '1.0.0',
        at: now,
      }));
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        body: JSON.stringify({ events }),
      });
      const body = (await res.json()) as { accepted?: number };
      if (res.status === 200) acknowledged += body.accepted ?? 0;
      else refused++;
    });
    const elapsed = (performance.now() - started) / 1000;
    const eventsPerSecond = acknowledged / elapsed;

    const count = async (sqlText: string): Promise<number> => {
      if (databaseUrl) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          return Number((await client.query(sqlText)).rows[0].n);
        } finally {
          await client.end();
        }
      }
      const db = new Database(join(server.dataDir, 'updraft.db'), { readonly: true });
      try {
        return Number((db.prepare(sqlText).get() as { n: number }).n);
      } finally {
        db.close();
      }
    };
    const stored = await count('SELECT COUNT(*) AS n FROM device_events');
    const rolled = await count('SELECT SUM(count) AS n FROM event_rollups');
    const rollupRows = await count('SELECT COUNT(*) AS n FROM event_rollups');

    // The release page's API calls, as the dashboard makes them.
    const auth = { authorization: `Bearer ${server.adminKey}` };
    const base = `${server.url}/v1/apps/${APP}`;
    const apiTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await Promise.all(
        [`${base}/releases/${releaseId}`, `${base}/releases/${releaseId}/insight`, `${base}/channels`].map(async (u) =>
          (await fetch(u, { headers: auth })).arrayBuffer(),
        ),
      );
      await (
        await fetch(`${base}/releases/${releaseId}/guardrail?channel=production`, { headers: auth })
      ).arrayBuffer();
      apiTimes.push(performance.now() - t0);
    }

    let pageMs: number | null = null;
    // Imported here: test-kit's dashboard module insists on Chromium under CI, which --no-browser does not need.
    const browser = NO_BROWSER ? null : await import('@updraft/test-kit/dashboard');
    if (browser && !browser.chromiumMissing) {
      const ctx = await browser.launchChromium(join(work, 'profile'));
      const page = await ctx.newPage();
      await page.goto(server.url);
      await page.getByRole('tab', { name: 'API key' }).click();
      await page.getByLabel('API key').fill(server.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Apps' }).waitFor();
      const url = `${server.url}/#/apps/${APP}/releases/${releaseId}`;
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        await page.goto('about:blank');
        const t0 = performance.now();
        await page.goto(url);
        await page.locator('figure.chart svg polyline').first().waitFor({ state: 'attached' });
        await page.getByTestId('guardrail-production').waitFor();
        if (i > 0) times.push(performance.now() - t0); // the first load warms the asset cache
      }
      pageMs = median(times);
      await ctx.close();
    }

    const result = {
      store: databaseUrl ? 'postgresql' : 'sqlite',
      sqliteCacheMib: SQLITE_CACHE[1] ?? null,
      /** The server's resident memory at the end (MB), with the database at its largest. */
      serverRssMb: round(rss(server.child.pid!).rssMb, 1),
      seconds: Number(elapsed.toFixed(1)),
      concurrency: CONCURRENCY,
      batch: BATCH,
      requests,
      refused,
      acknowledged,
      stored,
      rolledUp: rolled,
      rollupRows,
      lost: acknowledged - Math.min(stored, rolled),
      eventsPerSecond: Math.round(eventsPerSecond),
      batchesPerSecond: Math.round(requests / elapsed),
      healthzPerSecond: Math.round(health),
      batchesVsHealthz: Number((requests / elapsed / health).toFixed(3)),
      releasePageApiMedianMs: Number(median(apiTimes).toFixed(1)),
      releasePageChromiumMedianMs: pageMs === null ? null : Number(pageMs.toFixed(0)),
    };
    console.log(JSON.stringify(result, null, 2));
    if (result.lost !== 0 || stored !== acknowledged || rolled !== acknowledged) {
      console.error(`LOST EVENTS: acknowledged ${acknowledged}, stored ${stored}, rolled up ${rolled}`);
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    if (cluster) await cluster.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
