import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BIG, drain, hold, metrics, serverWithBigFile, waitUntil } from './download-helpers.js';
import { request } from './helpers.js';

// Issue 14 §1: 32 concurrent anonymous requests for one big release file kept the event loop
// busy pushing 32 streams, so device checks and /healthz waited behind them. Downloads now
// take a slot (http/download-slots.ts): so many per network source and in all, a short wait
// queue, then 429/503 with Retry-After. Each limit is attacked below; clients that never read
// hold their slot (the server's stream waits on a full socket), so what streams and what
// waits is decided by the limits alone, never by timing. The byte rate per source is off where
// a test reads the big file whole (download-rate.test.ts attacks the rate).

describe('download slots: anonymous downloads of a big file are bounded', () => {
  describe('per source, with a wait queue (4 streaming, 4 waiting)', () => {
    let s: Awaited<ReturnType<typeof serverWithBigFile>>;
    before(async () => {
      s = await serverWithBigFile({
        perSource: 4,
        perSourceQueue: 4,
        queueTimeoutMs: 600_000,
        bytesPerSecondPerSource: 0,
      });
    });
    after(() => s?.t.stop());

    it('32 concurrent requests from one source: 4 stream, 4 wait, 24 get 429 + Retry-After; checks and /healthz still answered; slots come back when clients leave', async () => {
      const all = Array.from({ length: 32 }, () => hold(s.url));
      // Without a bound all 32 would stream: the counts below then fail.
      await waitUntil('28 of 32 answered', () => all.filter((p) => p.answered).length >= 28);
      const streaming = all.filter((p) => p.answered?.statusCode === 200);
      const refused = all.filter((p) => p.answered?.statusCode === 429);
      const waiting = all.filter((p) => !p.answered);
      assert.equal(streaming.length, 4, 'at most 4 downloads stream at once from one source');
      assert.equal(refused.length, 24);
      assert.equal(waiting.length, 4);
      // What an operator sees of it (GET /metrics).
      assert.deepEqual(
        await metrics(
          s,
          'updraft_download_slots_active',
          'updraft_download_slots_waiting',
          'updraft_downloads_refused_total{status="429"}',
          'updraft_downloads_refused_total{status="503"}',
        ),
        [4, 4, 24, 0],
      );
      for (const p of refused) {
        const res = p.answered!;
        assert.equal(res.headers['retry-after'], '5');
        assert.equal(res.headers['cache-control'], 'no-store');
        const body = await new Promise<string>((resolve) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
          res.resume();
        });
        assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'too-many-downloads');
      }

      // Everyone else is served while the slots are full.
      assert.equal((await request(`${s.t.url}/healthz`, 'GET')).status, 200);
      assert.equal((await request(`${s.t.url}/repo/${s.appId}/metadata/timestamp.json`, 'GET')).status, 200);
      const check = { channel: 'production', platform: 'ios', runtimeVersion: '1.0.0', deviceId: 'd1' };
      assert.equal((await request(`${s.t.url}/device/v1/apps/${s.appId}/resolve`, 'POST', check)).status, 200);

      // A client that drops its download mid-way frees its slot for the oldest waiter.
      streaming[0]!.req.destroy();
      await waitUntil('a waiter starts', () => waiting.filter((p) => p.answered).length === 1);
      assert.equal(waiting.find((p) => p.answered)!.answered!.statusCode, 200);

      for (const p of streaming) p.req.destroy();
      await waitUntil('every waiter starts', () => waiting.every((p) => p.answered));
      assert.ok(waiting.every((p) => p.answered!.statusCode === 200));
      for (const p of all) p.req.destroy();

      // No leaked slot: 4 downloads at once, read to the end, all succeed again (twice over).
      for (let round = 0; round < 2; round++) {
        const again = await Promise.all(Array.from({ length: 4 }, () => hold(s.url).answer.then(drain)));
        assert.deepEqual(
          again.map((r) => r.status),
          [200, 200, 200, 200],
        );
        for (const r of again) assert.equal(r.bytes, BIG);
      }
    });

    it('a waiter that leaves gives its place up: the queue does not fill with clients that are gone', async () => {
      const refused429 = 'updraft_downloads_refused_total{status="429"}';
      const [refusedBefore] = await metrics(s, refused429);
      const streaming = Array.from({ length: 4 }, () => hold(s.url));
      await Promise.all(streaming.map((p) => p.answer));
      // Five more: four take the queue's places, the fifth is refused at once.
      const five = Array.from({ length: 5 }, () => hold(s.url));
      await waitUntil('one refused', () => five.some((p) => p.answered));
      assert.equal(five.find((p) => p.answered)!.answered!.statusCode, 429);
      const leavers = five.filter((p) => !p.answered);
      assert.equal(leavers.length, 4);
      for (const p of leavers) p.req.destroy();
      // Their places are free again: four new requests wait (not 429) and start as slots free.
      const next = Array.from({ length: 4 }, () => hold(s.url));
      for (const p of streaming) p.req.destroy();
      const answers = await Promise.all(next.map((p) => p.answer));
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [200, 200, 200, 200],
      );
      for (const p of next) p.req.destroy();
      // Clients that left while waiting were not refused: only the one 429 counts.
      assert.deepEqual(await metrics(s, refused429), [refusedBefore! + 1]);
    });
  });

  it('in all: beyond the server-wide bound and its queue, 503 + Retry-After', async () => {
    const s = await serverWithBigFile({ perSource: 0, total: 2, totalQueue: 1, queueTimeoutMs: 600_000 });
    try {
      const all = Array.from({ length: 6 }, () => hold(s.url));
      await waitUntil('5 of 6 answered', () => all.filter((p) => p.answered).length >= 5);
      const statuses = all.map((p) => p.answered?.statusCode ?? 'waiting').sort();
      assert.deepEqual(statuses, [200, 200, 503, 503, 503, 'waiting']);
      assert.deepEqual(
        await metrics(
          s,
          'updraft_download_slots_active',
          'updraft_download_slots_waiting',
          'updraft_download_slots_limit',
          'updraft_downloads_refused_total{status="503"}',
        ),
        [2, 1, 2, 3],
      );
      for (const p of all.filter((q) => q.answered?.statusCode === 503)) {
        assert.equal(p.answered!.headers['retry-after'], '5');
      }
      for (const p of all) p.req.destroy();
    } finally {
      await s.t.stop();
    }
  });

  it('a wait has an end: after queueTimeoutMs the waiter gets 429 + Retry-After', async () => {
    const s = await serverWithBigFile({ perSource: 1, perSourceQueue: 1, queueTimeoutMs: 50 });
    try {
      const first = hold(s.url);
      assert.equal((await first.answer).statusCode, 200);
      const waiter = hold(s.url);
      const res = await waiter.answer;
      assert.equal(res.statusCode, 429);
      assert.equal(res.headers['retry-after'], '5');
      assert.deepEqual(await metrics(s, 'updraft_downloads_refused_total{status="429"}'), [1], 'a wait that timed out');
      first.req.destroy();
      waiter.req.destroy();
    } finally {
      await s.t.stop();
    }
  });

  it('behind --trust-proxy the source is the forwarded client address; without it the header is ignored', async () => {
    const limits = { perSource: 2, perSourceQueue: 0 };
    const proxied = await serverWithBigFile(limits, ['127.0.0.1']);
    try {
      const a = { 'x-forwarded-for': '203.0.113.7' };
      const b = { 'x-forwarded-for': '198.51.100.9' };
      const fromA = [hold(proxied.url, a), hold(proxied.url, a)];
      await Promise.all(fromA.map((p) => p.answer));
      assert.equal((await hold(proxied.url, a).answer).statusCode, 429, 'a third from the same client');
      const other = hold(proxied.url, b);
      assert.equal((await other.answer).statusCode, 200, 'another client behind the same proxy');
      for (const p of [...fromA, other]) p.req.destroy();
    } finally {
      await proxied.t.stop();
    }
    const direct = await serverWithBigFile(limits);
    try {
      const held = [
        hold(direct.url, { 'x-forwarded-for': '203.0.113.1' }),
        hold(direct.url, { 'x-forwarded-for': '203.0.113.2' }),
      ];
      await Promise.all(held.map((p) => p.answer));
      const forged = hold(direct.url, { 'x-forwarded-for': '203.0.113.3' });
      assert.equal((await forged.answer).statusCode, 429, 'a forged X-Forwarded-For is not a new source');
      for (const p of [...held, forged]) p.req.destroy();
    } finally {
      await direct.t.stop();
    }
  });
});
