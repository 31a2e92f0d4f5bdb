import assert from 'node:assert/strict';
import { get, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DownloadSlots, type DownloadLimits } from '../src/index.js';
import { DownloadRate } from '../src/http/download-rate.js';
import { metrics, MIB, serverWithBigFile, type BigFileServer } from './download-helpers.js';

// Issue 14 §1: one network source asking for a 30 MiB release file 32 times at once pulled
// ~700 MB/s over loopback; copying those bytes kept a core busy and device checks waited.
// The bytes of all one source's anonymous downloads together now go at most at a configured
// rate (http/download-rate.ts, a token bucket per source). The attacks below count what a
// source receives in a window: without the bound loopback delivers many times the rate.

/** Low enough that any machine, however loaded, delivers it; far below what loopback does unbounded. */
const RATE = 4 * MIB;
const WINDOW_MS = 3000;
/** No burst: the window's bytes are then the rate's alone. */
const LIMITS: Partial<DownloadLimits> = { bytesPerSecondPerSource: RATE, rateBurstMs: 0, perSource: 16 };

interface Pull {
  req: ClientRequest;
  status: number | null;
  bytes: number;
}

/** `n` downloads of `url` read as fast as they come, from `localAddress` (another loopback address is another source). */
function pull(url: string, n: number, opts: { headers?: Record<string, string>; localAddress?: string } = {}): Pull[] {
  return Array.from({ length: n }, () => {
    const p: Pull = { req: undefined as unknown as ClientRequest, status: null, bytes: 0 };
    p.req = get(
      url,
      { agent: false, headers: opts.headers ?? {}, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) },
      (res) => {
        p.status = res.statusCode ?? 0;
        res.on('data', (c: Buffer) => (p.bytes += c.length));
        res.on('error', () => undefined);
      },
    );
    p.req.on('error', () => undefined);
    return p;
  });
}

