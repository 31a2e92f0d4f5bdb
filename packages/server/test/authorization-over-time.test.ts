import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTrustedApp,
  prepareRelease,
  request,
  startTestServer,
  type PublisherKeys,
  type TestServer,
} from './helpers.js';

// Issue 14 point 4: a scheduled start is applied only if whoever scheduled it may still move
// the channel when it comes due; revoking a key or disabling a user cancels its starts.

describe('authorization holds over time', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  const APP = 'later.app';
  let version = 0;
  before(async () => {
    t = await startTestServer({ schedulerIntervalMs: 100 });
    ({ keys } = await createTrustedApp(t, APP));
    assert.equal((await t.api('POST', `/v1/apps/${APP}/channels`, { name: 'qa' })).status, 201);
  });
  after(async () => t.stop());

  const newKey = async (body: Record<string, unknown>) => {
    const res = await t.api('POST', '/v1/keys', body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json as { id: string; key: string };
  };
  /** Publishes the next release to a channel as `headers`' caller, optionally scheduled. */
  const publishAs = async (headers: Record<string, string>, channel: string, startAt?: string) => {
    version++;
    const releaseId = `v${version}`;
    const { body } = await prepareRelease(t, APP, keys, { releaseId, versionCode: version, channel });
    const res = await request(
      `${t.url}/v1/apps/${APP}/releases`,
      'POST',
      { ...body, ...(startAt ? { startAt } : {}) },
      headers,
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return releaseId;
  };
  const schedulesOf = async (releaseId: string) =>
    (await t.api('GET', `/v1/apps/${APP}/releases/${releaseId}`)).json.schedules as {
      status: string;
      detail: string | null;
    }[];
  const waitForStatus = async (releaseId: string, status: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [s] = await schedulesOf(releaseId);
      if (s?.status === status) return s;
      assert.ok(Date.now() < deadline, `schedule of ${releaseId} is ${s?.status}, waited for ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const auditActions = async () =>
    (await t.api('GET', `/v1/audit?app=${APP}`)).json.entries as { action: string; details: Record<string, unknown> }[];
  const current = async (channel: string) =>
    (
      (await t.api('GET', `/v1/apps/${APP}/channels`)).json.channels as {
        name: string;
        pointers: { releaseId: string }[];
      }[]
    ).find((c) => c.name === channel)!.pointers[0]?.releaseId;

  it('a start scheduled by a developer fails once its channel became protected', async () => {
    const dev = await newKey({ name: 'dev', role: 'developer' });
    const auth = { authorization: `Bearer ${dev.key}` };
    const first = await publishAs(auth, 'staging');
    const later = await publishAs(auth, 'staging', new Date(Date.now() + 1500).toISOString());
    assert.equal((await t.api('PUT', `/v1/apps/${APP}/channels/staging/protection`, { protected: true })).status, 200);
    const s = await waitForStatus(later, 'failed');
    assert.match(s.detail ?? '', /protected/);
    assert.equal(await current('staging'), first, 'the channel did not move');
    const fail = (await auditActions()).find((e) => e.action === 'schedule.fail');
    assert.ok(fail, 'the failure is audited');
  });

  it('a start scheduled by a key that expired before it came due fails', async () => {
    const short = await newKey({
      name: 'short-lived ci',
      role: 'developer',
      kind: 'service',
      expiresAt: new Date(Date.now() + 1000).toISOString(),
    });
    const later = await publishAs(
      { authorization: `Bearer ${short.key}` },
      'qa',
      new Date(Date.now() + 2500).toISOString(),
    );
    const s = await waitForStatus(later, 'failed');
    assert.match(s.detail ?? '', /expired/);
    assert.equal(await current('qa'), undefined);
  });

  it('revoking a key cancels the starts it scheduled', async () => {
    const dev = await newKey({ name: 'leaver', role: 'developer' });
    const later = await publishAs(
      { authorization: `Bearer ${dev.key}` },
      'qa',
      new Date(Date.now() + 3_600_000).toISOString(),
    );
    assert.equal((await schedulesOf(later))[0]!.status, 'scheduled');
    assert.equal((await t.api('DELETE', `/v1/keys/${dev.id}`)).status, 200);
    assert.equal((await schedulesOf(later))[0]!.status, 'cancelled');
    const cancel = (await auditActions()).find((e) => e.action === 'schedule.cancel');
    assert.match(String(cancel?.details['reason']), /revoked/);
  });

  it('disabling a user cancels the starts they scheduled through the dashboard', async () => {
    const password = 'a long enough password';
    const user = await t.api('POST', '/v1/users', { email: 'rita@example.com', role: 'release-manager', password });
    assert.equal(user.status, 201);
    const session = await request(`${t.url}/auth/session`, 'POST', { email: 'rita@example.com', password });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
    const later = await publishAs(
      { cookie, 'x-updraft-csrf': '1' },
      'qa',
      new Date(Date.now() + 3_600_000).toISOString(),
    );
    assert.equal((await t.api('DELETE', `/v1/users/${user.json.id}`)).status, 200);
    assert.equal((await schedulesOf(later))[0]!.status, 'cancelled');
  });
});
