import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestServer } from './helpers.js';

/** One request a receiver got. */
export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 whose first attempt fails (HTTP 500) and whose second
 * succeeds (204), but only once the test calls releaseSecond(): the test reads what the
 * failed attempt left before the retry can overwrite it, whatever the machine's speed.
 */
export interface FailOnceReceiver {
  /** The receiver's URL with the path it was started with. */
  url: string;
  received: Received[];
  releaseSecond(): void;
  close(): Promise<void>;
}

export async function startFailOnceReceiver(path: string, failBody: string): Promise<FailOnceReceiver> {
  const received: Received[] = [];
  let releaseSecond: () => void = () => {};
  const secondHeld = new Promise<void>((resolve) => (releaseSecond = resolve));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (received.length === 1) res.writeHead(500).end(failBody);
      else void secondHeld.then(() => res.writeHead(204).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    releaseSecond: () => releaseSecond(),
    async close() {
      releaseSecond();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A delivery list route's `deliveries`, asserting the read itself succeeded. */
export async function listDeliveries(t: TestServer, path: string): Promise<Record<string, unknown>[]> {
  const res = await t.api('GET', path);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.deliveries as Record<string, unknown>[];
}

/** Reads the list until `ok` holds (15 s at most, then fails saying `what` and the last list). */
export async function untilDeliveries(
  t: TestServer,
  path: string,
  what: string,
  ok: (d: Record<string, unknown>[]) => boolean,
): Promise<Record<string, unknown>[]> {
  const end = Date.now() + 15_000;
  let d = await listDeliveries(t, path);
  while (!ok(d) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    d = await listDeliveries(t, path);
  }
  assert.ok(ok(d), `${what}: ${JSON.stringify(d)}`);
  return d;
}

/**
 * What a FailOnceReceiver's delivery list must say: first pending after one attempt that got
 * HTTP 500 (with a retry due after it), then, once the second attempt is let through, the same
 * delivery delivered after 2 attempts (204) under the id the receiver got. Returns both views.
 */
export async function expectFailedThenDelivered(
  receiver: FailOnceReceiver,
  event: string,
  until: (what: string, ok: (d: Record<string, unknown>[]) => boolean) => Promise<Record<string, unknown>[]>,
): Promise<{ failed: Record<string, unknown>; delivered: Record<string, unknown> }> {
  const host = new URL(receiver.url).host;
  const [failed] = await until('the first attempt failed', (d) => d[0]?.['attempts'] === 1);
  assert.deepEqual(
    { ...failed, id: typeof failed!['id'], createdAt: typeof failed!['createdAt'] },
    {
      id: 'string',
      event,
      host,
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      createdAt: 'string',
      lastAttemptAt: failed!['lastAttemptAt'],
      nextAttemptAt: failed!['nextAttemptAt'],
      settledAt: null,
    },
  );
  assert.ok(Date.parse(String(failed!['nextAttemptAt'])) > Date.parse(String(failed!['lastAttemptAt'])));

  receiver.releaseSecond();
  const [delivered] = await until('delivered', (d) => d[0]?.['status'] === 'delivered');
  assert.equal(receiver.received.length, 2);
  assert.equal(delivered!['id'], receiver.received[1]!.headers['x-updraft-delivery'], 'the id the receiver got');
  assert.equal(receiver.received[1]!.headers['x-updraft-event'], event);
  assert.equal(delivered!['attempts'], 2);
  assert.equal(delivered!['lastStatusCode'], 204);
  assert.equal(delivered!['lastError'], null);
  assert.equal(delivered!['nextAttemptAt'], null);
  assert.equal(typeof delivered!['settledAt'], 'string');
  assert.equal(delivered!['createdAt'], failed!['createdAt']);
  return { failed: failed!, delivered: delivered! };
}
