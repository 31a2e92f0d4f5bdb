import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { installResignRefusals, type ResignRefusals } from '@updraft/test-kit/resign-refusals';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';
import { createLogger } from '../src/app/logger.js';
import { sendCrashes } from './device-events.js';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// A guardrail that trips while other changes of the app keep landing: its halt loses every
// race to re-sign (409 metadata-changed inside the server). The rollout must still end up
// halted (the next run trips again on the same window and halts), the lost halt is logged
// and counted in /metrics, and only the halt that happened is recorded (one trip, one audit
// entry). PostgreSQL, whose metadata table the test makes refuse the next director versions
// (what a lost race is), or fail them outright (a halt that failed).

/** Runs of one change on the server before it gives up (resign-retry.ts). */
const SERVER_RUNS = 8;
const METRICS_TOKEN = 'metrics-' + randomBytes(12).toString('hex');

describe('a guardrail halt that loses every race to re-sign, or fails', () => {
  let cluster: PostgresCluster | string;
  let t: TestServer;
  let refusals: ResignRefusals;
  const lines: string[] = [];

  before(async () => {
    cluster = await startPostgres();
    if (typeof cluster === 'string') return;
    const url = await cluster.createDatabase();
    t = await startTestServer({
      databaseUrl: url,
      guardrailIntervalMs: 300,
      schedulerIntervalMs: 0,
      sourceBudget: 100_000,
      metricsToken: METRICS_TOKEN,
      logger: createLogger({ level: 'warn', destination: { write: (l: string) => lines.push(l) } }),
    });
    refusals = await installResignRefusals(url);
  });
  after(async () => {
    await refusals?.close();
    await t?.stop();
    if (typeof cluster !== 'string') await cluster?.stop();
  });

  /** A live 50 % rollout of r1 on production whose guardrail halts it at 10 % crashes. */
  async function rollout(appId: string): Promise<void> {
    const { keys } = await createTrustedApp(t, appId);
    const { body } = await prepareRelease(t, appId, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${appId}/releases`, { ...body, basisPoints: 5000 })).status, 201);
    const set = await t.api('PUT', `/v1/apps/${appId}/channels/production/guardrail`, {
      minLaunches: 10,
      thresholdPercent: 10,
      mode: 'halt',
      minSources: 1,
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
  }

  /** The guardrail series of /metrics, e.g. `trips_total{action="halted"}` → 1. */
  async function guardrailMetrics(): Promise<Record<string, number>> {
    const res = await request(`${t.url}/metrics`, 'GET', undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(res.status, 200);
    const text = new TextDecoder().decode(res.bytes);
    return Object.fromEntries(
      [...text.matchAll(/^updraft_guardrail_(\S+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const),
    );
  }

  /**
   * Waits for the job to count a halting trip (it counts after recording the trip, so the
   * halt, its audit entry and the trip are all in place by then).
   */
  async function untilHalts(n: number): Promise<Record<string, number>> {
    const end = Date.now() + 15_000;
    let m = await guardrailMetrics();
    while (m['trips_total{action="halted"}'] !== n && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      m = await guardrailMetrics();
    }
    assert.equal(m['trips_total{action="halted"}'], n, `halted on a later run; log: ${lines.join('')}`);
    return m;
  }

  const pointer = async (appId: string) =>
    (await t.api('GET', `/v1/apps/${appId}/releases/r1`)).json.current.find(
      (p: { channel: string }) => p.channel === 'production',
    );

  it('counts nothing before anything trips', async (ctx) => {
    if (typeof cluster === 'string') return ctx.skip(cluster);
    assert.deepEqual(await guardrailMetrics(), {
      'trips_total{action="halted"}': 0,
      'trips_total{action="alerted"}': 0,
      'halts_deferred_total{reason="lost-race"}': 0,
      'halts_deferred_total{reason="failed"}': 0,
    });
  });

  it('lost every race: is logged, counted, halted on a later run, and recorded once', async (ctx) => {
    if (typeof cluster === 'string') return ctx.skip(cluster);
    const APP = 'guard.race';
    await rollout(APP);
    // The first run's halt loses all its runs; the one after wins.
    await refusals.refuseNext(SERVER_RUNS);
    await sendCrashes(t, APP);

    const m = await untilHalts(1);
    assert.equal(m['halts_deferred_total{reason="lost-race"}'], 1, 'the deferred halt is counted');
    assert.equal(m['halts_deferred_total{reason="failed"}'], 0);
    assert.equal(m['trips_total{action="alerted"}'], 0);
    assert.equal((await pointer(APP)).halted, true);

    const deferred = lines.map((l) => JSON.parse(l)).filter((l) => l.reason === 'lost-race');
    assert.equal(deferred.length, 1, lines.join(''));
    assert.equal(deferred[0].appId, APP);
    assert.equal(deferred[0].releaseId, 'r1');
    assert.equal(deferred[0].channel, 'production');
    assert.match(deferred[0].msg, /its halt lost every race to re-sign: halting it on the next run/);

    const audit = (await t.api('GET', `/v1/audit?app=${APP}`)).json.entries as { action: string; actorName: string }[];
    assert.deepEqual(
      audit.filter((e) => e.action === 'release.halt').map((e) => e.actorName),
      ['guardrail'],
    );
    const health = await t.api('GET', `/v1/apps/${APP}/releases/r1/guardrail?channel=production`);
    assert.equal(health.json.status, 'halted-by-guardrail');
    assert.equal(health.json.lastTrip.action, 'halted');
    assert.deepEqual((await t.api('GET', '/v1/audit/verify')).json.problems, []);
  });

  it('failed: is logged as an error, counted as failed, and halted on a later run', async (ctx) => {
    if (typeof cluster === 'string') return ctx.skip(cluster);
    const APP = 'guard.fail';
    await rollout(APP);
    // Not a race: the server does not retry it, so one failed write defers the halt once.
    await refusals.failNext(1);
    await sendCrashes(t, APP);

    const m = await untilHalts(2);
    assert.equal(m['halts_deferred_total{reason="failed"}'], 1, 'the failed halt is counted');
    assert.equal(m['halts_deferred_total{reason="lost-race"}'], 1, 'unchanged from the race above');
    assert.equal((await pointer(APP)).halted, true);
    const failed = lines.map((l) => JSON.parse(l)).filter((l) => l.reason === 'failed');
    assert.equal(failed.length, 1, lines.join(''));
    assert.equal(failed[0].appId, APP);
    assert.equal(failed[0].level, 50, 'logged as an error');
    assert.match(failed[0].msg, /its halt failed: halting it on the next run/);
    assert.match(failed[0].error, /failed by the test/);
  });
});
