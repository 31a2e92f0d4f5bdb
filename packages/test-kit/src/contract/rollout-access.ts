import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyFile } from '@updraft/signing';
import type { OnlineRole, ReleaseRecord, ScheduledDeployment } from '@updraft/server';
import { NOW, storeTest, type MetadataBackend } from './store-backend.js';

/**
 * The store methods the metadata-store suite leaves out: online key rotation and expiry
 * policy (trust), embedded bundles, channel protection and release extras (rollout),
 * organizations, principals, schedules and audit by app (access), on each backend.
 */

const onlineKeys = () =>
  ({
    snapshot: generateKeyFile(),
    timestamp: generateKeyFile(),
    director: generateKeyFile(),
  }) as Record<OnlineRole, ReturnType<typeof generateKeyFile>>;

const release = (appId: string, releaseId: string, releasesVersion: number): ReleaseRecord => ({
  appId,
  releaseId,
  versionCode: releasesVersion,
  epoch: 0,
  platform: 'ios',
  runtimeVersion: '1.0.0',
  channel: 'production',
  manifestSha256: randomBytes(32).toString('hex'),
  manifestLength: 10,
  releasesVersion,
  createdAt: NOW,
});

export function rolloutAccessContract(backend: MetadataBackend): void {
  const t = (name: string, body: Parameters<typeof storeTest>[3]) => storeTest(backend, 'store', name, body);

  t('trust: online keys rotate through candidates, expiry policy per app, ping', async (store) => {
    await store.ping();
    const keys = onlineKeys();
    await store.trust.createApp({ appId: 't', createdAt: NOW, onlineKeys: keys });
    await store.trust.createApp({ appId: 'u', createdAt: NOW, onlineKeys: onlineKeys() });
    const next = generateKeyFile();
    const later = generateKeyFile();
    await store.trust.addOnlineKeyCandidate('t', {
      role: 'timestamp',
      key: later,
      createdAt: '2026-11-22T20:00:02.000Z',
    });
    await store.trust.addOnlineKeyCandidate('t', {
      role: 'timestamp',
      key: next,
      createdAt: '2026-11-22T20:00:01.000Z',
    });
    const snapshot = generateKeyFile();
    await store.trust.addOnlineKeyCandidate('t', { role: 'snapshot', key: snapshot, createdAt: NOW });
    assert.deepEqual(
      (await store.trust.listOnlineKeyCandidates('t')).map((c) => [c.role, c.key.keyid]),
      [
        ['snapshot', snapshot.keyid],
        ['timestamp', next.keyid],
        ['timestamp', later.keyid],
      ],
      'oldest first',
    );
    assert.deepEqual(await store.trust.listOnlineKeyCandidates('u'), []);
    await store.trust.setOnlineKey('t', 'timestamp', next, '2026-11-23T00:00:00.000Z');
    assert.deepEqual(await store.trust.getOnlineKeys('t'), { ...keys, timestamp: next });
    assert.deepEqual(
      (await store.trust.listOnlineKeyCandidates('t')).filter((c) => c.role === 'timestamp').map((c) => c.key.keyid),
      [later.keyid],
      'the key in use is no longer a candidate; the others stay',
    );
    assert.notEqual((await store.trust.getOnlineKeys('u'))?.timestamp.keyid, next.keyid, 'other apps keep their keys');

    assert.equal(await store.trust.getExpiryPolicy('t'), null);
    await store.trust.putExpiryPolicy('t', { timestamp: 3600 }, NOW);
    await store.trust.putExpiryPolicy('t', { snapshot: 7200 }, '2026-11-23T00:00:00.000Z');
    assert.deepEqual(await store.trust.getExpiryPolicy('t'), { snapshot: 7200 }, 'replaced whole');
    assert.equal(await store.trust.getExpiryPolicy('u'), null);
  });

  t('embedded bundles: one per (app, platform, runtime), replaced, files in order', async (store) => {
    await store.trust.createApp({ appId: 'e', createdAt: NOW, onlineKeys: onlineKeys() });
    const files = [
      { path: 'index.bundle', sha256: 'a'.repeat(64), length: 10 },
      { path: 'assets/logo.png', sha256: 'b'.repeat(64), length: 20 },
    ];
    assert.equal(await store.releases.getEmbeddedBundle('e', 'ios', '1.0.0'), null);
    const bundle = { platform: 'ios', runtimeVersion: '1.0.0', files, registeredAt: NOW };
    await store.releases.putEmbeddedBundle('e', bundle);
    await store.releases.putEmbeddedBundle('e', { ...bundle, platform: 'android' });
    assert.deepEqual(await store.releases.getEmbeddedBundle('e', 'ios', '1.0.0'), bundle);
    const again = { ...bundle, files: files.slice(1), registeredAt: '2026-11-23T00:00:00.000Z' };
    await store.releases.putEmbeddedBundle('e', again);
    assert.deepEqual(await store.releases.getEmbeddedBundle('e', 'ios', '1.0.0'), again);
    assert.equal((await store.releases.getEmbeddedBundle('e', 'android', '1.0.0'))?.files.length, 2);
    assert.equal(await store.releases.getEmbeddedBundle('e', 'ios', '2.0.0'), null);
  });

  t('channels protected, release notes and disabling', async (store) => {
    await store.trust.createApp({ appId: 'c', createdAt: NOW, onlineKeys: onlineKeys() });
    assert.equal(await store.rollout.createChannel('c', 'production', true, NOW), true);
    assert.equal(await store.rollout.createChannel('c', 'production', false, NOW), false, 'exists');
    assert.deepEqual(await store.rollout.getChannel('c', 'production'), {
      name: 'production',
      protected: true,
      createdAt: NOW,
    });
    assert.equal(await store.rollout.getChannel('c', 'beta'), null);
    await store.rollout.setChannelProtected('c', 'production', false);
    assert.equal((await store.rollout.getChannel('c', 'production'))?.protected, false);
    assert.deepEqual(
      (await store.rollout.listChannels('c')).map((ch) => [ch.name, ch.protected]),
      [['production', false]],
    );

    await store.releases.insertRelease(release('c', 'r1', 2));
    assert.deepEqual(await store.releases.getReleaseExtras('c', 'r1'), { notes: null, disabledAt: null });
    assert.equal(await store.releases.getReleaseExtras('c', 'r9'), null);
    await store.releases.setReleaseNotes('c', 'r1', 'Fixes the login crash');
    await store.releases.setReleaseDisabled('c', 'r1', NOW);
    assert.deepEqual(await store.releases.getReleaseExtras('c', 'r1'), {
      notes: 'Fixes the login crash',
      disabledAt: NOW,
    });
    await store.releases.setReleaseNotes('c', 'r1', null);
    assert.equal((await store.releases.getReleaseExtras('c', 'r1'))?.notes, null);
  });

  t(
    'organizations and principals listed; schedules listed, filtered, pending per principal; audit by app',
    async (store) => {
      await store.access.createOrganization({ id: 'zeta', name: 'Zeta', createdAt: NOW });
      await store.access.createOrganization({ id: 'acme', name: 'Acme', createdAt: NOW });
      assert.deepEqual(
        (await store.access.listOrganizations()).map((o) => o.id),
        ['acme', 'default', 'zeta'],
      );

      const principal = (id: string, createdAt: string, orgId = 'acme') => ({
        id,
        orgId,
        name: id,
        kind: 'member' as const,
        role: 'viewer' as const,
        scopes: ['*'],
        keySha256: id.padEnd(64, '0'),
        createdAt,
        createdBy: 'owner',
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        apps: null,
      });
      await store.access.insertPrincipal(principal('pb', NOW));
      await store.access.insertPrincipal(principal('pa', NOW));
      await store.access.insertPrincipal(principal('p0', '2026-11-22T19:00:00.000Z'));
      await store.access.insertPrincipal(principal('px', NOW, 'zeta'));
      assert.deepEqual(
        (await store.access.listPrincipals('acme')).map((p) => p.id),
        ['p0', 'pa', 'pb'],
        'oldest first, then by id',
      );
      assert.deepEqual(await store.access.listPrincipals('none'), []);

      await store.trust.createApp({ appId: 's', createdAt: NOW, onlineKeys: onlineKeys() });
      await store.releases.insertRelease(release('s', 'r1', 2));
      await store.releases.insertRelease(release('s', 'r2', 3));
      await store.rollout.ensureChannel('s', 'production', NOW);
      const schedule = (id: string, releaseId: string, startAt: string, createdBy: string): ScheduledDeployment => ({
        id,
        appId: 's',
        channel: 'production',
        releaseId,
        basisPoints: 1000,
        mandatory: true,
        targeting: null,
        startAt,
        status: 'scheduled',
        detail: null,
        createdAt: NOW,
        createdBy,
        updatedAt: NOW,
      });
      await store.rollout.insertSchedule(schedule('s3', 'r2', '2026-11-23T03:00:00.000Z', 'pa'));
      await store.rollout.insertSchedule(schedule('s1', 'r1', '2026-11-23T01:00:00.000Z', 'pa'));
      await store.rollout.insertSchedule(schedule('s2', 'r1', '2026-11-23T02:00:00.000Z', 'pb'));
      assert.equal(await store.rollout.setScheduleStatus('s2', 'scheduled', 'cancelled', NOW, 'by hand'), true);
      assert.equal(
        await store.rollout.setScheduleStatus('s2', 'scheduled', 'applied', NOW),
        false,
        'no longer scheduled',
      );
      assert.deepEqual(
        (await store.rollout.listSchedules('s')).map((s) => [s.id, s.status]),
        [
          ['s1', 'scheduled'],
          ['s2', 'cancelled'],
          ['s3', 'scheduled'],
        ],
      );
      assert.deepEqual(
        (await store.rollout.listSchedules('s', { releaseId: 'r1' })).map((s) => s.id),
        ['s1', 's2'],
      );
      const cancelled = await store.rollout.listSchedules('s', { status: 'cancelled' });
      assert.deepEqual(
        cancelled.map((s) => [s.id, s.detail]),
        [['s2', 'by hand']],
      );
      assert.deepEqual(await store.rollout.listSchedules('s', { releaseId: 'r2', status: 'cancelled' }), []);
      assert.deepEqual(
        (await store.rollout.pendingSchedulesBy('pa')).map((s) => s.id),
        ['s1', 's3'],
      );
      assert.deepEqual(await store.rollout.pendingSchedulesBy('pb'), [], 'a cancelled start is not pending');

      const entry = (seq: number, appId: string | null) => ({
        orgId: 'acme',
        seq,
        appId,
        actorId: 'pa',
        actorName: 'pa',
        actorRole: 'viewer',
        actorKind: 'member',
        action: 'channel.update',
        target: `${appId}/production`,
        releaseId: null,
        manifestSha256: null,
        signingKeyIds: [],
        details: {},
        requestId: `req-${seq}`,
        at: NOW,
        prevHash: `${seq - 1}`.padStart(64, '0'),
        appPrevHash: null,
        hash: `${seq}`.padStart(64, '0'),
      });
      assert.equal(await store.access.lastAuditOfApp('acme', 's'), null);
      await store.access.insertAudit(entry(1, 's'));
      await store.access.insertAudit(entry(2, 'other'));
      await store.access.insertAudit(entry(3, null));
      assert.equal((await store.access.lastAuditOfApp('acme', 's'))?.seq, 1);
      assert.equal((await store.access.lastAudit('acme'))?.seq, 3);
      assert.deepEqual(
        (await store.access.listAudit('acme', { appId: 's' })).map((e) => e.seq),
        [1],
      );
      assert.deepEqual(
        (await store.access.listAudit('acme', { limit: 2 })).map((e) => e.seq),
        [1, 2],
      );
      assert.deepEqual(await store.access.listAudit('zeta', {}), []);
    },
  );
}
