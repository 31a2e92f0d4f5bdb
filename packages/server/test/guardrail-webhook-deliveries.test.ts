import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, createTrustedApp, prepareRelease, request, startTestServer, type TestServer } from './helpers.js';
import { sendCrashes } from './device-events.js';
import {
  expectFailedThenDelivered,
  listDeliveries,
  startFailOnceReceiver,
  untilDeliveries,
  type FailOnceReceiver,
} from './webhook-receiver.js';

// An operator whose chat or incident tool stopped getting guardrail alerts reads the app's
// guardrail webhook deliveries: event, host, status, attempts, the last attempt's HTTP status
// or error. Real HTTP both ways: the trip is raised the real way (device events over the
// ingest route, the guardrail job halting the rollout), and a receiver on 127.0.0.1 answers
// the first attempt 500 and the second 204.

const APP = 'hooked.app';
const OTHER = 'quiet.app';

async function publishOne(t: TestServer, appId: string): Promise<void> {
  const { keys } = await createTrustedApp(t, appId);
  const { body } = await prepareRelease(t, appId, keys, { releaseId: 'r1', versionCode: 1 });
  const res = await t.api('POST', `/v1/apps/${appId}/releases`, body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
}

describe("an app's guardrail webhook delivery history", () => {
  let t: TestServer;
  let receiver: FailOnceReceiver;

  before(async () => {
    // The path stands for a token the receiver's URL carries: it is never listed.
    receiver = await startFailOnceReceiver('/hooks/secret-token-42', 'chat down');
    // One test process is one network source: lift the per-source budget, and ask for one source.
    t = await startTestServer({
      guardrailIntervalMs: 100,
      sourceBudget: 100_000,
      webhook: { attempts: 4, backoffMs: 100, timeoutMs: 20_000, allowLoopback: true },
    });
    await publishOne(t, APP);
    await publishOne(t, OTHER);
  });
  after(async () => {
    receiver?.releaseSecond();
    await t?.stop();
    await receiver?.close();
  });

  const path = (appId: string) => `/v1/apps/${appId}/webhooks/deliveries`;
  const deliveries = (appId = APP) => listDeliveries(t, path(appId));
  const until = (what: string, ok: (d: Record<string, unknown>[]) => boolean) =>
    untilDeliveries(t, path(APP), what, ok);

  it('is empty before the guardrail tripped', async () => {
    assert.deepEqual(await deliveries(), []);
    const human = await cli(['guardrail', 'deliveries', '--app', APP], t);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `no guardrail webhook deliveries for ${APP}\n`);
  });

  it('lists a trip’s delivery that failed once (HTTP 500, retrying) and then was delivered (204, 2 attempts)', async () => {
    for (const appId of [APP, OTHER]) {
      const set = await t.api('PUT', `/v1/apps/${appId}/channels/production/guardrail`, {
        minLaunches: 20,
        thresholdPercent: 10,
        webhookUrl: receiver.url,
        mode: 'halt',
        minSources: 1,
      });
      assert.equal(set.status, 200, JSON.stringify(set.json));
    }
    // 10 crashes / 20 launches = 50 % > 10 %: the guardrail job halts the rollout and queues the webhook.
    await sendCrashes(t, APP);

    const host = new URL(receiver.url).host;
    const { delivered } = await expectFailedThenDelivered(receiver, 'guardrail.halted', until);
    assert.equal(JSON.parse(receiver.received[1]!.body).appId, APP);
    assert.equal((await deliveries()).length, 1, 'one delivery, two attempts');
    // Another app of the organization with the same webhook, which never tripped, has none;
    // neither has the organization's audit webhook.
    assert.deepEqual(await deliveries(OTHER), []);
    assert.deepEqual((await t.api('GET', '/v1/audit/webhook/deliveries')).json.deliveries, []);

    // The CLI reads the same list (the API's shape), and says it in a line.
    const json = await cli(['guardrail', 'deliveries', '--app', APP, '--json'], t);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { deliveries: [delivered] });
    const human = await cli(['guardrail', 'deliveries', '--app', APP], t);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      `${String(delivered['createdAt'])}  guardrail.halted  delivered after 2 attempt(s): HTTP 204  → ${host}  (${String(delivered['id'])})\n`,
    );
  });

  it('is read like the guardrail settings: a viewer sees hosts only, a key without read gets 403; a bad limit is a 400', async () => {
    const viewer = await t.api('POST', '/v1/keys', { name: 'viewer', role: 'viewer', kind: 'member' });
    assert.equal(viewer.status, 201, JSON.stringify(viewer.json));
    const asViewer = await request(`${t.url}/v1/apps/${APP}/webhooks/deliveries`, 'GET', undefined, {
      authorization: `Bearer ${viewer.json.key}`,
    });
    assert.equal(asViewer.status, 200, JSON.stringify(asViewer.json));
    assert.equal(asViewer.json.deliveries.length, 1);
    assert.ok(!JSON.stringify(asViewer.json).includes('secret-token-42'), 'the host only, never the path');

    const ci = await t.api('POST', '/v1/keys', {
      name: 'ci',
      role: 'developer',
      kind: 'service',
      scopes: ['publish'],
    });
    assert.equal(ci.status, 201, JSON.stringify(ci.json));
    const asCi = await request(`${t.url}/v1/apps/${APP}/webhooks/deliveries`, 'GET', undefined, {
      authorization: `Bearer ${ci.json.key}`,
    });
    assert.equal(asCi.status, 403, JSON.stringify(asCi.json));

    const bad = await t.api('GET', `/v1/apps/${APP}/webhooks/deliveries?limit=0`);
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /limit/);
    assert.match(bad.json.error.message, /1 to 1000/);
    const badCli = await cli(['guardrail', 'deliveries', '--app', APP, '--limit', 'lots'], t);
    assert.notEqual(badCli.code, 0);
    assert.match(badCli.stderr, /limit/);
    assert.equal((await t.api('GET', `/v1/apps/${APP}/webhooks/deliveries?limit=1`)).json.deliveries.length, 1);
    const missing = await t.api('GET', '/v1/apps/no.such.app/webhooks/deliveries');
    assert.equal(missing.status, 404);
  });
});
