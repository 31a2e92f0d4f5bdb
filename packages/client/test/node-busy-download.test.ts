import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNodeClient } from '../src/ports/node/node-adapter.js';
import { parseRetryAfter } from '../src/ports/node/transport.js';
import type { Timers } from '../src/ports/ports.js';
import { BUSY_RETRIES } from '../src/engine/repository.js';
import { sendWhole, serveTestRepo } from '@updraft/test-kit/served-repo';
import type { TestRepo } from '@updraft/test-kit/test-repo';
import { tempDir } from './helpers/setup.js';

// Issue 14 §1: the server bounds concurrent anonymous downloads per network source and in
// all, answering 429 (this address has too many) or 503 (the server has too many) with
// Retry-After. A device behind a carrier-grade NAT meets that in normal use: the client must
// wait and ask again (a bounded number of times), never take it as a failed install.

interface Busy {
  repo: TestRepo;
  /** File requests answered so far, busy or not. */
  fileRequests: { count: number };
  /** The next this many file requests are answered busy. */
  busyNext: { count: number };
}

async function serve(status: 429 | 503, retryAfter: string | null): Promise<Busy> {
  const fileRequests = { count: 0 };
  const busyNext = { count: 0 };
  const repo = await serveTestRepo((req, res, bytes) => {
    if (req.url!.includes('/targets/files/')) {
      fileRequests.count++;
      if (busyNext.count > 0) {
        busyNext.count--;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (retryAfter !== null) headers['retry-after'] = retryAfter;
        return void res.writeHead(status, headers).end('{"error":{"code":"busy","message":"busy"}}');
      }
    }
    sendWhole(res, bytes);
  });
  return { repo, fileRequests, busyNext };
}

/** Timers that record each wait asked for and end it at once: no test waits for real. */
function recordingTimers(): Timers & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    setTimeout(task, ms) {
      const handle = setTimeout(task, ms);
      return () => clearTimeout(handle);
    },
    delay(ms) {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}

const payload = new Uint8Array(200_000).map((_, i) => (i * 7) % 256);

function clientFor(repo: TestRepo, dir: string, timers: Timers) {
  return createNodeClient({
    dir,
    ...repo.deviceTarget(),
    trustedRoot: repo.root(1),
    allowInsecureLocalhost: true,
    readyTimeoutMs: 0,
    timers,
  });
}

test('429 with Retry-After on a file download: the client waits as asked and the install succeeds', async () => {
  const { repo, fileRequests, busyNext } = await serve(429, '7');
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  busyNext.count = 2;
  const timers = recordingTimers();

  const result = await clientFor(repo, await tempDir(), timers).sync();

  assert.equal(result.status, 'updated', result.message);
  assert.deepEqual(timers.waits, [7000, 7000]);
  assert.equal(fileRequests.count, 3);
});

test('503 that lasts: bounded retries, then a network failure the next check recovers from (not a failed release)', async () => {
  const { repo, fileRequests, busyNext } = await serve(503, '2');
  repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  busyNext.count = 1000;
  const dir = await tempDir();
  const timers = recordingTimers();

  const first = await clientFor(repo, dir, timers).sync();

  assert.equal(first.status, 'failed');
  assert.equal(first.reason, 'network');
  assert.match(first.message ?? '', /HTTP 503: the server is busy/);
  assert.equal(fileRequests.count, 1 + BUSY_RETRIES, 'asked once and retried a bounded number of times');
  assert.deepEqual(timers.waits, Array<number>(BUSY_RETRIES).fill(2000));

  busyNext.count = 0;
  const second = await clientFor(repo, dir, recordingTimers()).sync();
  assert.equal(second.status, 'updated', second.message);
});

test('a Retry-After longer than the client waits in one cycle ends the cycle at once; none means 5 s', async () => {
  const long = await serve(429, '3600');
  long.repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  long.busyNext.count = 1000;
  const timers = recordingTimers();
  const result = await clientFor(long.repo, await tempDir(), timers).sync();
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'network');
  assert.deepEqual(timers.waits, []);
  assert.equal(long.fileRequests.count, 1);

  const unsaid = await serve(429, null);
  unsaid.repo.publish({ releaseId: 'r1', versionCode: 1, files: { 'main.js': payload } });
  unsaid.busyNext.count = 1;
  const t2 = recordingTimers();
  const ok = await clientFor(unsaid.repo, await tempDir(), t2).sync();
  assert.equal(ok.status, 'updated', ok.message);
  assert.deepEqual(t2.waits, [5000]);
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  const now = Date.parse('2026-12-06T04:00:00Z');
  assert.equal(parseRetryAfter('5', now), 5000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Sun, 06 Dec 2026 04:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Sun, 06 Dec 2026 03:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(null, now), null);
});