const total = (pulls: Pull[]) => pulls.reduce((sum, p) => sum + p.bytes, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `pulls` for the window: the bytes of each group received and the seconds it took, then drops them all. */
async function window(groups: Pull[][]): Promise<{ bytes: number[]; seconds: number }> {
  const started = performance.now();
  await sleep(WINDOW_MS);
  const bytes = groups.map(total);
  const seconds = (performance.now() - started) / 1000;
  for (const g of groups) for (const p of g) p.req.destroy();
  return { bytes, seconds };
}

/**
 * At most the rate over the window, with room for a loaded machine's timers (which can only
 * make the server late, never early) plus one read chunk per stream; loopback unbounded gives
 * far more than this (hundreds of MiB in 3 s).
 */
function assertBounded(bytes: number, seconds: number, what: string): void {
  const allowed = RATE * seconds * 1.15 + MIB;
  assert.ok(
    bytes <= allowed,
    `${what}: ${(bytes / MIB).toFixed(1)} MiB in ${seconds.toFixed(2)} s, at most ${(allowed / MIB).toFixed(1)} MiB allowed`,
  );
}

const report = (bytes: number[], seconds: number) =>
  `MiB/s per source: ${bytes.map((b) => (b / MIB / seconds).toFixed(2)).join(', ')} (rate ${(RATE / MIB).toFixed(0)})`;

/** Not starved either: a stalled stream would pass the bound above. */
function assertFlowing(bytes: number, seconds: number, what: string): void {
  const least = RATE * seconds * 0.4;
  assert.ok(
    bytes >= least,
    `${what}: only ${(bytes / MIB).toFixed(1)} MiB in ${seconds.toFixed(2)} s, expected about the rate (${(RATE / MIB).toFixed(0)} MiB/s)`,
  );
}

describe('download rate: one network source pulls at most its rate, over all its downloads', () => {
  let s: BigFileServer;
  before(async () => {
    s = await serverWithBigFile(LIMITS);
  });
  after(() => s?.t.stop());

  it('one source opening 12 streams of the big file gets about the rate in all, not 12 times it', async (t) => {
    const held = ['updraft_download_rate_delayed_bytes_total', 'updraft_download_rate_delay_seconds_total'];
    assert.deepEqual(await metrics(s, ...held), [0, 0], 'nothing held back before');
    const streams = pull(s.url, 12);
    // Halfway through: what an operator sees of the throttled source (GET /metrics).
    const during = sleep(WINDOW_MS / 2).then(() =>
      metrics(
        s,
        'updraft_download_slots_active',
        'updraft_download_rate_sources',
        'updraft_download_rate_limit_bytes_per_second',
      ),
    );
    const { bytes, seconds } = await window([streams]);
    t.diagnostic(report(bytes, seconds));
    assert.deepEqual(await during, [12, 1, RATE]);
    const [heldBytes, heldSeconds] = (await metrics(s, ...held)) as [number, number];
    t.diagnostic(`held back: ${(heldBytes / MIB).toFixed(1)} MiB, ${heldSeconds.toFixed(1)} s over all streams`);
    // No burst: nearly every chunk sent waited for its turn, and 12 streams waited about 12 times the window.
    assert.ok(heldBytes >= bytes[0]! * 0.5, `${heldBytes} bytes held back of ${bytes[0]} sent`);
    assert.ok(heldSeconds >= seconds, `${heldSeconds} s held back by 12 streams over ${seconds.toFixed(2)} s`);
    assert.ok(
      streams.every((p) => p.status === 200),
      'every stream was served',
    );
    assertBounded(bytes[0]!, seconds, 'one source, 12 streams');
    assertFlowing(bytes[0]!, seconds, 'one source, 12 streams');
  });

  it('a second source at the same time is not slowed by the first: it gets its own rate', async (t) => {
    const attacker = pull(s.url, 12);
    // 127.0.0.2 is loopback too, but another network source.
    const device = pull(s.url, 1, { localAddress: '127.0.0.2' });
    const { bytes, seconds } = await window([attacker, device]);
    t.diagnostic(report(bytes, seconds));
    assertBounded(bytes[0]!, seconds, 'the attacking source');
    assertBounded(bytes[1]!, seconds, 'the other source');
    // A bucket shared by all sources would give the device a 13th of the rate.
    assert.ok(
      bytes[1]! >= RATE * seconds * 0.5,
      `the other source got ${(bytes[1]! / MIB).toFixed(1)} MiB in ${seconds.toFixed(2)} s while the first attacked; expected about ${(RATE / MIB).toFixed(0)} MiB/s`,
    );
  });

  it('Range requests are bounded too: 12 ranges of the big file get the rate in all', async (t) => {
    const ranges = pull(s.url, 12, { headers: { range: `bytes=${MIB}-` } });
    const { bytes, seconds } = await window([ranges]);
    t.diagnostic(report(bytes, seconds));
    assert.ok(
      ranges.every((p) => p.status === 206),
      'every range was answered 206',
    );
    assertBounded(bytes[0]!, seconds, 'one source, 12 ranges');
    assertFlowing(bytes[0]!, seconds, 'one source, 12 ranges');
  });
});

describe('download rate: a client dropping mid-stream frees everything', () => {
  it('its slot comes back, no pacing timer is left, and the source downloads again', async () => {
    const slots = new DownloadSlots({ ...LIMITS, bytesPerSecondPerSource: MIB });
    const s = await serverWithBigFile({}, undefined, slots);
    try {
      const streams = pull(s.url, 4);
      // Paced streams wait on timers; without the bound none would ever be pending.
      const deadline = performance.now() + 20_000;
      const paced = () => slots.rate.stats().timers > 0 && total(streams) > 0;
      while (!paced() && performance.now() < deadline) await sleep(5);
      assert.ok(paced(), 'bytes arrived and the streams are being paced');
      assert.equal(slots.stats().active, 4);

      for (const p of streams) p.req.destroy();
      const released = () => slots.stats().active === 0 && slots.rate.stats().streams === 0;
      while (!released() && performance.now() < deadline + 10_000) await sleep(5);
      assert.ok(released(), 'the slots and paced streams are released');
      // At once, not when the timers would have fired: a destroyed stream clears its own.
      assert.equal(slots.rate.stats().timers, 0, 'no pacing timer is left behind');

      const again = pull(s.url, 1);
      while (again[0]!.bytes === 0 && performance.now() < deadline + 20_000) await sleep(5);
      assert.equal(again[0]!.status, 200);
      again[0]!.req.destroy();
    } finally {
      await s.t.stop();
    }
  });
});

describe('download rate: bounded memory (unit, on a fake clock)', () => {
  const settle = () => new Promise((r) => setImmediate(r));

  it('tracks at most maxSources buckets; an idle full bucket is forgotten, one still owing bytes is kept until full', async () => {
    let now = 1000;
    const rate = new DownloadRate({ bytesPerSecond: 1000, burstMs: 0, maxSources: 3 }, () => now);
    const five = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((a) =>
      rate.pace(a, new PassThrough()),
    );
    assert.equal(rate.stats().sources, 3, 'never more than maxSources');
    for (const p of five) p.destroy();
    await settle();
    assert.equal(rate.stats().sources, 0, 'idle and full: nothing to remember');

    // Burst 1 s at 1000 B/s: 500 bytes go at once, the next 1000 wait. A source that sent 500
    // bytes owes 500 ms: leaving and coming back must not reset that; the 1000 it never got are
    // given back.
    const sending = new DownloadRate({ bytesPerSecond: 1000, burstMs: 1000, maxSources: 3 }, () => now);
    const body = new PassThrough();
    const paced = sending.pace('10.0.0.1', body);
    const got: number[] = [];
    paced.on('data', (c: Buffer) => got.push(c.length));
    body.write(Buffer.alloc(500));
    body.write(Buffer.alloc(1000));
    await settle();
    await settle();
    assert.deepEqual(got, [500], 'the first 500 bytes went at once');
    assert.equal(sending.stats().timers, 1, 'the next 1000 wait for their time');
    paced.destroy();
    await settle();
    assert.deepEqual(sending.stats(), { sources: 1, streams: 0, timers: 0 }, 'no timer left; the debt is remembered');

    now += 400;
    const early = sending.pace('10.0.0.9', new PassThrough());
    assert.equal(sending.stats().sources, 2, 'still owing 100 ms: kept');
    early.destroy();
    await settle();
    now += 200;
    const other = sending.pace('10.0.0.8', new PassThrough());
    assert.equal(
      sending.stats().sources,
      1,
      'full again (the unsent 1000 bytes given back): swept when a new source came',
    );
    other.destroy();
    await settle();
    assert.equal(sending.stats().sources, 0);
  });

  it('an IPv6 /64 is one source', async () => {
    const rate = new DownloadRate({ bytesPerSecond: 1000, burstMs: 0, maxSources: 10 }, () => 0);
    const a = rate.pace('2001:db8:1:2::1', new PassThrough());
    const b = rate.pace('2001:db8:1:2:ffff::9', new PassThrough());
    assert.deepEqual(rate.stats(), { sources: 1, streams: 2, timers: 0 });
    a.destroy();
    b.destroy();
    await settle();
  });
});
