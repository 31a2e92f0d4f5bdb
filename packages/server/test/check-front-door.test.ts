import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseCheckRequest } from '../src/http/check-request.js';
import {
  createTrustedApp,
  prepareRelease,
  renewWithKeys,
  startTestServer,
  type PublisherKeys,
  type TestServer,
} from './helpers.js';
import { head, RawConnection, type RawResponse } from './raw-http.js';

// The raw check path in front of node:http (src/http/check-front-door.ts). Fastify stamps an
// x-request-id on every response and the raw path does not; node:http's own refusals are 4xx.
// That tells the tests who answered.

const APP = 'door.app';
const CHECK = `GET /repo/${APP}/metadata/timestamp.json HTTP/1.1`;
const HOST = 'Host: 127.0.0.1';
const check = (...extra: string[]) => head(CHECK, HOST, ...extra);
const rootLine = (version: number) => `GET /repo/${APP}/metadata/${version}.root.json HTTP/1.1`;
const rootCheck = (version: number, ...extra: string[]) => head(rootLine(version), HOST, ...extra);

const withoutRequestId = (r: RawResponse) => r.headers['x-request-id'] === undefined;
const answeredRaw = (r: RawResponse) => withoutRequestId(r) && r.status < 400;
const versionOf = (r: RawResponse) =>
  (JSON.parse(r.body.toString('utf8')) as { signed: { version: number } }).signed.version;

describe('the raw check path: strict request heads', () => {
  it('takes the plain check, with or without If-None-Match and keep-alive', () => {
    assert.deepEqual(parseCheckRequest(`${CHECK}\r\n${HOST}`), {
      appId: APP,
      rootVersion: undefined,
      ifNoneMatch: undefined,
    });
    assert.deepEqual(
      parseCheckRequest(`${CHECK}\r\nHost: h\r\nIf-None-Match:  "abc"  \r\nConnection: Keep-Alive\r\nUser-Agent: x/1`),
      { appId: APP, rootVersion: undefined, ifNoneMatch: '"abc"' },
    );
  });

  it("takes the root walk's request for the next root", () => {
    assert.deepEqual(parseCheckRequest(`${rootLine(12)}\r\n${HOST}`), {
      appId: APP,
      rootVersion: 12,
      ifNoneMatch: undefined,
    });
  });

  it('leaves to node:http anything that could be framed or handled differently', () => {
    const refused: Record<string, string> = {
      'a body length': `${CHECK}\r\n${HOST}\r\nContent-Length: 0`,
      'a transfer coding': `${CHECK}\r\n${HOST}\r\nTransfer-Encoding: chunked`,
      'both framings': `${CHECK}\r\n${HOST}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked`,
      'no Host': CHECK,
      'two Hosts': `${CHECK}\r\nHost: a\r\nHost: b`,
      'two If-None-Match': `${CHECK}\r\n${HOST}\r\nIf-None-Match: "a"\r\nIf-None-Match: "b"`,
      'space before the colon': `${CHECK}\r\nHost : a`,
      'a folded line': `${CHECK}\r\n${HOST}\r\nX-A: 1\r\n  folded`,
      'a bare LF': `${CHECK}\r\n${HOST}\nTransfer-Encoding: chunked`,
      'a bare CR': `${CHECK}\r\n${HOST}\rX: y`,
      'a non-ASCII byte': `${CHECK}\r\n${HOST}\r\nX-A: caf\u00e9`,
      'a NUL': `${CHECK}\r\n${HOST}\r\nX-A: a\u0000b`,
      'HTTP/1.0': `GET /repo/${APP}/metadata/timestamp.json HTTP/1.0\r\n${HOST}`,
      HEAD: `HEAD /repo/${APP}/metadata/timestamp.json HTTP/1.1\r\n${HOST}`,
      'a query string': `GET /repo/${APP}/metadata/timestamp.json?x=1 HTTP/1.1\r\n${HOST}`,
      'an encoded path': `GET /repo/${APP}/metadata/timestamp%2Ejson HTTP/1.1\r\n${HOST}`,
      'an absolute URI': `GET http://h/repo/${APP}/metadata/timestamp.json HTTP/1.1\r\n${HOST}`,
      'another file': `GET /repo/${APP}/metadata/1.snapshot.json HTTP/1.1\r\n${HOST}`,
      'root version 0': `GET /repo/${APP}/metadata/0.root.json HTTP/1.1\r\n${HOST}`,
      'a leading zero': `GET /repo/${APP}/metadata/02.root.json HTTP/1.1\r\n${HOST}`,
      'an unversioned root': `GET /repo/${APP}/metadata/root.json HTTP/1.1\r\n${HOST}`,
      'Connection: close': `${CHECK}\r\n${HOST}\r\nConnection: close`,
      'Connection: upgrade': `${CHECK}\r\n${HOST}\r\nConnection: Upgrade\r\nUpgrade: h2c`,
      Expect: `${CHECK}\r\n${HOST}\r\nExpect: 100-continue`,
      'an empty line first': `\r\n${CHECK}\r\n${HOST}`,
      'an empty header name': `${CHECK}\r\n${HOST}\r\n: x`,
    };
    for (const [why, text] of Object.entries(refused)) assert.equal(parseCheckRequest(text), null, why);
    assert.equal(parseCheckRequest(`${CHECK}\r\n${HOST}\r\nX-Pad: ${'a'.repeat(9000)}`), null, 'a huge head');
  });
});

