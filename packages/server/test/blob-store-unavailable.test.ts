import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codePushPackageHash } from '@updraft/protocol';
import { hashLeaf, leafHintPath, tilePath } from '@updraft/protocol/transparency';
import { adminPublisher } from '@updraft/test-kit/admin-publisher';
import { anchorAuditHeads } from '../src/index.js';
import type { Database } from '../src/persistence/persistence.js';
import { markUnavailable } from '../src/domain/unavailable.js';
import { createTrustedApp, prepareRelease, request, sha256, type ApiResponse } from './helpers.js';
import { startOutageApp, type OutageApp } from './outage-app.js';
import { registeredRoutes } from './route-catalogue.js';

// Which routes need the blob store (docs/self-hosting.md, "Health, outages and a full disk"):
// with it away, every GET route an admin or a device uses is asked over real HTTP, against a
// server holding an app, releases published through the publish route, channels, a rollout,
// device events, a source map and a CodePush package. A route that only needs the database
// answers as usual; only those that send blob bytes answer 503 with Retry-After. The routes
// come from the server's own router, so a new route is swept (or fails here for want of a
// parameter value) without editing this file.

const APP = 'blobs.away.app';
const METRICS_TOKEN = 'metrics-token';

/** Routes that send a blob's bytes: with the store away, 503 + Retry-After is their answer. */
const NEEDS_BLOBS: Record<string, string> = {
  'GET /repo/{appId}/targets/{*}': 'release files and manifests',
  'GET /expo/{appId}/assets/{file}': "an Expo update's assets",
  'GET /v0.1/public/codepush/download/{appId}/{zip}': 'CodePush package zips',
  'GET /v1/apps/{appId}/releases/{releaseId}/sourcemaps/{name}': 'a source map, as uploaded',
  'GET /readyz': 'says the blob store is away (for the load balancer)',
};

/** Success answers other than 200 that a database-only route gives in this fixture, each with why. */
const OTHER_SUCCESS: Record<string, { status: number; why: string }> = {
  'GET /expo/{appId}': { status: 204, why: 'no Expo update is published: nothing to say' },
  'GET /v1/apps/{appId}/expo/updates/{releaseId}': {
    status: 404,
    why: 'no Expo update registered (its registration checks an Expo manifest: tested in expo-admin tests)',
  },
};

interface Fixture {
  fileSha: string;
  zip: string;
  deploymentKey: string;
  logSize: number;
  leafHash: Uint8Array;
  auditSize: number;
  auditLeafHash: Uint8Array;
}

/** Concrete values of path parameters; `{*}` and the per-route ones are in `target`. */
function target(route: string, f: Fixture): { path: string; headers?: Record<string, string> } {
  const values: Record<string, string> = {
    appId: APP,
    releaseId: 'r1',
    platform: 'ios',
    runtimeVersion: '1.0.0',
    role: 'root',
    name: 'index.bundle.map',
  };
  const logBase = route.startsWith('GET /log/audit') ? { size: f.auditSize, leaf: f.auditLeafHash } : null;
  const log = logBase ?? { size: f.logSize, leaf: f.leafHash };
  const perRoute: Record<string, Record<string, string>> = {
    'GET /repo/{appId}/metadata/{file}': { file: '1.root.json' },
    'GET /repo/{appId}/targets/{*}': { '*': `files/${f.fileSha}` },
    'GET /expo/{appId}/assets/{file}': { file: `${f.fileSha}.js` },
    'GET /assets/{file}': { file: 'app.js' },
    'GET /v0.1/public/codepush/download/{appId}/{zip}': { zip: `${f.zip}.zip` },
    'GET /v1/apps/{appId}/codepush/packages/{releaseId}': { releaseId: 'r3' },
  };
  const pattern = route.slice(route.indexOf(' ') + 1);
  const own = perRoute[route] ?? {};
  let path = pattern.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (own[name] !== undefined) return own[name];
    if (name === '*' && pattern.endsWith('/tile/entries/{*}')) {
      return tilePath({ level: 'entries', index: 0, width: log.size }).slice('tile/entries/'.length);
    }
    if (name === 'level') return '0';
    if (name === '*' && pattern.endsWith('/tile/{level}/{*}')) {
      return tilePath({ level: 0, index: 0, width: log.size }).slice('tile/0/'.length);
    }
    if (name === 'hash') return leafHintPath(log.leaf).slice('leaf/'.length);
    const value = values[name];
    if (value === undefined) throw new Error(`${route}: give :${name} a value in this test`);
    return value;
  });
  const query: Record<string, string> = {
    'GET /v1/apps/{appId}/releases/{releaseId}/guardrail': 'channel=production',
    'GET /v0.1/public/codepush/update_check': `deployment_key=${f.deploymentKey}&app_version=1.0.0`,
    'GET /updateCheck': `deploymentKey=${f.deploymentKey}&appVersion=1.0.0`,
  };
  const logQuery: Record<string, string> = {
    '/entries': `start=0&end=${log.size}`,
    '/proof/inclusion': `index=0&treeSize=${log.size}`,
    '/proof/consistency': `from=1&to=${log.size}`,
  };
  const logEnd = Object.keys(logQuery).find((end) => pattern.includes('/log/') && pattern.endsWith(end));
  const q = query[route] ?? (logEnd ? logQuery[logEnd] : undefined);
  if (q) path += `?${q}`;
  const headers: Record<string, string> = {};
  if (route === 'GET /metrics') headers['authorization'] = `Bearer ${METRICS_TOKEN}`;
  if (route === 'GET /expo/{appId}') {
    Object.assign(headers, {
      accept: 'multipart/mixed,application/expo+json,application/json',
      'expo-platform': 'ios',
      'expo-protocol-version': '1',
      'expo-runtime-version': '1.0.0',
      'expo-channel-name': 'production',
    });
  }
  return { path, headers };
}

