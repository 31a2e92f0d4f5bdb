import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { installResignRefusals, type ResignRefusals } from '@updraft/test-kit/resign-refusals';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';
import { createLogger } from '../src/app/logger.js';
import { createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';

// A guardrail that trips while other changes of the app keep landing: its halt loses every
// race to re-sign (409 metadata-changed inside the server). The rollout must still end up
// halted (the next run trips again on the same window and halts), the lost halt is logged,
// and only the halt that happened is recorded (one trip, one audit entry). PostgreSQL, whose
// metadata table the test makes refuse the next director versions (what a lost race is).

const APP = 'guard.race';
/** Runs of one change on the server before it gives up (resign-retry.ts). */
const SERVER_RUNS = 8;

describe('a guardrail halt that loses every race to re-sign', () => {
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
      logger: createLogger({ level: 'warn', destination: { write: (l: string) => lines.push(l) } }),
    });
    refusals = await installResignRefusals(url);
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, { ...body, basisPoints: 5000 })).status, 201);
    const set = await t.api('PUT', `/v1/apps/${APP}/channels/production/guardrail`, {
      minLaunches: 10,
      thresholdPercent: 10,
      mode: 'halt',
      minSources: 1,
    });
    assert.equal(set.status, 200, JSON.stringify(set.json));
  });
  after(async () => {
    await refusals?.close();
    await t?.stop();
    if (typeof cluster !== 'string') await cluster?.stop();
  });

  it('is logged, halted on a later run, and recorded once', async (ctx) => {
    if (typeof cluster === 'string') return ctx.skip(cluster);
    // The first run's halt loses all its runs; the one after wins.
    await refusals.refuseNext(SERVER_RUNS);
    const ingest = await t.api('POST', `/v1/apps/${APP}/ingest-keys`, { name: 'devices' });
    const event = (e: string) => ({
      id: randomBytes(16).toString('base64url'),
      event: e,
      releaseId: 'r1',
      channel: 'production',
      platform: 'ios',
      at: new Date().toISOString(),
    });
    const sent = await request(
      `${t.url}/v1/events`,
      'POST',
      {
        events: [
          ...Array.from({ length: 20 }, () => event('launched')),
          ...Array.from({ length: 10 }, () => event('crash')),
        ],
      },
      { authorization: `Bearer ${ingest.json.key}` },
    );
    assert.ok(sent.status < 300, JSON.stringify(sent.json));

    const pointer = async () =>
      (await t.api('GET', `/v1/apps/${APP}/releases/r1`)).json.current.find(
        (p: { channel: string }) => p.channel === 'production',
      );
    const end = Date.now() + 15_000;
    while (!(await pointer()).halted && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await pointer()).halted, true, `halted on a later run; log: ${lines.join('')}`);

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
});
