import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyFile } from '@updraft/signing';
import type { OnlineRole, ReleaseRecord, StoredMetadata } from '@updraft/server';
import { NOW, storeTest, type MetadataBackend } from './store-backend.js';

export type { MetadataBackend } from './store-backend.js';

/** By name: the store comes from the server's source, and this kit sees only its built types. */
const StoreConflictError = { name: 'StoreConflictError' };

function onlineKeys() {
  return {
    snapshot: generateKeyFile(),
    timestamp: generateKeyFile(),
    director: generateKeyFile(),
  } as Record<OnlineRole, ReturnType<typeof generateKeyFile>>;
}

function metadata(appId: string, role: StoredMetadata['role'], version: number, bytes?: Uint8Array): StoredMetadata {
  const b = bytes ?? new TextEncoder().encode(`{"role":"${role}","version":${version}}`);
  return {
    appId,
    role,
    version,
    bytes: b,
    sha256: `${version}`.padStart(64, '0'),
    length: b.length,
    expiresAt: '2027-01-01T00:00:00Z',
    createdAt: NOW,
  };
}

function release(
  appId: string,
  releaseId: string,
  versionCode: number,
  releasesVersion: number,
  channel = 'production',
): ReleaseRecord {
  return {
    appId,
    releaseId,
    versionCode,
    epoch: 0,
    platform: 'ios',
    runtimeVersion: '1.0.0',
    channel,
    manifestSha256: randomBytes(32).toString('hex'),
    manifestLength: 123,
    releasesVersion,
    createdAt: NOW,
  };
}