describe('the blob store away: which routes still answer', () => {
  let s: OutageApp;
  let away = false;
  let fixture: Fixture;

  before(async () => {
    s = await startOutageApp({
      // Every read and write rejects while away, marked as S3's errors are (blobs/s3-blob-store.ts).
      blobs: (folder) =>
        new Proxy(folder, {
          get: (target, prop, receiver) => {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function' || prop === 'publicUrl' || prop === 'close') return value;
            return (...args: unknown[]) =>
              away
                ? Promise.reject(markUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:9000'), 'blob-store'))
                : (value as (...a: unknown[]) => unknown).apply(target, args);
          },
        }),
      options: async (dir) => {
        const dashboard = join(dir, 'dashboard');
        await mkdir(join(dashboard, 'assets'), { recursive: true });
        await writeFile(join(dashboard, 'index.html'), '<!doctype html><title>Updraft</title>');
        await writeFile(join(dashboard, 'assets', 'app.js'), 'console.log("dashboard")');
        return { jobs: false, metricsToken: METRICS_TOKEN, dashboardDir: dashboard, timestampCacheMs: 1000 };
      },
    });
    fixture = await populate(s.url, s.key, s.store);
  });
  after(async () => {
    await s?.close();
  });

  async function get(route: string): Promise<{ path: string; res: ApiResponse }> {
    const { path, headers } = target(route, fixture);
    const res = await request(`${s.url}${path}`, 'GET', undefined, { authorization: `Bearer ${s.key}`, ...headers });
    return { path, res };
  }

  it('database-only routes answer; only routes that send blob bytes answer 503 with Retry-After', async () => {
    const gets = registeredRoutes(s.app).filter((r) => r.startsWith('GET '));
    assert.ok(gets.includes('GET /v1/apps/{appId}/releases'), 'the route tree was read');
    for (const route of Object.keys(NEEDS_BLOBS)) assert.ok(gets.includes(route), `${route} is not a route`);
    away = true;
    const wrong: string[] = [];
    for (const route of gets) {
      const { path, res } = await get(route);
      const body = new TextDecoder().decode(res.bytes).slice(0, 200);
      if (route in NEEDS_BLOBS) {
        if (res.status !== 503 || res.headers.get('retry-after') !== '5') {
          wrong.push(`${route} (${path}): ${res.status}, retry-after ${res.headers.get('retry-after')}: ${body}`);
        }
        continue;
      }
      const expected = OTHER_SUCCESS[route]?.status ?? 200;
      if (res.status !== expected) wrong.push(`${route} (${path}): ${res.status}, expected ${expected}: ${body}`);
    }
    assert.deepEqual(wrong, []);
    const readyz = await get('GET /readyz');
    assert.deepEqual(readyz.res.json, { ok: false, database: 'ok', blobStore: 'unavailable' });
  });

  it('device resolve and device events (database only) are answered too', async () => {
    away = true;
    const resolved = await request(`${s.url}/device/v1/apps/${APP}/resolve`, 'POST', {
      channel: 'production',
      platform: 'ios',
      runtimeVersion: '1.0.0',
      deviceId: 'device-away',
    });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.json));
    assert.ok(resolved.json.release, 'a release is resolved');
    const ingest = await request(`${s.url}/v1/apps/${APP}/ingest-keys`, 'POST', { name: 'away' }, auth(s.key));
    const sent = await request(
      `${s.url}/v1/events`,
      'POST',
      { events: [event('away-event-0000001', 'installed', 'r1')] },
      auth(ingest.json.key),
    );
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
  });

  it('every route answers as usual once the store is back, the release sizes with it', async () => {
    away = false;
    const gets = registeredRoutes(s.app).filter((r) => r.startsWith('GET '));
    const wrong: string[] = [];
    for (const route of gets) {
      const { path, res } = await get(route);
      const expected = OTHER_SUCCESS[route]?.status ?? 200;
      if (res.status !== expected) wrong.push(`${route} (${path}): ${res.status}, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
    const list = await request(`${s.url}/v1/apps/${APP}/releases`, 'GET', undefined, auth(s.key));
    for (const r of list.json.releases as { releaseId: string; sizeBytes: number | null }[]) {
      assert.ok(r.sizeBytes !== null && r.sizeBytes > 0, `${r.releaseId} is sized again`);
    }
  });
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

function event(id: string, kind: string, releaseId: string) {
  return { id, event: kind, releaseId, channel: 'production', platform: 'ios', at: new Date().toISOString() };
}

/** The app, its releases and everything admins and devices read about them. */
async function populate(url: string, key: string, store: Database): Promise<Fixture> {
  const api = (method: string, path: string, body?: unknown) => request(url + path, method, body, auth(key));
  const ok = (res: ApiResponse, what: string, status = 200) =>
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.json)}`);
  const t = { url, api, publisher: adminPublisher(url, key) };
  const { keys } = await createTrustedApp(t, APP);
  for (const name of ['beta', 'nightly']) ok(await api('POST', `/v1/apps/${APP}/channels`, { name }), name, 201);
  const files: Record<string, string> = {};
  const releases: [string, string][] = [
    ['r1', 'production'],
    ['r2', 'staging'],
    ['r3', 'production'],
  ];
  for (const [i, [releaseId, channel]] of releases.entries()) {
    files[releaseId] = `console.log(${JSON.stringify(releaseId)})`;
    const { body } = await prepareRelease(t, APP, keys, {
      releaseId,
      versionCode: i + 1,
      channel,
      files: { 'index.bundle': files[releaseId] },
    });
    ok(await api('POST', `/v1/apps/${APP}/releases`, body), `publish ${releaseId}`, 201);
  }
  ok(await api('POST', `/v1/apps/${APP}/releases/r3/rollout`, { channel: 'production', basisPoints: 2500 }), 'rollout');
  const ingest = await api('POST', `/v1/apps/${APP}/ingest-keys`, { name: 'devices' });
  ok(ingest, 'ingest key', 201);
  const events = ['r1', 'r3'].flatMap((releaseId, i) =>
    ['installed', 'app_ready'].map((kind, j) => event(`event-${i}-${j}-000000000000`, kind, releaseId)),
  );
  ok(await request(`${url}/v1/events`, 'POST', { events }, auth(ingest.json.key)), 'events');
  const map = new TextEncoder().encode('{"version":3,"sources":[],"mappings":""}');
  ok(
    await request(`${url}/v1/apps/${APP}/releases/r1/sourcemaps/index.bundle.map?sha256=${sha256(map)}`, 'PUT', map, {
      ...auth(key),
      'content-type': 'application/octet-stream',
    }),
    'source map',
    201,
  );
  const fileSha = sha256(files['r1']!);
  ok(
    await api('PUT', `/v1/apps/${APP}/embedded/ios/1.0.0`, {
      files: [{ path: 'index.bundle', sha256: fileSha, length: files['r1']!.length }],
    }),
    'embedded bundle',
  );
  const deployment = await api('POST', `/v1/apps/${APP}/codepush/deployments`, {
    name: 'Production',
    channel: 'production',
    platform: 'ios',
  });
  ok(deployment, 'CodePush deployment', 201);
  const packageHash = codePushPackageHash([{ path: 'index.bundle', sha256: sha256(files['r3']!) }]);
  const pkg = await api('PUT', `/v1/apps/${APP}/codepush/packages/r3`, {
    packageHash,
    signature: null,
    targetAppVersion: null,
  });
  ok(pkg, 'CodePush package');
  // Its zip, named as update_check names it to a device in the rollout.
  const [stored] = await store.codepush.listPackages(APP, ['r3']);
  assert.ok(stored, 'the CodePush package is stored');
  // The audit job's one run (jobs are off here), so the audit log has entries too.
  await anchorAuditHeads(store, Date.now);
  const log = await leafOf(`${url}/repo/${APP}/log`);
  const audit = await leafOf(`${url}/log/audit`);
  return {
    fileSha,
    zip: stored.zipSha256,
    deploymentKey: deployment.json.deploymentKey,
    logSize: log.size,
    leafHash: log.leaf,
    auditSize: audit.size,
    auditLeafHash: audit.leaf,
  };
}

/** A log's size (from its checkpoint) and the leaf hash of its first entry. */
async function leafOf(base: string): Promise<{ size: number; leaf: Uint8Array }> {
  const checkpoint = new TextDecoder().decode((await request(`${base}/checkpoint`, 'GET')).bytes);
  const size = Number(checkpoint.split('\n')[1]);
  assert.ok(size > 0, `${base} has entries: ${checkpoint}`);
  const entries = await request(`${base}/entries?start=0&end=1`, 'GET');
  return { size, leaf: hashLeaf(Buffer.from(entries.json.entries[0].data as string, 'base64')) };
}