describe('the raw check path on a live server', () => {
  let t: TestServer;
  let keys: PublisherKeys;
  let anchor: Uint8Array;
  let published = 0;
  const publish = async () => {
    published++;
    const rel = await prepareRelease(t, APP, keys, { releaseId: `r${published}`, versionCode: published });
    const res = await t.api('POST', `/v1/apps/${APP}/releases`, rel.body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
  };

  before(async () => {
    t = await startTestServer({ timestampCacheMs: 60_000 });
    ({ keys, rootBytes: anchor } = await createTrustedApp(t, APP));
    await publish();
  });
  after(() => t?.stop());

  it('answers exactly as the Fastify route does, minus the request id', async () => {
    const c = await RawConnection.open(t.url);
    // A Content-Length forces the hand-off, so the first answer is the route's own.
    await c.write(check('Content-Length: 0'));
    const [full] = await c.read(1);
    const d = await RawConnection.open(t.url);
    await d.write(check());
    const [raw] = await d.read(1);
    assert.ok(full && raw);
    assert.ok(!answeredRaw(full) && answeredRaw(raw), 'one answer from each path');
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.body, full.body);
    const perConnection = new Set(['x-request-id', 'date', 'connection', 'keep-alive']);
    const comparable = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).filter(([name]) => !perConnection.has(name)));
    assert.deepEqual(comparable(raw.headers), comparable(full.headers));
    assert.ok(!Number.isNaN(Date.parse(raw.headers.date!)), 'a Date header');

    await d.write(check(`If-None-Match: ${raw.headers.etag}`));
    await c.write(check(`If-None-Match: ${raw.headers.etag}`, 'Content-Length: 0'));
    const [raw304] = await d.read(1);
    const [full304] = await c.read(1);
    assert.ok(raw304 && full304 && answeredRaw(raw304) && !answeredRaw(full304));
    assert.equal(raw304.status, 304);
    assert.equal(raw304.body.length, 0);
    assert.deepEqual(comparable(raw304.headers), comparable(full304.headers));
    c.close();
    d.close();
  });

  it('keeps pipelined answers in order across the hand-off to node:http', async () => {
    const c = await RawConnection.open(t.url);
    const first = await (async () => {
      await c.write(check());
      return (await c.read(1))[0]!;
    })();
    await c.write(
      check() + check(`If-None-Match: ${first.headers.etag}`) + head('GET /healthz HTTP/1.1', HOST) + check(),
    );
    const [a, b, health, d] = await c.read(4);
    assert.ok(a && b && health && d, 'four answers');
    assert.deepEqual([a.status, b.status, health.status, d.status], [200, 304, 200, 200]);
    assert.ok(answeredRaw(a) && answeredRaw(b), 'checks before the hand-off answered raw');
    assert.ok(!answeredRaw(health) && !answeredRaw(d), 'node:http owns the connection after it');
    assert.deepEqual(JSON.parse(health.body.toString()), { ok: true });
    assert.deepEqual(d.body, a.body);
    c.close();
  });

  it('hands a request split across reads to node:http, which answers it whole', async () => {
    const c = await RawConnection.open(t.url);
    const text = check();
    await c.write(text.slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    await c.write(text.slice(20));
    const [r] = await c.read(1);
    assert.equal(r?.status, 200);
    assert.ok(!answeredRaw(r!));
    c.close();
  });

  it('never lets a body or a chunked message smuggle a second request past node:http', async () => {
    const inner = check();
    const attacks = [
      // The inner check is the body of the first request, not a request of its own.
      check(`Content-Length: ${inner.length}`) + inner,
      `${check('Transfer-Encoding: chunked')}${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
      // Conflicting framing: node:http refuses the message outright.
      check(`Content-Length: ${inner.length}`, 'Transfer-Encoding: chunked') + inner,
      // A bare LF hides a Transfer-Encoding from a lenient line splitter.
      `${CHECK}\r\n${HOST}\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
    ];
    for (const attack of attacks) {
      const c = await RawConnection.open(t.url);
      await c.write(attack);
      const answers = [...(await c.read(1)), ...(await c.settle(300))];
      assert.ok(answers.length >= 1, 'an answer');
      for (const r of answers) assert.ok(!answeredRaw(r), `node:http answered: ${JSON.stringify(attack)}`);
      if (answers[0]!.status < 400) assert.equal(answers.length, 1, `one request only: ${JSON.stringify(attack)}`);
      c.close();
    }
  });

  it('sends unknown apps and malformed heads to the full route and node:http', async () => {
    const c = await RawConnection.open(t.url);
    await c.write(head('GET /repo/no.such.app/metadata/timestamp.json HTTP/1.1', HOST));
    const [missing] = await c.read(1);
    assert.equal(missing?.status, 404);
    assert.equal(JSON.parse(missing!.body.toString()).error.code, 'not-found');
    assert.ok(!answeredRaw(missing!));
    c.close();
    const d = await RawConnection.open(t.url);
    await d.write(head(CHECK));
    const [noHost] = await d.read(1);
    assert.equal(noHost?.status, 400, 'node:http refuses a request without Host');
    d.close();
  });

  it('shows a new release at once: a publish clears the cache and the next check reloads it', async () => {
    const c = await RawConnection.open(t.url);
    await c.write(check());
    const [before] = await c.read(1);
    await publish();
    await c.write(check(`If-None-Match: ${before!.headers.etag}`));
    const [afterPublish] = await c.read(1);
    assert.equal(afterPublish?.status, 200, 'the old ETag no longer matches');
    assert.ok(answeredRaw(afterPublish!), 'the miss was filled and answered on the raw path');
    assert.equal(versionOf(afterPublish!), versionOf(before!) + 1);
    c.close();
  });

  it('answers a client that half-closes after its check, then ends the connection', async () => {
    const c = await RawConnection.open(t.url);
    await c.write(check());
    c.end();
    const [r] = await c.read(1);
    assert.ok(r && r.status === 200 && answeredRaw(r));
    await c.read(1, 2000);
    assert.ok(c.isClosed, 'the server ended its side too');
  });

  it('answers a client that pipelines faster than it reads, all in order', async () => {
    const c = await RawConnection.open(t.url);
    c.pause();
    const count = 3000;
    await c.write(check().repeat(count));
    await new Promise((r) => setTimeout(r, 200));
    c.resume();
    const answers = await c.read(count, 20_000);
    assert.equal(answers.length, count);
    // Reads split the stream anywhere: the reader answers whole requests, then node:http goes on.
    assert.ok(answeredRaw(answers[0]!));
    assert.ok(answers.every((r) => r.status === 200 && r.body.equals(answers[0]!.body)));
    c.close();
  });

  // Every check walks the root chain first (TUF §5.3): root N+1, then timestamp.json, on one
  // keep-alive connection. Handing that connection to node:http would cost every later check.
  it("answers the root walk's 404 for root N+1 as the route does, and keeps the connection", async () => {
    const c = await RawConnection.open(t.url);
    await c.write(rootCheck(2, 'Content-Length: 0'));
    const [full] = await c.read(1);
    const d = await RawConnection.open(t.url);
    await d.write(rootCheck(2) + check() + rootCheck(2) + check());
    const [raw, ts, raw2, ts2] = await d.read(4);
    assert.ok(full && raw && ts && raw2 && ts2);
    assert.ok(!withoutRequestId(full) && withoutRequestId(raw), 'one 404 from each path');
    assert.deepEqual([full.status, raw.status, raw2.status], [404, 404, 404]);
    assert.deepEqual(raw.body, full.body);
    const perConnection = new Set(['x-request-id', 'date', 'connection', 'keep-alive']);
    const comparable = (h: Record<string, string>) =>
      Object.fromEntries(Object.entries(h).filter(([name]) => !perConnection.has(name)));
    assert.deepEqual(comparable(raw.headers), comparable(full.headers));
    assert.ok(answeredRaw(ts) && withoutRequestId(raw2) && answeredRaw(ts2), 'the connection stayed on the raw path');
    c.close();
    d.close();
  });

  it('still serves a newer root the moment it is uploaded, on the same connection', async () => {
    const c = await RawConnection.open(t.url);
    await c.write(rootCheck(2));
    assert.equal((await c.read(1))[0]?.status, 404);
    // Root 2: root 1 renewed by both root keys (the 2-of-2 threshold), as `updraft refresh` does.
    const uploaded = await renewWithKeys(t, APP, anchor, keys.root);
    assert.equal(uploaded.rootVersion, 2);
    await c.write(rootCheck(2));
    const [found] = await c.read(1);
    assert.equal(found?.status, 200, 'root 2 is served, not a cached 404');
    assert.equal((JSON.parse(found!.body.toString()) as { signed: { version: number } }).signed.version, 2);
    const d = await RawConnection.open(t.url);
    await d.write(rootCheck(3) + check());
    const [next, ts] = await d.read(2);
    assert.ok(next && ts && next.status === 404 && withoutRequestId(next), 'root 3 is a raw 404');
    assert.ok(answeredRaw(ts));
    c.close();
    d.close();
  });
});

