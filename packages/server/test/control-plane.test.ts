import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  chooseRelease,
  parsePointerCustom,
  pointerTargetPath,
  rolloutBucket,
  type DeviceAttributes,
  type TargetingRules,
} from '@updraft/protocol';
import {
  createTrustedApp,
  prepareRelease,
  refresh,
  startTestServer,
  type PublisherKeys,
  type ReleaseSpec,
  type TestServer,
} from './helpers.js';

// Channels, staged rollouts, targeting and release operations over real HTTP and SQLite.
// Every pointer change is checked where it matters: in the director metadata a device verifies.

const vectorsDir = new URL('../../protocol/test/vectors/', import.meta.url);
const rolloutVectors = JSON.parse(readFileSync(new URL('rollout.json', vectorsDir), 'utf8')) as {
  vectors: { salt: string; deviceId: string; bucket: number }[];
};
const targetingVectors = JSON.parse(readFileSync(new URL('targeting.json', vectorsDir), 'utf8')) as {
  vectors: { rules: TargetingRules; device: DeviceAttributes; matches: boolean }[];
};

type Extra = {
  basisPoints?: number;
  mandatory?: boolean;
  targeting?: TargetingRules;
  notes?: string;
  startAt?: string;
  createChannel?: boolean;
};

async function publish(t: TestServer, appId: string, keys: PublisherKeys, spec: ReleaseSpec, extra: Extra = {}) {
  const { body } = await prepareRelease(t, appId, keys, spec);
  return t.api('POST', `/v1/apps/${appId}/releases`, { ...body, ...extra });
}

async function pointer(t: TestServer, appId: string, rootBytes: Uint8Array, channel = 'production') {
  const { director } = await refresh(t.url, appId, rootBytes);
  const path = pointerTargetPath(channel, 'ios', '1.0.0');
  const target = director.targets[path];
  return target ? parsePointerCustom(target.custom, path) : null;
}

