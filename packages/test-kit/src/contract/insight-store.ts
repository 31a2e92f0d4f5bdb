import assert from 'node:assert/strict';
import type { GuardrailConfig, GuardrailTrip, StoredEvent, WebhookDelivery } from '@updraft/server';
import { NOW, storeTest, type MetadataBackend } from './store-backend.js';

/**
 * Fleet insight storage (ingest keys, device events and rollups, event sources, guardrails
 * and trips, the webhook queue), every method, on each backend.
 */
export function insightStoreContract(backend: MetadataBackend): void {
  const insightTest = (name: string, body: Parameters<typeof storeTest>[3]) =>
    storeTest(backend, 'insight store', name, body);

  insightTest('ingest keys: find by hash, list in creation order, revoke once per app', async (store) => {
    const key = (id: string, appId: string, createdAt: string) => ({
      id,
      appId,
      name: `key ${id}`,
      keySha256: id.repeat(64).slice(0, 64),
      createdAt,
      createdBy: 'owner',
      revokedAt: null,
    });
    const i = store.insight;
    await i.insertIngestKey(key('b', 'app', '2026-11-22T20:00:02.000Z'));
    await i.insertIngestKey(key('a', 'app', '2026-11-22T20:00:01.000Z'));
    await i.insertIngestKey(key('c', 'other', NOW));
    await assert.rejects(
      i.insertIngestKey({ ...key('d', 'app', NOW), keySha256: 'a'.repeat(64) }),
      'hashes are unique',
    );
    assert.deepEqual(await i.findIngestKey('a'.repeat(64)), key('a', 'app', '2026-11-22T20:00:01.000Z'));
    assert.equal(await i.findIngestKey('f'.repeat(64)), null);
    assert.deepEqual(
      (await i.listIngestKeys('app')).map((k) => k.id),
      ['a', 'b'],
    );
    assert.deepEqual(await i.listIngestKeys('none'), []);
    assert.equal(await i.revokeIngestKey('other', 'a', NOW), false, 'another app cannot revoke it');
    assert.equal(await i.revokeIngestKey('app', 'a', NOW), true);
    assert.equal(await i.revokeIngestKey('app', 'a', '2026-12-01T00:00:00.000Z'), false, 'revoked once');
    assert.equal((await i.findIngestKey('a'.repeat(64)))?.revokedAt, NOW);
  });

  insightTest(
    'events: stored once by id, rolled up per minute, counted, pruned; rollups outlive them',
    async (store) => {
      const event = (id: string, over: Partial<StoredEvent> = {}): StoredEvent => ({
        id,
        appId: 'app',
        platform: 'ios',
        channel: 'production',
        releaseId: 'r1',
        event: 'launch',
        reason: null,
        binaryVersion: '1.0.0',
        at: NOW,
        receivedMinute: 100,
        ...over,
      });
      const i = store.insight;
      const first = [
        event('e1'),
        event('e2'),
        event('e3', { event: 'crash', reason: 'TypeError' }),
        event('e4', { receivedMinute: 101 }),
        event('e5', { channel: 'beta' }),
        event('e6', { appId: 'other' }),
      ];
      assert.deepEqual([...(await i.insertEvents(first))].sort(), ['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
      // A retry of e1 and e2 with one new event: only the new one counts again.
      assert.deepEqual([...(await i.insertEvents([event('e1'), event('e2'), event('e7')]))], ['e7']);
      // Past one insert chunk (200 rows) and with one key repeated across chunks.
      const many = Array.from({ length: 450 }, (_, n) => event(`m${n}`, { receivedMinute: 102 }));
      assert.equal((await store.transaction((tx) => tx.insight.insertEvents(many))).size, 450);
      assert.deepEqual(await i.insertEvents([]), new Set());

      assert.equal(await i.countEvents(), 457);
      assert.equal(await i.countEvents('app'), 456);
      assert.equal(await i.countEvents('none'), 0);
      assert.deepEqual(await i.rollups('app', 'r1', { fromMinute: 100, toMinute: 102 }), [
        { releaseId: 'r1', channel: 'beta', event: 'launch', minute: 100, count: 1 },
        { releaseId: 'r1', channel: 'production', event: 'crash', minute: 100, count: 1 },
        { releaseId: 'r1', channel: 'production', event: 'launch', minute: 100, count: 3 },
        { releaseId: 'r1', channel: 'production', event: 'launch', minute: 101, count: 1 },
        { releaseId: 'r1', channel: 'production', event: 'launch', minute: 102, count: 450 },
      ]);
      assert.deepEqual(
        (await i.rollups('app', 'r1', { channel: 'production', fromMinute: 101, toMinute: 101 })).map((r) => r.count),
        [1],
      );
      assert.deepEqual(await i.rollups('app', 'r2', { fromMinute: 0, toMinute: 1000 }), []);
      assert.deepEqual(await i.rollupTotals('app', 'r1', 'production', 100, 102), { launch: 454, crash: 1 });
      assert.deepEqual(await i.rollupTotals('app', 'r1', 'production', 101, 101), { launch: 1 });
      assert.deepEqual(await i.rollupTotals('app', 'r1', 'canary', 0, 1000), {});

      assert.equal(await i.pruneEvents(102), 7, 'events of minutes 100 and 101 go');
      assert.equal(await i.countEvents(), 450);
      assert.equal(await i.pruneEvents(102), 0);
      assert.deepEqual(
        await i.rollupTotals('app', 'r1', 'production', 100, 101),
        { launch: 4, crash: 1 },
        'rollups stay',
      );
      assert.equal(await i.pruneRollups(101), 4, 'the four rollup rows of minute 100');
      assert.deepEqual(await i.rollupTotals('app', 'r1', 'production', 0, 1000), { launch: 451 });
    },
  );

  insightTest('event sources: pairs stored once, highest rank per register in the window, pruned', async (store) => {
    const i = store.insight;
    const mark = (minute: number, reg: number, rank: number, channel = 'production') => ({
      appId: 'app',
      releaseId: 'r1',
      channel,
      minute,
      reg,
      rank,
    });
    await i.addEventSources([mark(100, 1, 3), mark(100, 1, 5), mark(101, 1, 4), mark(100, 2, 1), mark(103, 3, 9)]);
    await i.addEventSources([mark(100, 1, 5), mark(100, 4, 2, 'beta')]);
    // Past one insert chunk (150 rows).
    await store.transaction((tx) => tx.insight.addEventSources(Array.from({ length: 320 }, (_, n) => mark(200, n, 1))));
    await i.addEventSources([]);
    assert.deepEqual(
      [...(await i.eventSourceRegisters('app', 'r1', 'production', 100, 102)).entries()].sort((a, b) => a[0] - b[0]),
      [
        [1, 5],
        [2, 1],
      ],
    );
    assert.deepEqual([...(await i.eventSourceRegisters('app', 'r1', 'beta', 0, 1000)).entries()], [[4, 2]]);
    assert.equal((await i.eventSourceRegisters('app', 'r1', 'production', 200, 200)).size, 320);
    assert.equal((await i.eventSourceRegisters('app', 'r2', 'production', 0, 1000)).size, 0);
    assert.equal(await i.pruneEventSources(101), 4, 'the four pairs of minute 100');
    assert.deepEqual([...(await i.eventSourceRegisters('app', 'r1', 'production', 0, 199)).entries()].sort(), [
      [1, 4],
      [3, 9],
    ]);
  });

  insightTest(
    'guardrails: upsert per channel, listed by channel; trips newest first, filtered, webhook state',
    async (store) => {
      const i = store.insight;
      const guardrail = (channel: string, over: Partial<GuardrailConfig> = {}): GuardrailConfig => ({
        appId: 'app',
        channel,
        enabled: true,
        thresholdBp: 500,
        lookbackMinutes: 30,
        minLaunches: 100,
        webhookUrl: null,
        updatedAt: NOW,
        updatedBy: 'owner',
        mode: null,
        minSources: null,
        ...over,
      });
      assert.equal(await i.getGuardrail('app', 'production'), null);
      await i.putGuardrail(guardrail('production'));
      await i.putGuardrail(
        guardrail('beta', { mode: 'alert', minSources: 3, webhookUrl: 'https://hooks.example.com/g' }),
      );
      const changed = guardrail('production', { enabled: false, thresholdBp: 250, mode: 'halt', updatedBy: 'admin' });
      await i.putGuardrail(changed);
      assert.deepEqual(await i.getGuardrail('app', 'production'), changed);
      assert.deepEqual(
        (await i.listGuardrails('app')).map((g) => [g.channel, g.mode, g.minSources, g.enabled]),
        [
          ['beta', 'alert', 3, true],
          ['production', 'halt', null, false],
        ],
        'listed by channel whatever the update order',
      );
      assert.deepEqual(await i.listGuardrails('other'), []);

      const trip = (id: string, at: string, over: Partial<GuardrailTrip> = {}): GuardrailTrip => ({
        id,
        appId: 'app',
        channel: 'production',
        releaseId: 'r1',
        metric: 'crash',
        rateBp: 900,
        thresholdBp: 500,
        launches: 200,
        failures: 18,
        at,
        webhookStatus: 'pending',
        webhookAttempts: 0,
        action: 'halted',
        ...over,
      });
      await i.insertTrip(trip('t1', '2026-11-22T20:00:01.000Z'));
      await i.insertTrip(
        trip('t2', '2026-11-22T20:00:03.000Z', { releaseId: 'r2', metric: 'rollback', action: 'alerted' }),
      );
      await i.insertTrip(trip('t3', '2026-11-22T20:00:02.000Z', { channel: 'beta', webhookStatus: 'none' }));
      await assert.rejects(i.insertTrip(trip('t1', NOW)), 'trip ids are unique');
      await i.updateTripWebhook('t1', 'delivered', 2);
      assert.deepEqual(
        (await i.listTrips('app')).map((t) => t.id),
        ['t2', 't3', 't1'],
      );
      assert.deepEqual(await i.listTrips('app', { releaseId: 'r1', channel: 'production' }), [
        trip('t1', '2026-11-22T20:00:01.000Z', { webhookStatus: 'delivered', webhookAttempts: 2 }),
      ]);
      assert.deepEqual(
        (await i.listTrips('app', { releaseId: 'r1' })).map((t) => t.id),
        ['t3', 't1'],
      );
      assert.deepEqual((await i.listTrips('app', { releaseId: 'r2' }))[0]?.action, 'alerted');
      assert.deepEqual(await i.listTrips('other'), []);
    },
  );

  insightTest('webhook queue: due pending deliveries oldest first, updated, settled ones pruned', async (store) => {
    const i = store.insight;
    const delivery = (id: string, nextAttemptAt: string, over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
      id,
      orgId: 'org',
      appId: 'app',
      kind: 'guardrail.halted',
      ref: `guardrail-trip:${id}`,
      url: 'https://hooks.example.com/w',
      payload: '{"ok":true}',
      status: 'pending',
      attempts: 0,
      nextAttemptAt,
      lastError: null,
      lastStatus: null,
      lastAttemptAt: null,
      createdAt: NOW,
      settledAt: null,
      ...over,
    });
    await i.enqueueWebhook(delivery('w2', '2026-11-22T20:00:02.000Z'));
    await i.enqueueWebhook(delivery('w1', '2026-11-22T20:00:01.000Z', { appId: null, ref: null }));
    await i.enqueueWebhook(delivery('w3', '2026-11-22T20:10:00.000Z'));
    assert.deepEqual(
      (await i.dueWebhooks('2026-11-22T20:05:00.000Z', 10)).map((d) => d.id),
      ['w1', 'w2'],
    );
    assert.deepEqual(
      (await i.dueWebhooks('2026-11-22T20:05:00.000Z', 1)).map((d) => d.id),
      ['w1'],
    );
    assert.deepEqual(await i.getWebhook('w1'), delivery('w1', '2026-11-22T20:00:01.000Z', { appId: null, ref: null }));
    assert.equal(await i.getWebhook('nope'), null);
    await i.updateWebhook('w1', {
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: '2026-11-22T20:00:01.000Z',
      lastError: null,
      lastStatus: 204,
      lastAttemptAt: '2026-11-22T20:01:00.000Z',
      settledAt: '2026-11-22T20:01:00.000Z',
    });
    await i.updateWebhook('w2', {
      status: 'pending',
      attempts: 1,
      nextAttemptAt: '2026-11-22T20:20:00.000Z',
      lastError: 'HTTP 503',
      lastStatus: 503,
      lastAttemptAt: '2026-11-22T20:10:00.000Z',
      settledAt: null,
    });
    const w2 = await i.getWebhook('w2');
    assert.deepEqual([w2?.lastStatus, w2?.lastAttemptAt], [503, '2026-11-22T20:10:00.000Z']);
    assert.deepEqual(await i.dueWebhooks('2026-11-22T20:05:00.000Z', 10), [], 'delivered, and retried later');
    assert.deepEqual(
      (await i.dueWebhooks('2026-11-22T20:30:00.000Z', 10)).map((d) => [d.id, d.attempts, d.lastError]),
      [
        ['w3', 0, null],
        ['w2', 1, 'HTTP 503'],
      ],
    );
    assert.equal(await i.pruneWebhooks('2026-11-22T20:01:00.000Z'), 0, 'settled at that instant: kept');
    // An organization's own deliveries (appId null: its audit webhook's), or one app's; newest first.
    await i.enqueueWebhook(delivery('a1', NOW, { appId: null, createdAt: '2026-11-22T21:00:00.000Z' }));
    await i.enqueueWebhook(delivery('a2', NOW, { appId: null, createdAt: '2026-11-22T21:00:01.000Z' }));
    await i.enqueueWebhook(delivery('a3', NOW, { appId: null, orgId: 'other', createdAt: '2026-11-22T21:00:02.000Z' }));
    const listed = (orgId: string, appId: string | null, limit = 10) =>
      i.listWebhooks({ orgId, appId, limit }).then((ds) => ds.map((d) => d.id));
    assert.deepEqual(await listed('org', null), ['a2', 'a1', 'w1'], 'w1 is an organization delivery too');
    assert.deepEqual(await listed('org', null, 1), ['a2']);
    assert.deepEqual(await listed('org', 'app'), ['w3', 'w2'], 'same createdAt: by id, descending');
    assert.deepEqual(await listed('other', null), ['a3']);
    assert.deepEqual(await listed('nobody', null), []);
    assert.deepEqual(
      await i.getWebhook('a3'),
      delivery('a3', NOW, { appId: null, orgId: 'other', createdAt: '2026-11-22T21:00:02.000Z' }),
    );
    assert.equal(await i.pruneWebhooks('2026-11-23T00:00:00.000Z'), 1, 'pending ones are never pruned');
    assert.equal(await i.getWebhook('w1'), null);
    assert.equal((await i.getWebhook('w2'))?.status, 'pending');
  });
  insightTest('users and sessions: read back, listed by email, disabled; sessions per principal', async (store) => {
    const user = (id: string, email: string) => ({
      id,
      orgId: 'acme',
      email,
      role: 'developer' as const,
      passwordHash: 'scrypt$x',
      createdAt: NOW,
      createdBy: 'owner',
      disabledAt: null,
    });
    assert.equal(await store.access.insertUser(user('u2', 'zed@example.com')), true);
    assert.equal(await store.access.insertUser(user('u1', 'amy@example.com')), true);
    assert.equal(await store.access.insertUser({ ...user('u3', 'bob@example.com'), orgId: 'other' }), true);
    assert.deepEqual(await store.access.getUser('u1'), user('u1', 'amy@example.com'));
    assert.equal(await store.access.getUser('nope'), null);
    assert.deepEqual(
      (await store.access.listUsers('acme')).map((u) => u.id),
      ['u1', 'u2'],
    );
    assert.deepEqual(await store.access.listUsers('none'), []);
    await store.access.disableUser('u2', NOW);
    assert.equal((await store.access.getUser('u2'))?.disabledAt, NOW);
    assert.equal((await store.access.getUser('u1'))?.disabledAt, null);

    const session = (idSha256: string, principalType: 'user' | 'key', principalId: string) => ({
      idSha256,
      principalType,
      principalId,
      createdAt: NOW,
      expiresAt: '2026-11-23T20:00:00.000Z',
    });
    await store.access.insertSession(session('s1', 'user', 'u1'));
    await store.access.insertSession(session('s2', 'user', 'u1'));
    await store.access.insertSession(session('s3', 'key', 'u1'));
    await store.access.insertSession(session('s4', 'user', 'u2'));
    await assert.rejects(store.access.insertSession(session('s1', 'user', 'u2')), 'session ids are unique');
    assert.deepEqual(await store.access.getSession('s3'), session('s3', 'key', 'u1'));
    assert.equal(await store.access.getSession('nope'), null);
    await store.access.deleteSession('s4');
    assert.equal(await store.access.getSession('s4'), null);
    await store.access.deleteSessionsOf('user', 'u1');
    assert.equal(await store.access.getSession('s1'), null);
    assert.equal(await store.access.getSession('s2'), null);
    assert.ok(await store.access.getSession('s3'), 'a key principal with the same id keeps its session');
  });
}