describe('the raw check path without a timestamp cache', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ timestampCacheMs: 0 });
    const { keys } = await createTrustedApp(t, APP);
    const rel = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, rel.body)).status, 201);
  });
  after(() => t?.stop());

  it('hands every check to the full route, which reads the database each time', async () => {
    const c = await RawConnection.open(t.url);
    await c.write(check() + check());
    const answers = await c.read(2);
    assert.deepEqual(
      answers.map((r) => [r.status, answeredRaw(r)]),
      [
        [200, false],
        [200, false],
      ],
    );
    c.close();
  });
});

describe('the raw check path at shutdown', () => {
  it('closes connections idle between checks instead of waiting for them', async () => {
    const t = await startTestServer({ timestampCacheMs: 60_000 });
    const { keys } = await createTrustedApp(t, APP);
    const rel = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, rel.body)).status, 201);
    const c = await RawConnection.open(t.url);
    await c.write(check());
    const [r] = await c.read(1);
    assert.ok(r && answeredRaw(r));
    const started = Date.now();
    await t.stop();
    assert.ok(Date.now() - started < 3000, `stopped in ${Date.now() - started} ms`);
    await c.read(1, 1000);
    assert.ok(c.isClosed, 'the idle connection was closed');
  });
});

describe('idle keep-alive connections', () => {
  // Node's default keep-alive timeout is 5 s: a client (or a load balancer) that reuses a
  // pooled connection after 5 s raced the server closing it. Both paths now keep it 72 s.
  it('stay open past 5 s idle, on the raw check path and on node:http', async () => {
    const t = await startTestServer({ timestampCacheMs: 60_000 });
    try {
      const { keys } = await createTrustedApp(t, APP);
      const rel = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
      assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, rel.body)).status, 201);
      const raw = await RawConnection.open(t.url);
      const routed = await RawConnection.open(t.url);
      const health = head('GET /healthz HTTP/1.1', HOST);
      await raw.write(check());
      await routed.write(health);
      assert.ok(answeredRaw((await raw.read(1))[0]!));
      assert.equal((await routed.read(1))[0]?.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      assert.equal(raw.isClosed || routed.isClosed, false, 'no idle connection was closed after 5.5 s');
      await raw.write(check());
      await routed.write(health);
      assert.ok(answeredRaw((await raw.read(1))[0]!), 'the raw path answers on the reused connection');
      assert.equal((await routed.read(1))[0]?.status, 200, 'node:http answers on the reused connection');
      raw.close();
      routed.close();
    } finally {
      await t.stop();
    }
  });
});