describe('channels, rollouts and release operations', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let rootBytes: Uint8Array;
  const APP = 'cp.app';
  before(async () => {
    t = await startTestServer();
    ({ keys, rootBytes } = await createTrustedApp(t, APP));
  });
  after(async () => t.stop());

  it('creates, lists and protects channels', async () => {
    // A new app has production and staging; others are created on purpose.
    let res = await t.api('POST', `/v1/apps/${APP}/channels`, { name: 'qa' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    res = await t.api('PUT', `/v1/apps/${APP}/channels/production/protection`, { protected: true });
    assert.equal(res.status, 200);
    res = await t.api('POST', `/v1/apps/${APP}/channels`, { name: 'staging' });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'channel-exists');
    res = await t.api('PUT', `/v1/apps/${APP}/channels/staging/protection`, { protected: false });
    assert.equal(res.status, 200);
    res = await t.api('PUT', `/v1/apps/${APP}/channels/nope/protection`, { protected: true });
    assert.equal(res.status, 404);
    res = await t.api('GET', `/v1/apps/${APP}/channels`);
    assert.deepEqual(
      res.json.channels.map((c: { name: string; protected: boolean }) => [c.name, c.protected]),
      [
        ['production', true],
        ['qa', false],
        ['staging', false],
      ],
    );
  });

  it('publish --rollout: signed basis points, mandatory, notes; the previous release for everyone else', async () => {
    let res = await publish(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    res = await publish(
      t,
      APP,
      keys,
      { releaseId: 'r2', versionCode: 2 },
      { basisPoints: 2500, mandatory: true, notes: 'fix crash' },
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const p = (await pointer(t, APP, rootBytes))!;
    assert.equal(p.releaseId, 'r2');
    assert.deepEqual(p.rollout.basisPoints, 2500);
    assert.equal(p.mandatory, true);
    assert.equal(p.previous?.releaseId, 'r1');
    const shown = await t.api('GET', `/v1/apps/${APP}/releases/r2`);
    assert.equal(shown.json.notes, 'fix crash');
    assert.equal(shown.json.current[0].basisPoints, 2500);
    assert.deepEqual(shown.json.allowedChannels, ['*']);

    // Devices inside get r2, outside keep r1 — decided by the signed metadata.
    const { director, releases } = await refresh(t.url, APP, rootBytes);
    const ids = Array.from({ length: 400 }, (_, i) => `dev-${i}`);
    const got = ids.map(
      (id) =>
        chooseRelease(director, releases, {
          appId: APP,
          platform: 'ios',
          runtimeVersion: '1.0.0',
          channel: 'production',
          deviceId: id,
        })!.release.releaseId,
    );
    for (const [i, id] of ids.entries()) assert.equal(got[i], rolloutBucket(p.rollout.salt, id) < 2500 ? 'r2' : 'r1');
    assert.ok(got.includes('r1') && got.includes('r2'));
  });

  it('rollout raises the percentage and only adds devices; the salt stays', async () => {
    const before = (await pointer(t, APP, rootBytes))!;
    const res = await t.api('POST', `/v1/apps/${APP}/releases/r2/rollout`, {
      channel: 'production',
      basisPoints: 5000,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const after = (await pointer(t, APP, rootBytes))!;
    assert.equal(after.rollout.basisPoints, 5000);
    assert.equal(after.rollout.salt, before.rollout.salt);
    // Not the current release of the channel → 409 naming what is.
    const stale = await t.api('POST', `/v1/apps/${APP}/releases/r1/rollout`, {
      channel: 'production',
      basisPoints: 100,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.error.code, 'not-current');
  });

  it('halt signs 0 % (everyone on previous) and resume restores the percentage', async () => {
    let res = await t.api('POST', `/v1/apps/${APP}/releases/r2/halt`, { channel: 'production' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.halted, true);
    assert.equal((await pointer(t, APP, rootBytes))!.rollout.basisPoints, 0);
    res = await t.api('POST', `/v1/apps/${APP}/releases/r2/halt`, { channel: 'production' });
    assert.equal(res.status, 409);
    res = await t.api('POST', `/v1/apps/${APP}/releases/r2/resume`, { channel: 'production' });
    assert.equal(res.status, 200);
    assert.equal((await pointer(t, APP, rootBytes))!.rollout.basisPoints, 5000);
  });

  it('a new release during a partial rollout keeps the fully rolled-out release as previous', async () => {
    const res = await publish(t, APP, keys, { releaseId: 'r3', versionCode: 3 }, { basisPoints: 1000 });
    assert.equal(res.status, 201);
    const p = (await pointer(t, APP, rootBytes))!;
    assert.equal(p.releaseId, 'r3');
    assert.equal(p.previous?.releaseId, 'r1', 'r2 reached only half the fleet; the rest still runs r1');
  });

  it('promote serves a signed release on another channel without re-signing code; refuses going backwards', async () => {
    const releasesBefore = (await refresh(t.url, APP, rootBytes)).releases.version;
    let res = await t.api('POST', `/v1/apps/${APP}/releases/r3/promote`, {
      channel: 'staging',
      basisPoints: 10000,
      targeting: { appVersion: '>=2' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const after = await refresh(t.url, APP, rootBytes);
    assert.equal(after.releases.version, releasesBefore, 'the publisher-signed releases role is untouched');
    const p = (await pointer(t, APP, rootBytes, 'staging'))!;
    assert.equal(p.releaseId, 'r3');
    assert.deepEqual(p.targeting, { appVersion: '>=2' });
    res = await t.api('POST', `/v1/apps/${APP}/releases/r1/promote`, { channel: 'staging' });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'version-code');
    res = await t.api('POST', `/v1/apps/${APP}/releases/r3/promote`, { channel: 'staging' });
    assert.equal(res.json.error.code, 'already-current');
  });

  it('promote to a channel the publisher did not sign the release for is refused', async () => {
    let res = await publish(
      t,
      APP,
      keys,
      { releaseId: 'r4', versionCode: 4, channel: 'beta', channels: ['beta'] },
      { createChannel: true },
    );
    assert.equal(res.status, 201, JSON.stringify(res.json));
    res = await t.api('POST', `/v1/apps/${APP}/releases/r4/promote`, { channel: 'production' });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'channel-not-allowed');
    assert.deepEqual(res.json.error.allowedChannels, ['beta']);
  });

  it('disable: channels serving it fall back to their previous release; it cannot be promoted again', async () => {
    let res = await t.api('POST', `/v1/apps/${APP}/releases/r3/disable`, {});
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.ok(res.json.disabledAt);
    const prod = (await pointer(t, APP, rootBytes))!;
    assert.equal(prod.releaseId, 'r1');
    assert.equal(prod.previous, null);
    assert.equal(prod.rollout.basisPoints, 10000);
    assert.equal(await pointer(t, APP, rootBytes, 'staging'), null, 'staging had nothing before r3');
    res = await t.api('POST', `/v1/apps/${APP}/releases/r3/promote`, { channel: 'beta' });
    assert.equal(res.json.error.code, 'release-disabled');
    res = await t.api('POST', `/v1/apps/${APP}/releases/r3/disable`, {});
    assert.equal(res.status, 409);
  });

  it('notes can be changed; an unknown release is 404', async () => {
    let res = await t.api('PATCH', `/v1/apps/${APP}/releases/r1`, { notes: 'first release' });
    assert.equal(res.status, 200);
    assert.equal(res.json.notes, 'first release');
    res = await t.api('GET', `/v1/apps/${APP}/releases/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'release-not-found');
  });
});

describe('targeting and dynamic mode agree with the committed vectors', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let rootBytes: Uint8Array;
  const APP = 'cp.target';
  before(async () => {
    t = await startTestServer();
    ({ keys, rootBytes } = await createTrustedApp(t, APP));
  });
  after(async () => t.stop());

  const resolve = (body: Record<string, unknown>) =>
    t.api(
      'POST',
      `/device/v1/apps/${APP}/resolve`,
      { channel: 'production', platform: 'ios', runtimeVersion: '1.0.0', ...body },
      { authorization: '' },
    );

  it('targeting vectors: the server resolves exactly the devices the rules match', async () => {
    let versionCode = 0;
    for (const v of targetingVectors.vectors) {
      const res = await publish(t, APP, keys, { releaseId: `t${++versionCode}`, versionCode }, { targeting: v.rules });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      const body: Record<string, unknown> = { deviceId: 'd1' };
      if (Object.keys(v.device).length) body['attributes'] = v.device;
      const r = await resolve(body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const servesNew = r.json.release?.releaseId === `t${versionCode}`;
      assert.equal(servesNew, v.matches, JSON.stringify(v) + JSON.stringify(r.json));
      if (!v.matches) assert.ok(r.json.reason, 'says why');
    }
    // The rules are signed inside the director pointer.
    const p = (await pointer(t, APP, rootBytes))!;
    assert.deepEqual(p.targeting, targetingVectors.vectors.at(-1)!.rules);
  });

  it('rollout vectors: the server includes a device exactly when its bucket is below the basis points', async () => {
    // Pointer salts are random per pointer, so use the signed salt and the vector's formula.
    let versionCode = 100;
    const res = await publish(t, APP, keys, { releaseId: 'roll', versionCode: ++versionCode }, { basisPoints: 5000 });
    assert.equal(res.status, 201);
    const salt = (await pointer(t, APP, rootBytes))!.rollout.salt;
    for (const v of rolloutVectors.vectors) {
      if (v.deviceId === '') continue;
      const r = await resolve({ deviceId: v.deviceId });
      const inside = rolloutBucket(salt, v.deviceId) < 5000;
      assert.equal(r.json.release?.releaseId === 'roll', inside, v.deviceId);
    }
    // And the committed vectors themselves hold for the function the server runs.
    for (const v of rolloutVectors.vectors) assert.equal(rolloutBucket(v.salt, v.deviceId), v.bucket);
  });

  it('publish refuses bad targeting rules with 400 naming the field', async () => {
    const res = await publish(
      t,
      APP,
      keys,
      { releaseId: 'bad', versionCode: 999 },
      { targeting: { appVersion: '>=>2' } },
    );
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /targeting\.appVersion/);
  });
});

describe('scheduled start', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let rootBytes: Uint8Array;
  const APP = 'cp.sched';
  before(async () => {
    t = await startTestServer({ schedulerIntervalMs: 100 });
    ({ keys, rootBytes } = await createTrustedApp(t, APP));
  });
  after(async () => t.stop());

  it('a release published with startAt reaches the channel only once the time has come', async () => {
    let res = await publish(t, APP, keys, { releaseId: 's1', versionCode: 1 });
    assert.equal(res.status, 201);
    const startAt = new Date(Date.now() + 1500).toISOString();
    res = await publish(t, APP, keys, { releaseId: 's2', versionCode: 2 }, { startAt, basisPoints: 3000 });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal((await pointer(t, APP, rootBytes))!.releaseId, 's1', 'not before its start time');
    const shown = await t.api('GET', `/v1/apps/${APP}/releases/s2`);
    assert.equal(shown.json.schedules[0].status, 'scheduled');
    const deadline = Date.now() + 10_000;
    while ((await pointer(t, APP, rootBytes))!.releaseId !== 's2') {
      assert.ok(Date.now() < deadline, 'the scheduled start was applied');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(Date.now() >= Date.parse(startAt));
    const p = (await pointer(t, APP, rootBytes))!;
    assert.equal(p.rollout.basisPoints, 3000);
    assert.equal(p.previous?.releaseId, 's1');
    const audit = await t.api('GET', `/v1/audit?app=${APP}`);
    assert.ok(audit.json.entries.some((e: { action: string }) => e.action === 'schedule.apply'));
  });
});
