import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { adminPublisher } from '@updraft/test-kit/admin-publisher';
import { markUnavailable } from '../src/domain/unavailable.js';
import { createTrustedApp, prepareRelease, request } from './helpers.js';
import { startOutageApp, type OutageApp } from './outage-app.js';

// What devices still get while the database is away (docs/self-hosting.md, "Health, outages
// and a full disk"): the check every device makes at launch, the root walk's request for the
// next root (a 404) and timestamp.json, from what this instance read last; everything else
// answers 503 with Retry-After. Both ways a check arrives are asked: the cached front door
// (a plain keep-alive request) and the Fastify route behind it (a request the front door does
// not take, here one with `Connection: close`, as a proxy may send it).

const APP = 'database.away.app';
const CACHE_MS = 100;

/** One GET on its own connection (`Connection: close`): node:http and the Fastify route answer it. */
function getClosing(url: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }),
      );
    }).on('error', reject);
  });
}

describe('the database away: what devices still get', () => {
  let s: OutageApp;
  let away = false;

  before(async () => {
    const fail = () => Promise.reject(markUnavailable(new Error('Connection terminated unexpectedly'), 'database'));
    // Every port method and transaction rejects while away, marked as the PostgreSQL pool's errors are.
    const failing = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (t, prop, receiver) => {
          const value: unknown = Reflect.get(t, prop, receiver);
          if (typeof value === 'function') {
            return (...args: unknown[]) =>
              away && prop !== 'close' ? fail() : (value as (...a: unknown[]) => unknown).apply(t, args);
          }
          return value !== null && typeof value === 'object' ? failing(value) : value;
        },
      });
    s = await startOutageApp({
      store: failing,
      options: async () => ({ jobs: false, dashboardDir: null, timestampCacheMs: CACHE_MS }),
    });
    const { url, key } = s;
    const api = (method: string, path: string, body?: unknown) =>
      request(url + path, method, body, { authorization: `Bearer ${key}` });
    const t = { url, api, publisher: adminPublisher(url, key) };
    const { keys } = await createTrustedApp(t, APP);
    const { body } = await prepareRelease(t, APP, keys, { releaseId: 'r1', versionCode: 1 });
    const published = await api('POST', `/v1/apps/${APP}/releases`, body);
    assert.equal(published.status, 201, JSON.stringify(published.json));
  });
  after(async () => {
    away = false;
    await s?.close();
  });

  it('answers the check from the last timestamp and root version it read, on both paths; 503 for the rest', async () => {
    const timestampUrl = `${s.url}/repo/${APP}/metadata/timestamp.json`;
    const before = await request(timestampUrl, 'GET');
    assert.equal(before.status, 200);
    away = true;
    // Past the cache's freshness: every answer below is one the database could not give.
    await new Promise((r) => setTimeout(r, CACHE_MS * 3));

    for (const [path, name] of [
      [getClosing, 'the Fastify route'],
      [
        (u: string) => request(u, 'GET').then((r) => ({ ...r, body: new TextDecoder().decode(r.bytes) })),
        'the front door',
      ],
    ] as const) {
      const timestamp = await path(timestampUrl);
      assert.equal(timestamp.status, 200, `${name}: timestamp.json ${timestamp.body}`);
      assert.equal(timestamp.body, new TextDecoder().decode(before.bytes), `${name}: the last timestamp read`);
      const nextRoot = await path(`${s.url}/repo/${APP}/metadata/2.root.json`);
      assert.equal(nextRoot.status, 404, `${name}: the next root does not exist: ${nextRoot.body}`);
    }

    const root = await getClosing(`${s.url}/repo/${APP}/metadata/1.root.json`);
    assert.deepEqual(
      [root.status, root.retryAfter],
      [503, '5'],
      `a document not cached needs the database: ${root.body}`,
    );
    const resolve = await request(`${s.url}/device/v1/apps/${APP}/resolve`, 'POST', {
      channel: 'production',
      platform: 'ios',
      runtimeVersion: '1.0.0',
      deviceId: 'device-away',
    });
    assert.deepEqual([resolve.status, resolve.headers.get('retry-after')], [503, '5'], 'resolve needs the database');
    const admin = await request(`${s.url}/v1/apps`, 'GET', undefined, { authorization: `Bearer ${s.key}` });
    assert.deepEqual([admin.status, admin.headers.get('retry-after')], [503, '5'], 'admin reads need the database');
    assert.equal((await request(`${s.url}/healthz`, 'GET')).status, 200, 'the process is alive');
    assert.equal((await request(`${s.url}/readyz`, 'GET')).json.database, 'unavailable');

    away = false;
    assert.equal((await getClosing(`${s.url}/repo/${APP}/metadata/1.root.json`)).status, 200, 'back at once');
    assert.equal(
      (await request(`${s.url}/v1/apps`, 'GET', undefined, { authorization: `Bearer ${s.key}` })).status,
      200,
    );
  });
});