export function metadataStoreContract(backend: MetadataBackend): void {
  const withStore = (name: string, body: Parameters<typeof storeTest>[3]) =>
    storeTest(backend, 'metadata store', name, body);

  withStore('apps: create once, read back, online keys and trust flag', async (store) => {
    const keys = onlineKeys();
    assert.equal(await store.trust.createApp({ appId: 'app.b', createdAt: NOW, onlineKeys: keys }), true);
    assert.equal(await store.trust.createApp({ appId: 'app.b', createdAt: NOW, onlineKeys: onlineKeys() }), false);
    assert.equal(await store.trust.createApp({ appId: 'app.a', createdAt: NOW, onlineKeys: onlineKeys() }), true);
    assert.deepEqual(
      (await store.trust.listApps()).map((a) => a.appId),
      ['app.a', 'app.b'],
    );
    assert.deepEqual(await store.trust.getApp('app.b'), { appId: 'app.b', createdAt: NOW, trustInitializedAt: null });
    assert.equal(await store.trust.getApp('nope'), null);
    assert.deepEqual(
      await store.trust.getOnlineKeys('app.b'),
      keys,
      'the first keys stay: a second create changed nothing',
    );
    assert.equal(await store.trust.getOnlineKeys('nope'), null);
    await store.trust.markTrustInitialized('app.b', NOW);
    assert.equal((await store.trust.getApp('app.b'))?.trustInitializedAt, NOW);
  });

  withStore('apps and organizations: a transaction that locks one waits for the one holding it', async (store) => {
    await store.trust.createApp({ appId: 'lock', createdAt: NOW, onlineKeys: onlineKeys() });
    await store.access.createOrganization({ id: 'lock-org', name: 'Lock', createdAt: NOW });
    const locks = [(tx: typeof store) => tx.trust.lockApp('lock'), (tx: typeof store) => tx.access.lockOrg('lock-org')];
    for (const lock of locks) {
      const order: string[] = [];
      let locked!: () => void;
      const firstLocked = new Promise<void>((resolve) => (locked = resolve));
      const first = store.transaction(async (tx) => {
        await lock(tx);
        order.push('first locked');
        locked();
        await new Promise((resolve) => setTimeout(resolve, 200));
        order.push('first done');
      });
      await firstLocked;
      const second = store.transaction(async (tx) => {
        await lock(tx);
        order.push('second locked');
      });
      await Promise.all([first, second]);
      assert.deepEqual(order, ['first locked', 'first done', 'second locked']);
    }
    assert.deepEqual(await store.trust.getApp('lock'), { appId: 'lock', createdAt: NOW, trustInitializedAt: null });
    assert.equal(await store.access.getAuditWebhook('lock-org'), null);
  });

  withStore('metadata: exact bytes back, latest version, duplicate version conflicts', async (store) => {
    await store.trust.createApp({ appId: 'm', createdAt: NOW, onlineKeys: onlineKeys() });
    const binary = new Uint8Array([0, 255, 1, 128, 10, 13, 0]);
    await store.trust.putMetadata(metadata('m', 'root', 1, binary));
    await store.trust.putMetadata(metadata('m', 'root', 2));
    await store.trust.putMetadata(metadata('m', 'timestamp', 1));
    const got = await store.trust.getMetadata('m', 'root', 1);
    assert.deepEqual(Array.from(got!.bytes), Array.from(binary));
    assert.equal(got!.length, binary.length);
    assert.equal(got!.version, 1);
    assert.equal(got!.expiresAt, '2027-01-01T00:00:00Z');
    assert.equal((await store.trust.getLatestMetadata('m', 'root'))?.version, 2);
    assert.equal(await store.trust.getLatestMetadata('m', 'snapshot'), null);
    assert.equal(await store.trust.getLatestMetadataVersion('m', 'root'), 2);
    assert.equal(await store.trust.getLatestMetadataVersion('m', 'snapshot'), null);
    assert.equal(await store.trust.getMetadata('m', 'root', 3), null);
    await assert.rejects(store.trust.putMetadata(metadata('m', 'root', 2)), StoreConflictError);
  });

  withStore('transactions: all writes commit together, a throw rolls every write back', async (store) => {
    await store.trust.createApp({ appId: 't', createdAt: NOW, onlineKeys: onlineKeys() });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.trust.putMetadata(metadata('t', 'director', 1));
        await tx.rollout.ensureChannel('t', 'beta', NOW);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.trust.getMetadata('t', 'director', 1), null);
    assert.deepEqual(await store.rollout.listChannels('t'), []);
    const out = await store.transaction(async (tx) => {
      await tx.trust.putMetadata(metadata('t', 'director', 1));
      await tx.rollout.ensureChannel('t', 'beta', NOW);
      return 42;
    });
    assert.equal(out, 42);
    assert.equal((await store.trust.getMetadata('t', 'director', 1))?.version, 1);
    assert.equal((await store.rollout.listChannels('t')).length, 1);
  });

  withStore('blobs: ownership per app, idempotent, lookups past the IN-list chunk', async (store) => {
    await store.trust.createApp({ appId: 'x', createdAt: NOW, onlineKeys: onlineKeys() });
    await store.trust.createApp({ appId: 'y', createdAt: NOW, onlineKeys: onlineKeys() });
    const hashes = Array.from({ length: 1203 }, () => randomBytes(32).toString('hex'));
    await store.transaction(async (tx) => {
      for (const [i, h] of hashes.entries()) await tx.releases.addAppBlob('x', { sha256: h, length: i }, NOW);
    });
    await store.releases.addAppBlob('x', { sha256: hashes[0]!, length: 0 }, NOW);
    await store.releases.addAppBlob('y', { sha256: hashes[1]!, length: 1 }, NOW);
    const unknown = randomBytes(32).toString('hex');
    const found = await store.releases.findAppBlobs('x', [...hashes, unknown, hashes[5]!]);
    assert.equal(found.size, hashes.length);
    assert.equal(found.get(hashes[1202]!), 1202);
    assert.equal(found.has(unknown), false);
    const foundY = await store.releases.findAppBlobs('y', hashes.slice(0, 3));
    assert.deepEqual([...foundY.keys()], [hashes[1]], 'an app sees only its own blobs');
    // listBlobs pages through all of them in hash order, or one app's.
    const listed: { sha256: string; length: number }[] = [];
    for (let after: string | undefined; ;) {
      const page = await store.releases.listBlobs({ limit: 500, ...(after ? { after } : {}) });
      listed.push(...page);
      if (page.length < 500) break;
      after = page[page.length - 1]!.sha256;
    }
    assert.deepEqual(
      listed.map((b) => b.sha256),
      [...hashes].sort(),
    );
    assert.equal(listed.find((b) => b.sha256 === hashes[7])?.length, 7);
    assert.deepEqual(await store.releases.listBlobs({ appId: 'y', limit: 10 }), [{ sha256: hashes[1], length: 1 }]);
  });

  withStore('releases: insert, conflict, newest first, channel filter, max versionCode', async (store) => {
    await store.trust.createApp({ appId: 'r', createdAt: NOW, onlineKeys: onlineKeys() });
    assert.equal(await store.releases.maxVersionCode('r', 'ios', '1.0.0'), null);
    await store.releases.insertRelease(release('r', 'r1', 10, 2));
    await store.releases.insertRelease(release('r', 'r2', 12, 3, 'beta'));
    await store.releases.insertRelease(release('r', 'r3', 11, 4));
    await assert.rejects(store.releases.insertRelease(release('r', 'r1', 99, 9)), StoreConflictError);
    assert.deepEqual(
      (await store.releases.listReleases('r', { limit: 10 })).map((r) => r.releaseId),
      ['r3', 'r2', 'r1'],
    );
    assert.deepEqual(
      (await store.releases.listReleases('r', { limit: 1, channel: 'production' })).map((r) => r.releaseId),
      ['r3'],
    );
    assert.equal(await store.releases.maxVersionCode('r', 'ios', '1.0.0'), 12);
    assert.equal(await store.releases.maxVersionCode('r', 'android', '1.0.0'), null);
    const r2 = await store.releases.getRelease('r', 'r2');
    assert.equal(r2?.versionCode, 12);
    assert.equal(r2?.releasesVersion, 3);
    assert.equal(typeof r2?.manifestLength, 'number');
  });

  withStore('channels and pointers: ensure is idempotent, pointers upsert', async (store) => {
    await store.trust.createApp({ appId: 'p', createdAt: NOW, onlineKeys: onlineKeys() });
    await store.releases.insertRelease(release('p', 'a', 1, 2));
    await store.releases.insertRelease(release('p', 'b', 2, 3));
    await store.rollout.ensureChannel('p', 'production', NOW);
    await store.rollout.ensureChannel('p', 'production', '2030-01-01T00:00:00Z');
    await store.rollout.ensureChannel('p', 'beta', NOW);
    assert.deepEqual(
      (await store.rollout.listChannels('p')).map((c) => [c.name, c.protected, c.createdAt]),
      [
        ['beta', false, NOW],
        ['production', false, NOW],
      ],
    );
    const pointer = {
      appId: 'p',
      channel: 'production',
      platform: 'ios',
      runtimeVersion: '1.0.0',
      releaseId: 'a',
      previousReleaseId: null,
      basisPoints: 10000,
      salt: 'salt',
      mandatory: false,
      haltedAt: null,
      targeting: null,
      previousTargeting: null,
      updatedAt: NOW,
    };
    const next = {
      ...pointer,
      releaseId: 'b',
      previousReleaseId: 'a',
      basisPoints: 2500,
      mandatory: true,
      haltedAt: NOW,
      targeting: { minAppVersion: '2.0.0' },
    };
    await store.rollout.putPointer(pointer);
    await store.rollout.putPointer(next);
    assert.deepEqual(await store.rollout.getPointer('p', 'production', 'ios', '1.0.0'), next);
    assert.equal(await store.rollout.getPointer('p', 'beta', 'ios', '1.0.0'), null);
    assert.deepEqual(await store.rollout.listPointers('p'), [next]);
    await store.rollout.putPointer({
      ...next,
      haltedAt: null,
      targeting: null,
      previousTargeting: { country: ['DE'] },
    });
    const cleared = await store.rollout.getPointer('p', 'production', 'ios', '1.0.0');
    assert.deepEqual(
      [cleared?.haltedAt, cleared?.targeting, cleared?.previousTargeting],
      [null, null, { country: ['DE'] }],
      'a put replaces every field, nulls included',
    );
    await store.rollout.deletePointer('p', 'production', 'ios', '1.0.0');
    assert.deepEqual(await store.rollout.listPointers('p'), []);
  });

  withStore('API keys: count, find by hash, touch', async (store) => {
    assert.equal(await store.access.countApiKeys(), 0);
    const key = {
      id: 'k1',
      name: 'ci',
      keySha256: 'a'.repeat(64),
      role: 'owner',
      createdAt: NOW,
      lastUsedAt: null,
      revokedAt: null,
    };
    await store.access.insertApiKey(key);
    assert.equal(await store.access.countApiKeys(), 1);
    assert.deepEqual(await store.access.findApiKeyBySha256('a'.repeat(64)), key);
    assert.equal(await store.access.findApiKeyBySha256('b'.repeat(64)), null);
    await store.access.touchApiKey('k1', '2026-12-01T00:00:00.000Z');
    assert.equal((await store.access.findApiKeyBySha256('a'.repeat(64)))?.lastUsedAt, '2026-12-01T00:00:00.000Z');
  });

  withStore(
    'transparency log: keys, leaves by index and hash, checkpoints, cosignatures, in transactions',
    async (store) => {
      const key = { logId: 'l', origin: 'o', signerKey: 's', verifierKey: 'v', createdAt: NOW };
      assert.equal(await store.transparencyLog.insertKey(key), true);
      assert.equal(await store.transparencyLog.insertKey({ ...key, origin: 'other' }), false);
      assert.deepEqual(await store.transparencyLog.getKey('l'), key);
      assert.equal(await store.transparencyLog.size('l'), 0);
      const leaf = (index: number) => ({
        logId: 'l',
        index,
        leafHash: new Uint8Array(32).fill(index + 1),
        data: new Uint8Array([0, 255, index]),
        createdAt: NOW,
      });
      await store.transaction(async (tx) => {
        for (let i = 0; i < 3; i++) await tx.transparencyLog.appendLeaf(leaf(i));
      });
      await assert.rejects(store.transparencyLog.appendLeaf(leaf(2)), StoreConflictError);
      assert.equal(await store.transparencyLog.size('l'), 3);
      assert.deepEqual(
        (await store.transparencyLog.leafHashes('l', 2)).map((h) => Array.from(h)),
        [Array.from(leaf(0).leafHash), Array.from(leaf(1).leafHash)],
      );
      const got = await store.transparencyLog.leaves('l', 1, 3);
      assert.deepEqual(
        got.map((l) => [l.index, Array.from(l.data)]),
        [
          [1, [0, 255, 1]],
          [2, [0, 255, 2]],
        ],
      );
      assert.equal(await store.transparencyLog.findLeaf('l', leaf(2).leafHash, 3), 2);
      assert.equal(await store.transparencyLog.findLeaf('l', leaf(2).leafHash, 2), null);
      await store.transparencyLog.putCheckpoint('l', 2, 'note2', NOW);
      await store.transparencyLog.putCheckpoint('l', 3, 'note3', NOW);
      await store.transparencyLog.putCheckpoint('l', 3, 'note3b', NOW);
      assert.deepEqual(await store.transparencyLog.latestCheckpoint('l'), { size: 3, note: 'note3b' });
      await store.transparencyLog.addCosignature('l', 3, 'line-a', NOW);
      await store.transparencyLog.addCosignature('l', 3, 'line-a', NOW);
      await store.transparencyLog.addCosignature('l', 3, 'line-b', NOW);
      assert.deepEqual((await store.transparencyLog.cosignatures('l', 3)).sort(), ['line-a', 'line-b']);
    },
  );

  withStore('control plane: organizations, principals, schedules claimed once, audit chain per org', async (store) => {
    assert.ok(await store.access.getOrganization('default'), 'the migration creates the default organization');
    assert.equal(await store.access.createOrganization({ id: 'acme', name: 'Acme', createdAt: NOW }), true);
    assert.equal(await store.access.createOrganization({ id: 'acme', name: 'Again', createdAt: NOW }), false);
    await store.trust.createApp({ appId: 'cp.app', createdAt: NOW, onlineKeys: onlineKeys() });
    await store.access.setAppOrg('cp.app', 'acme');
    assert.equal(await store.access.getAppOrg('cp.app'), 'acme');
    assert.deepEqual(await store.access.listAppIds('acme'), ['cp.app']);
    // The organization's opaque audit-anchor id is set once and kept; its alert mark is a compare-and-set.
    assert.equal(await store.access.ensureOrgAnchorId('acme', 'a'.repeat(32)), 'a'.repeat(32));
    assert.equal(await store.access.ensureOrgAnchorId('acme', 'b'.repeat(32)), 'a'.repeat(32));
    assert.equal(await store.access.getAuditWebhook('acme'), null);
    await store.access.setAuditWebhook('acme', 'https://hooks.example.com/a');
    assert.equal(await store.access.getAuditWebhook('acme'), 'https://hooks.example.com/a');
    assert.equal(await store.access.setAuditAlertAnchor('acme', 4), true);
    assert.equal(await store.access.setAuditAlertAnchor('acme', 4), false, 'the same anchor alerts once');
    assert.equal(await store.access.setAuditAlertAnchor('acme', null), true);
    assert.equal(await store.access.setAuditAlertAnchor('acme', null), false);

    const principal = {
      id: 'p1',
      orgId: 'acme',
      name: 'ci',
      kind: 'service' as const,
      role: 'release-manager' as const,
      scopes: ['read', 'publish'],
      keySha256: 'c'.repeat(64),
      createdAt: NOW,
      createdBy: null,
      expiresAt: '2027-01-01T00:00:00Z',
      lastUsedAt: null,
      revokedAt: null,
      apps: ['cp.app', 'other.app'],
    };
    await store.access.insertPrincipal(principal);
    assert.deepEqual(await store.access.findPrincipalBySha256('c'.repeat(64)), principal);
    await store.access.revokePrincipal('p1', NOW);
    assert.equal((await store.access.getPrincipal('p1'))?.revokedAt, NOW);

    await store.releases.insertRelease(release('cp.app', 'r1', 1, 2));
    await store.rollout.ensureChannel('cp.app', 'production', NOW);
    const schedule = {
      id: 's1',
      appId: 'cp.app',
      channel: 'production',
      releaseId: 'r1',
      basisPoints: 500,
      mandatory: false,
      targeting: { minAppVersion: '1.0.0' },
      startAt: '2026-11-22T21:00:00.000Z',
      status: 'scheduled' as const,
      detail: null,
      createdAt: NOW,
      createdBy: 'p1',
      updatedAt: NOW,
    };
    await store.rollout.insertSchedule(schedule);
    assert.deepEqual(await store.rollout.dueSchedules('2026-11-22T20:59:59.000Z', 10), []);
    assert.deepEqual(await store.rollout.dueSchedules('2026-11-22T21:00:00.000Z', 10), [schedule]);
    const claims = await Promise.all([
      store.rollout.setScheduleStatus('s1', 'scheduled', 'applied', NOW),
      store.rollout.setScheduleStatus('s1', 'scheduled', 'applied', NOW),
    ]);
    assert.deepEqual(claims.sort(), [false, true], 'a schedule is claimed once');

    const entry = (seq: number) => ({
      orgId: 'acme',
      seq,
      appId: 'cp.app',
      actorId: 'p1',
      actorName: 'ci',
      actorRole: 'release-manager',
      actorKind: 'service',
      action: 'release.publish',
      target: 'cp.app/r1',
      releaseId: 'r1',
      manifestSha256: null,
      signingKeyIds: ['k1'],
      details: { n: seq },
      requestId: `req-${seq}`,
      at: NOW,
      prevHash: `${seq - 1}`.padStart(64, '0'),
      appPrevHash: null,
      hash: `${seq}`.padStart(64, '0'),
    });
    await store.access.insertAudit(entry(1));
    await store.access.insertAudit(entry(2));
    await assert.rejects(
      store.access.insertAudit(entry(2)),
      StoreConflictError,
      'two writers cannot both take one seq',
    );
    assert.equal((await store.access.lastAudit('acme'))?.seq, 2);
    assert.deepEqual(await store.access.listAudit('acme', { afterSeq: 1 }), [entry(2)]);
  });

  withStore(
    'sign-in attempts: atomic per key under parallel calls, a new window after it ends, eviction by age',
    async (store) => {
      const t0 = 1_800_000_000_000;
      const counts = await Promise.all(
        Array.from({ length: 20 }, () => store.access.reserveSignInAttempt('k'.repeat(64), t0, 1000)),
      );
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
        'every parallel attempt got its own count',
      );
      assert.equal(await store.access.reserveSignInAttempt('o'.repeat(64), t0 + 500, 1000), 1, 'counts are per key');
      assert.equal(await store.access.reserveSignInAttempt('k'.repeat(64), t0 + 1000, 1000), 1, 'the window ended');
      await store.access.evictSignInAttempts(t0 + 600);
      assert.equal(await store.access.reserveSignInAttempt('o'.repeat(64), t0 + 700, 1000), 1, 'evicted by age');
      assert.equal(await store.access.reserveSignInAttempt('k'.repeat(64), t0 + 700, 1000), 2, 'a newer window stays');
      await store.access.clearSignInAttempts('k'.repeat(64));
      assert.equal(await store.access.reserveSignInAttempt('k'.repeat(64), t0 + 800, 1000), 1, 'cleared');
    },
  );

  withStore('users: an email is unique per organization, not across organizations', async (store) => {
    const user = (id: string, orgId: string) => ({
      id,
      orgId,
      email: 'same@example.com',
      role: 'viewer' as const,
      passwordHash: 'scrypt$x',
      createdAt: '2026-11-22T20:00:00.000Z',
      createdBy: 'owner',
      disabledAt: null,
    });
    assert.equal(await store.access.insertUser(user('u1', 'acme')), true);
    assert.equal(await store.access.insertUser(user('u2', 'acme')), false, 'taken in this organization');
    assert.equal(await store.access.insertUser(user('u3', 'other')), true, 'free in another one');
    assert.equal((await store.access.findUserByEmail('other', 'same@example.com'))?.id, 'u3');
    assert.equal((await store.access.findUserByEmail('acme', 'same@example.com'))?.id, 'u1');
    assert.equal(await store.access.findUserByEmail('third', 'same@example.com'), null);
  });

  withStore('leases: one holder at a time, renewal, expiry, release', async (store) => {
    const t0 = 1_800_000_000_000;
    assert.equal(await store.leases.tryAcquireLease('job', 'A', 1000, t0), true);
    assert.equal(await store.leases.tryAcquireLease('job', 'B', 1000, t0 + 10), false, 'held by A');
    assert.equal(await store.leases.tryAcquireLease('other', 'B', 1000, t0 + 10), true, 'leases are per name');
    assert.equal(await store.leases.tryAcquireLease('job', 'A', 1000, t0 + 500), true, 'A renews');
    assert.equal(await store.leases.tryAcquireLease('job', 'B', 1000, t0 + 1400), false, 'renewal moved the expiry');
    assert.equal(await store.leases.tryAcquireLease('job', 'B', 1000, t0 + 1500), true, 'expired: B takes over');
    assert.equal(await store.leases.tryAcquireLease('job', 'A', 1000, t0 + 1600), false);
    await store.leases.releaseLease('job', 'A'); // not A's: no effect
    assert.equal(await store.leases.tryAcquireLease('job', 'A', 1000, t0 + 1700), false);
    await store.leases.releaseLease('job', 'B');
    assert.equal(await store.leases.tryAcquireLease('job', 'A', 1000, t0 + 1800), true);
  });

  withStore('leases: of many racing stores on one database exactly one wins', async (_store, open) => {
    const stores = [await open(), await open(), await open()];
    const t0 = 1_800_000_000_000;
    for (let round = 0; round < 5; round++) {
      const now = t0 + round * 10_000;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.leases.tryAcquireLease('race', `h${round}-${i}`, 5000, now),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(results)}`);
    }
  });

  withStore(
    'codepush: deployments unique by key and name, packages idempotent, labels in order, diffs',
    async (store) => {
      await store.trust.createApp({ appId: 'cp', createdAt: NOW, onlineKeys: onlineKeys() });
      const d = {
        deploymentKey: 'Key_0123456789',
        appId: 'cp',
        name: 'Production',
        channel: 'production',
        platform: 'android',
        hashSecret: 'ab'.repeat(32),
        createdAt: NOW,
      };
      assert.equal(await store.codepush.insertDeployment(d), true);
      assert.equal(await store.codepush.insertDeployment({ ...d, name: 'Other' }), false, 'the key is taken');
      assert.equal(
        await store.codepush.insertDeployment({ ...d, deploymentKey: 'Key_other_123' }),
        false,
        'the name is taken',
      );
      assert.equal(
        await store.codepush.insertDeployment({ ...d, deploymentKey: 'Key_staging_1', name: 'Staging' }),
        true,
      );
      assert.deepEqual(await store.codepush.getDeployment('Key_0123456789'), d);
      assert.equal(await store.codepush.getDeployment('nope'), null);
      assert.deepEqual(
        (await store.codepush.listDeployments('cp')).map((x) => x.name),
        ['Production', 'Staging'],
      );
      assert.equal(await store.codepush.deleteDeployment('cp', 'Staging'), true);
      assert.equal(await store.codepush.deleteDeployment('cp', 'Staging'), false);

      const pkg = {
        appId: 'cp',
        releaseId: 'r1',
        packageHash: 'a'.repeat(64),
        signature: null,
        targetRange: '>=1.0.0 <2',
        zipSha256: 'b'.repeat(64),
        zipLength: 1234,
        createdAt: NOW,
      };
      await store.codepush.putPackage(pkg);
      await store.codepush.putPackage({ ...pkg, packageHash: 'c'.repeat(64) });
      assert.deepEqual(await store.codepush.getPackage('cp', 'r1'), pkg, 'the first package stays');
      await store.codepush.putPackage({
        ...pkg,
        releaseId: 'r2',
        signature: 'x.y.z',
        targetRange: null,
        zipSha256: 'd'.repeat(64),
      });
      assert.deepEqual((await store.codepush.listPackages('cp', ['r2', 'r1', 'r9'])).map((p) => p.releaseId).sort(), [
        'r1',
        'r2',
      ]);
      assert.deepEqual(await store.codepush.listPackages('cp', []), []);

      const label = { appId: 'cp', channel: 'production', platform: 'android', createdAt: NOW };
      await store.codepush.insertLabel({ ...label, seq: 2, releaseId: 'r2', mandatory: true });
      await store.codepush.insertLabel({ ...label, seq: 1, releaseId: 'r1', mandatory: false });
      await assert.rejects(store.codepush.insertLabel({ ...label, seq: 2, releaseId: 'r1', mandatory: false }));
      assert.deepEqual(
        (await store.codepush.listLabels('cp', 'production', 'android')).map((l) => [l.seq, l.releaseId, l.mandatory]),
        [
          [1, 'r1', false],
          [2, 'r2', true],
        ],
      );
      assert.deepEqual(await store.codepush.listLabels('cp', 'production', 'ios'), []);

      const diff = { appId: 'cp', releaseId: 'r2', fromHash: 'a'.repeat(64), zipSha256: 'e'.repeat(64), zipLength: 99 };
      await store.codepush.putDiff(diff);
      await store.codepush.putDiff({ ...diff, zipLength: 1 });
      assert.deepEqual(await store.codepush.getDiff('cp', 'r2', 'a'.repeat(64)), diff);
      assert.equal(await store.codepush.getDiff('cp', 'r1', 'a'.repeat(64)), null);
      assert.equal(await store.codepush.hasZip('cp', 'b'.repeat(64)), true);
      assert.equal(await store.codepush.hasZip('cp', 'e'.repeat(64)), true);
      assert.equal(await store.codepush.hasZip('cp', 'f'.repeat(64)), false);
      assert.equal(await store.codepush.hasZip('other', 'b'.repeat(64)), false);
    },
  );

  withStore(
    'expo: updates unique by release and update id, signing keys replaced, one rollback per target',
    async (store) => {
      await store.trust.createApp({ appId: 'ex', createdAt: NOW, onlineKeys: onlineKeys() });
      const u = {
        appId: 'ex',
        releaseId: 'r1',
        updateId: '0b9f1e9e-3c1d-4a8b-9a7e-1c2d3e4f5a6b',
        platform: 'ios',
        runtimeVersion: '1.0.0',
        createdAt: NOW,
        manifest: '{"id":"0b9f1e9e-3c1d-4a8b-9a7e-1c2d3e4f5a6b"}',
        signature: 'c2ln',
        keyId: 'main',
      };
      assert.equal(await store.expo.insertUpdate(u), true);
      assert.equal(await store.expo.insertUpdate({ ...u, manifest: '{}' }), false, 'one update per release');
      assert.equal(await store.expo.insertUpdate({ ...u, releaseId: 'r2' }), false, 'update ids are unique per app');
      assert.equal(
        await store.expo.insertUpdate({
          ...u,
          releaseId: 'r2',
          updateId: u.updateId.replace('0b', '1b'),
          signature: null,
          keyId: null,
        }),
        true,
      );
      assert.deepEqual(await store.expo.getUpdate('ex', 'r1'), u);
      assert.deepEqual(await store.expo.getUpdateById('ex', u.updateId), u);
      assert.equal((await store.expo.getUpdate('ex', 'r2'))?.signature, null);
      assert.equal(await store.expo.getUpdate('ex', 'r9'), null);
      assert.equal(await store.expo.getUpdateById('other', u.updateId), null);

      await store.expo.putSigningKey({ appId: 'ex', keyId: 'main', noUpdateSignature: 'b2xk', updatedAt: NOW });
      await store.expo.putSigningKey({
        appId: 'ex',
        keyId: 'main',
        noUpdateSignature: 'bmV3',
        updatedAt: '2026-11-23T00:00:00.000Z',
      });
      await store.expo.putSigningKey({
        appId: 'ex',
        keyId: 'root',
        noUpdateSignature: 'cm9vdA==',
        updatedAt: '2026-11-22T21:00:00.000Z',
      });
      assert.deepEqual(
        (await store.expo.listSigningKeys('ex')).map((k) => [k.keyId, k.noUpdateSignature]),
        [
          ['main', 'bmV3'],
          ['root', 'cm9vdA=='],
        ],
        'newest first; a key id keeps one signature',
      );
      assert.deepEqual(await store.expo.listSigningKeys('other'), []);

      const r = {
        appId: 'ex',
        channel: 'production',
        platform: 'android',
        runtimeVersion: '1.0.0',
        commitTime: NOW,
        directive: '{}',
        signature: null,
        keyId: null,
      };
      await store.expo.putRollback(r);
      await store.expo.putRollback({ ...r, commitTime: '2026-11-24T00:00:00.000Z', signature: 'c2ln', keyId: 'main' });
      assert.deepEqual(await store.expo.getRollback('ex', 'production', 'android', '1.0.0'), {
        ...r,
        commitTime: '2026-11-24T00:00:00.000Z',
        signature: 'c2ln',
        keyId: 'main',
      });
      assert.equal(await store.expo.getRollback('ex', 'production', 'ios', '1.0.0'), null);
    },
  );
}
