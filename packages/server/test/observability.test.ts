import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthService, buildApp, createLogger, FolderBlobStore, Metrics, openSqliteStore } from '../src/index.js';
import { markUnavailable } from '../src/domain/unavailable.js';
import { prettyLine } from '../src/app/logger.js';
import { createTrustedApp, prepareRelease, request, startTestServer, tempDir, type TestServer } from './helpers.js';

// Logs and metrics of a real server over real HTTP: one JSON line per request with route,
// status, duration and request id, and never a key, token, password or device identifier;
// 5xx details with a stack; GET /metrics only for its token.

const APP = 'observed.app';
const METRICS_TOKEN = 'metrics-' + randomBytes(12).toString('hex');
const DEVICE_ID = 'device-' + randomBytes(12).toString('hex');
const PASSWORD = 'pw-' + randomBytes(12).toString('hex');

/** A raw HTTP/1.1 request on its own connection: the path the device's check front door serves. */
function rawGet(url: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // A plain keep-alive check (no Connection: close, which the front door leaves to node:http).
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`),
    );
    // The front door writes its answer in one piece.
    socket.once('data', (d: Buffer) => {
      resolve(d.toString('latin1'));
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

describe('logs and metrics', () => {
  let t: TestServer;
  const lines: string[] = [];
  let ingestKey = '';

  before(async () => {
    t = await startTestServer({
      logger: createLogger({ level: 'info', destination: { write: (l: string) => lines.push(l) } }),
      metricsToken: METRICS_TOKEN,
      timestampCacheMs: 60_000,
      guardrailIntervalMs: 0,
    });
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${APP}/releases`, body)).status, 201);
    const created = await t.api('POST', `/v1/apps/${APP}/ingest-keys`, { name: 'devices' });
    ingestKey = created.json.key;
  });
  after(async () => t.stop());

  it('writes one JSON line per request, with nothing secret or identifying in any line', async () => {
    const ts = `/repo/${APP}/metadata/timestamp.json`;
    assert.equal((await request(t.url + ts, 'GET')).status, 200);
    assert.match(await rawGet(t.url, ts), /^HTTP\/1.1 200/);
    const resolved = await request(`${t.url}/device/v1/apps/${APP}/resolve`, 'POST', {
      channel: 'production',
      platform: 'ios',
      runtimeVersion: '1.0.0',
      deviceId: DEVICE_ID,
    });
    assert.ok(resolved.status < 500, JSON.stringify(resolved.json));
    const events = await request(
      `${t.url}/v1/events`,
      'POST',
      {
        events: [
          {
            id: randomBytes(16).toString('base64url'),
            event: 'check',
            releaseId: 'r1',
            channel: 'production',
            platform: 'ios',
            at: new Date().toISOString(),
          },
        ],
      },
      { authorization: `Bearer ${ingestKey}` },
    );
    assert.equal(events.status, 200);
    const login = await request(`${t.url}/auth/session`, 'POST', { email: 'a@example.com', password: PASSWORD });
    assert.ok(login.status >= 400 && login.status < 500);
    const unknown = await request(`${t.url}/nowhere?deviceId=${DEVICE_ID}`, 'GET');
    assert.equal(unknown.status, 404);

    const all = lines.join('');
    for (const secret of [t.key, ingestKey, METRICS_TOKEN, DEVICE_ID, PASSWORD]) {
      assert.ok(!all.includes(secret), `the log never contains ${secret.slice(0, 8)}…`);
    }
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = entries.filter((e) => e['msg'] === 'request');
    const publish = requests.find((e) => e['route'] === '/v1/apps/:appId/releases' && e['method'] === 'POST');
    assert.ok(publish, 'the publish has its line');
    assert.equal(publish['status'], 201);
    assert.equal(typeof publish['ms'], 'number');
    assert.match(String(publish['reqId']), /^[0-9a-f-]{36}$/);
    assert.ok(requests.some((e) => e['route'] === 'unmatched' && e['status'] === 404));
    assert.ok(
      requests.every((e) => !('url' in e) && !('req' in e)),
      'lines carry the route pattern, not the URL',
    );
  });

  it('serves /metrics only with its token, in Prometheus text format', async () => {
    assert.equal((await request(`${t.url}/metrics`, 'GET')).status, 401);
    assert.equal((await request(`${t.url}/metrics`, 'GET', undefined, { authorization: 'Bearer nope' })).status, 401);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(
      text,
      /updraft_http_requests_total\{method="POST",route="\/v1\/apps\/:appId\/releases",status="201"\} 1/,
    );
    assert.match(
      text,
      /updraft_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/apps",status="201",le="\+Inf"\} 1/,
    );
    assert.match(text, /updraft_publishes_total\{result="ok"\} 1/);
    assert.match(text, /updraft_device_checks_total\{answered="cache"\} [1-9]/, 'the raw check counted as cached');
    assert.match(text, /updraft_events_ingested_total 1/);
    assert.match(text, /updraft_process_resident_memory_bytes \d+/);
  });

  it("serves exactly the metrics docs/self-hosting.md's Metrics section lists", async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const served = [...(await res.text()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    const docs = await readFile(new URL('../../../docs/self-hosting.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('### Metrics'), docs.indexOf('\n### ', docs.indexOf('### Metrics') + 1));
    // The table's first column: one or more `name{labels}` each.
    const documented = section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .flatMap((l) => [...l.split(' | ')[0]!.matchAll(/`(updraft_\w+)/g)].map((m) => m[1]!));
    assert.ok(documented.length > 10, 'the Metrics table was found');
    assert.deepEqual([...new Set(served)].sort(), [...new Set(documented)].sort());
  });
});

describe('failures in the log and the metrics', () => {
  it('a 500 is logged with its stack; a dependency away is a counted 503 with Retry-After', async () => {
    const dir = await tempDir();
    const store = await openSqliteStore(join(dir, 'updraft.db'));
    const blobs = await FolderBlobStore.open(join(dir, 'blobs'));
    const key = await new AuthService({ store, now: Date.now }).ensureOwnerKey(async () => {});
    let failure: Error = new Error('a bug');
    // listApps fails as the test says; everything else is the real store.
    const trust = new Proxy(store.trust, {
      get: (target, prop, receiver) =>
        prop === 'listApps' ? () => Promise.reject(failure) : Reflect.get(target, prop, receiver),
    });
    const failing = new Proxy(store, {
      get: (target, prop, receiver) => (prop === 'trust' ? trust : Reflect.get(target, prop, receiver)),
    });
    const lines: string[] = [];
    const metrics = new Metrics();
    const app = await buildApp({
      store: failing,
      blobs,
      metrics,
      metricsToken: METRICS_TOKEN,
      logger: createLogger({ destination: { write: (l: string) => lines.push(l) } }),
      jobs: false,
      dashboardDir: null,
    });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const auth = { authorization: `Bearer ${key}` };
      const bug = await request(`${url}/v1/apps`, 'GET', undefined, auth);
      assert.equal(bug.status, 500);
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['level'] === 50);
      assert.equal(logged?.['msg'], 'unhandled error');
      assert.match(String((logged?.['err'] as { stack?: string }).stack), /Error: a bug\n\s+at /);
      assert.equal(logged?.['reqId'], bug.headers.get('x-request-id'));

      failure = markUnavailable(new Error('Connection terminated unexpectedly'), 'database');
      const away = await request(`${url}/v1/apps`, 'GET', undefined, auth);
      assert.equal(away.status, 503);
      assert.equal(away.headers.get('retry-after'), '5');
      assert.equal(away.json.error.code, 'unavailable');
      const text = metrics.render();
      assert.match(text, /updraft_dependency_errors_total\{dependency="database"\} 1/);
      assert.match(text, /updraft_internal_errors_total 1/);
    } finally {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('no metrics token: no /metrics', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.stop());
  it('answers 404', async () => {
    assert.equal((await request(`${t.url}/metrics`, 'GET')).status, 404);
  });
});

describe('pretty log lines', () => {
  it('shows time, level, message and fields, and an error stack below', () => {
    const line = JSON.stringify({
      level: 50,
      time: '2026-12-05T21:30:01.123Z',
      pid: 1,
      msg: 'unhandled error',
      reqId: 'abc',
      err: { message: 'boom', stack: 'Error: boom\n    at x' },
    });
    assert.equal(prettyLine(line), '21:30:01 ERROR unhandled error  reqId=abc\n    Error: boom\n        at x\n');
  });
});
