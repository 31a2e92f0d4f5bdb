import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeClient } from '@updraft/client/node';
import type { UpdraftClient } from '@updraft/client';
import { pointerTargetPath } from '@updraft/protocol';
import {
  generateKeyFile,
  localSigner,
  serializeEnvelope,
  signMetadata,
  type JsonObject,
  type KeyFile,
  type OnlineRole,
} from '@updraft/server';
import { runCli, startServerProcess, tempDir, type ServerProcess } from '../helpers/cli.js';
import {
  passThrough,
  startHostileProxy,
  startStaticServer,
  type Attack,
  type HostileProxy,
  type Upstream,
} from '../helpers/hostile-proxy.js';
import { forgeOnline, getBytes, getJson, mirrorRepository, stealOnlineKeys } from '../helpers/repo-tools.js';

// The hostile-network suite (docs/security.md, "Threats and defences"): a malicious proxy on
// 127.0.0.1 sits between the real Node device client and the real server process, and tries
// each class of attack TUF names, plus what a stolen server can do with its online keys. Every
// case ends with the device running its last good bundle, and the reason code it reported.

const A = 'com.example.target';
const B = 'com.example.other';
const E = 'com.example.frozen';
const DAY = 86_400_000;

let server: ServerProcess;
let proxy: HostileProxy;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
const keysDir = (app: string) => join(work.path, 'keys', app);
const shippedRoot: Record<string, Uint8Array> = {};
const rel: Record<string, { releaseId: string; versionCode: number }> = {};
let oldTimestampA: Buffer;
let frozenTimestampE: Buffer;
let stolen: Record<OnlineRole, KeyFile>;
let templateA: string;
let templateE: string;
let caseNo = 0;

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const content = (tag: string) => `console.log(${JSON.stringify(tag)})`;

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json'], env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json as Record<string, unknown>;
}

async function publish(app: string, tag: string, opts: { platform?: string; rv?: string; channel?: string } = {}) {
  const dir = join(work.path, 'bundles', tag);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.js'), content(tag));
  rel[tag] = (await cli([
    'publish',
    dir,
    '--app',
    app,
    '--platform',
    opts.platform ?? 'ios',
    '--runtime-version',
    opts.rv ?? '1.0.0',
    '--channel',
    opts.channel ?? 'production',
    '--keys',
    keysDir(app),
  ])) as unknown as { releaseId: string; versionCode: number };
}

function client(
  dir: string,
  app: string,
  opts: { server?: string; clock?: number; timeoutMs?: number; insecure?: boolean } = {},
): UpdraftClient {
  return createNodeClient({
    dir,
    server: opts.server ?? proxy.url,
    appId: app,
    platform: 'ios',
    runtimeVersion: '1.0.0',
    channel: 'production',
    trustedRoot: shippedRoot[app]!,
    allowInsecureLocalhost: opts.insecure ?? true,
    deviceId: 'device-1',
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.clock !== undefined ? { clock: { now: () => Date.now() + opts.clock! } } : {}),
  });
}

/** A device that installed and confirmed `tag` through the honest proxy. */
async function confirmedDevice(app: string, tag: string): Promise<string> {
  const dir = join(work.path, 'templates', `${app}-${tag}`);
  const c = client(dir, app);
  const r = await c.sync();
  assert.equal(r.release, rel[tag]!.releaseId, JSON.stringify(r));
  assert.equal((await c.launch()).releaseId, rel[tag]!.releaseId);
  await c.notifyAppReady();
  return dir;
}

async function copyDevice(template: string): Promise<string> {
  const dir = join(work.path, 'cases', String(++caseNo));
  await cp(template, dir, { recursive: true });
  return dir;
}

async function assertRuns(c: UpdraftClient, tag: string): Promise<void> {
  const launch = await c.launch();
  assert.equal(launch.releaseId, rel[tag]!.releaseId, 'the device still runs its last good bundle');
  assert.equal(await readFile(launch.launchPath!, 'utf8'), content(tag));
}

interface Case {
  attack: () => Promise<Attack>;
  expect: string;
  app?: string;
  clock?: number;
  timeoutMs?: number;
  message?: RegExp;
}

/** One attack on a copy of a device that runs the app's first release, with an update available. */
async function attackCase(c: Case): Promise<void> {
  const app = c.app ?? A;
  const dir = await copyDevice(app === E ? templateE : templateA);
  const device = client(dir, app, {
    ...(c.clock ? { clock: c.clock } : {}),
    ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
  });
  proxy.attack = await c.attack();
  let result;
  try {
    result = await device.sync();
  } finally {
    proxy.attack = passThrough;
  }
  assert.equal(result.reason, c.expect, `${result.status}: ${result.message}`);
  assert.notEqual(result.status, 'updated');
  if (c.message) assert.match(result.message ?? '', c.message);
  await assertRuns(device, app === E ? 'e1' : 'v1');
}

// Attack building blocks.
const isPath = (suffix: string) => (p: string) => p.startsWith(`/repo/${A}/`) && p.endsWith(suffix);
const onPath =
  (match: (p: string) => boolean, change: (up: Upstream) => Upstream): Attack =>
  async (path, forward) =>
    match(path) ? change(await forward()) : forward();
const serve =
  (match: (p: string) => boolean, body: Buffer | string): Attack =>
  async (path, forward) =>
    match(path) ? { status: 200, body } : forward();
const serveFiles =
  (app: string, files: Map<string, Buffer>): Attack =>
  async (path, forward) => {
    const name = path.slice(`/repo/${app}/metadata/`.length);
    return path.startsWith(`/repo/${app}/metadata/`) && files.has(name)
      ? { status: 200, body: files.get(name)! }
      : forward();
  };
const flipByte = (up: Upstream): Upstream => {
  const body = Buffer.from(up.body);
  const i = Math.floor(body.length / 2);
  body[i] = body[i] === 0x41 ? 0x42 : 0x41;
  return { ...up, body };
};
const v2File = () => isPath(`/targets/files/${sha256(content('v2'))}`);

/** The releases target of a release: what a forged pointer must name to point at it. */
async function releaseTarget(
  app: string,
  tag: string,
): Promise<{ length: number; sha256: string; versionCode: number }> {
  const snapV = (await getJson(`${server.url}/repo/${app}/metadata/timestamp.json`)).signed['meta'] as Record<
    string,
    { version: number }
  >;
  const snap = await getJson(`${server.url}/repo/${app}/metadata/${snapV['snapshot.json']!.version}.snapshot.json`);
  const rv = (snap.signed['meta'] as Record<string, { version: number }>)['releases.json']!.version;
  const releases = await getJson<{
    signed: { targets: Record<string, { length: number; hashes: { sha256: string } }> };
  }>(`${server.url}/repo/${app}/metadata/${rv}.releases.json`);
  const t = releases.signed.targets[`manifests/${rel[tag]!.releaseId}.json`]!;
  return { length: t.length, sha256: t.hashes.sha256, versionCode: rel[tag]!.versionCode };
}

/** Stolen online keys re-point A's ios/1.0.0 production channel at `tag` (a release the publisher signed). */
async function pointAt(tag: string, app = A): Promise<Attack> {
  const target = await releaseTarget(app, tag);
  const files = await forgeOnline(server.url, A, stolen, {
    director: (targets) => {
      targets[pointerTargetPath('production', 'ios', '1.0.0')] = {
        length: target.length,
        hashes: { sha256: target.sha256 },
        custom: {
          updraft: {
            channel: 'production',
            platform: 'ios',
            runtimeVersion: '1.0.0',
            releaseId: rel[tag]!.releaseId,
            versionCode: target.versionCode,
            mandatory: false,
            rollout: { basisPoints: 10000, salt: 'forged' },
            previous: null,
          },
        },
      };
    },
  });
  return serveFiles(A, files);
}

before(async () => {
  work = await tempDir('hostile');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  proxy = await startHostileProxy(server.url);
  for (const app of [A, B, E]) {
    await cli(['apps', 'create', app, '--keys', keysDir(app)]);
    shippedRoot[app] = new Uint8Array(await readFile(join(keysDir(app), 'root.json')));
  }
  oldTimestampA = await getBytes(`${server.url}/repo/${A}/metadata/timestamp.json`);
  // A's root becomes 2-of-2 (devices follow from the shipped root v1).
  const r2 = join(work.path, 'root2.key.json');
  await cli(['keys', 'generate', '--out', r2]);
  await cli([
    'keys',
    'rotate',
    '--app',
    A,
    '--keys',
    keysDir(A),
    '--role',
    'root',
    '--new-key',
    r2,
    '--threshold',
    '2',
  ]);

  await publish(A, 'v1');
  templateA = await confirmedDevice(A, 'v1');
  await publish(A, 'v2');
  await publish(A, 'android', { platform: 'android' });
  await publish(A, 'rv2', { rv: '2.0.0' });
  await publish(A, 'beta', { channel: 'beta' });
  await publish(B, 'b1');

  await cli(['apps', 'expiry', E, '--timestamp', '3d', '--snapshot', '2d', '--director', '1d']);
  await publish(E, 'e1');
  templateE = await confirmedDevice(E, 'e1');
  frozenTimestampE = await getBytes(`${server.url}/repo/${E}/metadata/timestamp.json`);
  stolen = await stealOnlineKeys(server.dataDir, A);
});

after(async () => {
  await proxy?.close();
  await server?.stop();
  await work?.cleanup();
});

test('control: through the proxy without an attack, the device updates to v2', async () => {
  const c = client(await copyDevice(templateA), A);
  const r = await c.sync();
  assert.equal(r.status, 'updated');
  assert.equal(r.release, rel['v2']!.releaseId);
});

// Arbitrary software.
test('altered bundle → hash', () => attackCase({ attack: async () => onPath(v2File(), flipByte), expect: 'hash' }));
test('altered manifest → hash', () =>
  attackCase({
    attack: async () => onPath((p) => p.startsWith(`/repo/${A}/targets/manifests/`), flipByte),
    expect: 'hash',
  }));
test('forged signature (timestamp changed after signing) → signature', () =>
  attackCase({
    attack: async () =>
      onPath(isPath('/timestamp.json'), (up) => {
        const env = JSON.parse(up.body.toString()) as { signed: { version: number } };
        env.signed.version += 1;
        return { ...up, body: Buffer.from(JSON.stringify(env)) };
      }),
    expect: 'signature',
  }));
test('metadata signed by an untrusted key → signature', () =>
  attackCase({
    attack: async () => {
      const ts = await getJson(`${server.url}/repo/${A}/metadata/timestamp.json`);
      const signed = { ...ts.signed, version: (ts.signed['version'] as number) + 1 } as JsonObject;
      const forged = serializeEnvelope(await signMetadata(signed, [localSigner(generateKeyFile())]));
      return serve(isPath('/timestamp.json'), Buffer.from(forged));
    },
    expect: 'signature',
  }));

// Rollback.
test('replay of an older timestamp → rollback', () =>
  attackCase({ attack: async () => serve(isPath('/timestamp.json'), oldTimestampA), expect: 'rollback' }));
test('older snapshot, signed with stolen online keys → rollback', () =>
  attackCase({
    attack: async () =>
      serveFiles(
        A,
        await forgeOnline(server.url, A, stolen, {
          timestampSnapshot: async () => {
            const bytes = await getBytes(`${server.url}/repo/${A}/metadata/1.snapshot.json`);
            return { version: 1, length: bytes.length, hashes: { sha256: sha256(bytes) } };
          },
        }),
      ),
    expect: 'rollback',
  }));
for (const role of ['director', 'releases'] as const) {
  test(`snapshot naming an older ${role}, signed with stolen online keys → rollback`, () =>
    attackCase({
      attack: async () =>
        serveFiles(
          A,
          await forgeOnline(server.url, A, stolen, {
            snapshotMeta: async (meta, fetchVersion) => {
              meta[`${role}.json`] = await fetchVersion(role, 1);
            },
          }),
        ),
      expect: 'rollback',
    }));
}
test('an older release (stolen director key points the channel back) → rollback, device keeps v2', async () => {
  const dir = await copyDevice(templateA);
  const honest = client(dir, A);
  assert.equal((await honest.sync()).status, 'updated');
  assert.equal((await honest.launch()).releaseId, rel['v2']!.releaseId);
  await honest.notifyAppReady();
  const device = client(dir, A);
  proxy.attack = await pointAt('v1');
  const r = await device.sync().finally(() => (proxy.attack = passThrough));
  assert.equal(r.reason, 'rollback', r.message);
  await assertRuns(device, 'v2');
});

// Indefinite freeze: the proxy keeps serving what it captured while the device's time moves on.
for (const [role, days] of [
  ['director', 1.5],
  ['snapshot', 2.5],
  ['timestamp', 3.5],
] as const) {
  test(`frozen metadata: expired ${role} → expired`, () =>
    attackCase({
      app: E,
      clock: days * DAY,
      attack: async () => serve((p) => p === `/repo/${E}/metadata/timestamp.json`, frozenTimestampE),
      expect: 'expired',
      message: new RegExp(`${role} metadata expired`),
    }));
}

// Endless data.
test('bundle longer than its signed length → length', () =>
  attackCase({
    attack: async () => onPath(v2File(), (up) => ({ ...up, body: Buffer.concat([up.body, Buffer.alloc(64)]) })),
    expect: 'length',
  }));
test('snapshot longer than its signed length → length', () =>
  attackCase({
    attack: async () =>
      onPath(isPath('.snapshot.json'), (up) => ({ ...up, body: Buffer.concat([up.body, Buffer.alloc(16, 32)]) })),
    expect: 'length',
  }));
test('endless timestamp → length', () =>
  attackCase({
    attack: async () => async (p, fwd) => (isPath('/timestamp.json')(p) ? { endless: Buffer.alloc(8192, 32) } : fwd()),
    expect: 'length',
  }));
test('endless root → length', () =>
  attackCase({
    attack: async () => async (p, fwd) => (isPath('/3.root.json')(p) ? { endless: Buffer.alloc(8192, 32) } : fwd()),
    expect: 'length',
  }));

// Mix and match.
test('director from another snapshot → hash/length (the snapshot pins every role)', async () => {
  const old = await getBytes(`${server.url}/repo/${A}/metadata/1.director.json`);
  const snapV = (
    (await getJson(`${server.url}/repo/${A}/metadata/timestamp.json`)).signed['meta'] as Record<
      string,
      { version: number }
    >
  )['snapshot.json']!.version;
  const current = (
    (await getJson(`${server.url}/repo/${A}/metadata/${snapV}.snapshot.json`)).signed['meta'] as Record<
      string,
      { length: number }
    >
  )['director.json']!;
  await attackCase({
    attack: async () => serve(isPath('.director.json'), old),
    expect: old.length > current.length ? 'length' : 'hash',
  });
});

// Wrong software: a stolen director key can only point at releases the publisher signed, and
// only those signed for this app, platform, runtimeVersion and channel are accepted.
test("another app's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('b1', B), expect: 'wrong-target' }));
test("another platform's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('android'), expect: 'wrong-target' }));
test("another runtimeVersion's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('rv2'), expect: 'wrong-target' }));
test("another channel's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('beta'), expect: 'wrong-target' }));
test("another app's repository → signature", () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p)
        ? { status: 200, body: await getBytes(`${server.url}/repo/${B}/metadata/timestamp.json`) }
        : fwd(),
    expect: 'signature',
  }));

// Key compromise below the threshold.
test('a new root signed by one of the two required root keys → threshold', () =>
  attackCase({
    attack: async () => {
      const root = await getJson(`${server.url}/repo/${A}/metadata/2.root.json`);
      const signed = structuredClone(root.signed) as JsonObject & {
        keys: JsonObject;
        roles: Record<string, { keyids: string[] }>;
      };
      const rogue = generateKeyFile();
      signed.keys[rogue.keyid] = { keytype: rogue.keytype, scheme: rogue.scheme, keyval: rogue.keyval };
      signed.roles['timestamp']!.keyids = [rogue.keyid];
      signed['version'] = 3;
      const stolenRootKey = JSON.parse(await readFile(join(keysDir(A), 'root.key.json'), 'utf8')) as KeyFile;
      const forged = serializeEnvelope(await signMetadata(signed, [localSigner(stolenRootKey)]));
      return serve(isPath('/3.root.json'), Buffer.from(forged));
    },
    expect: 'threshold',
  }));

// Slow retrieval.
test('stalled timestamp → timeout', () =>
  attackCase({
    timeoutMs: 300,
    attack: async () => async (p, fwd) => (isPath('/timestamp.json')(p) ? { stall: true } : fwd()),
    expect: 'timeout',
  }));
test('bundle that stalls half-way → timeout', () =>
  attackCase({
    timeoutMs: 300,
    attack: async () => async (p, fwd) => (v2File()(p) ? { stall: true, partial: Buffer.from('cons') } : fwd()),
    expect: 'timeout',
  }));

// HTTP downgrade and redirects.
test('redirect to another host → insecure-url', () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p)
        ? { status: 302, headers: { location: `http://127.0.0.2:${new URL(server.url).port}${p}` } }
        : fwd(),
    expect: 'insecure-url',
  }));
test('redirect to another port of the same host → insecure-url', () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p) ? { status: 302, headers: { location: `${server.url}${p}` } } : fwd(),
    expect: 'insecure-url',
  }));
test('http without the development opt-in → insecure-url, no request sent', async () => {
  const device = client(await copyDevice(templateA), A, { insecure: false });
  proxy.requests = [];
  const r = await device.sync();
  assert.equal(r.reason, 'insecure-url');
  assert.deepEqual(proxy.requests, [], 'nothing reached the network');
  await assertRuns(device, 'v1');
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(
  'https redirected to http → insecure-url (device process trusting a test CA)',
  { skip: !hasOpenssl && 'needs openssl' },
  async () => {
    const certDir = join(work.path, 'tls');
    await mkdir(certDir, { recursive: true });
    const [key, cert] = [join(certDir, 'key.pem'), join(certDir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = await startHostileProxy(server.url, {
      key: await readFile(key, 'utf8'),
      cert: await readFile(cert, 'utf8'),
    });
    try {
      const dir = join(work.path, 'https-device');
      const rootPath = join(work.path, 'shipped-root-A.json');
      await writeFile(rootPath, shippedRoot[A]!);
      const sync = () =>
        runCli(
          [
            'device',
            'sync',
            '--json',
            '--server',
            tls.url,
            '--app',
            A,
            '--platform',
            'ios',
            '--runtime-version',
            '1.0.0',
            '--channel',
            'production',
            '--root',
            rootPath,
            '--dir',
            dir,
          ],
          { NODE_EXTRA_CA_CERTS: cert },
        );
      const honest = await sync();
      assert.equal(honest.json?.['status'], 'updated', honest.stdout + honest.stderr);
      await runCli(['device', 'launch', '--dir', dir]);
      await runCli(['device', 'ready', '--dir', dir]);
      tls.attack = async (p, fwd) =>
        isPath('/timestamp.json')(p) ? { status: 302, headers: { location: `${proxy.url}${p}` } } : fwd();
      const attacked = await sync();
      assert.equal(attacked.json?.['reason'], 'insecure-url', attacked.stdout);
      const launch = await runCli(['device', 'launch', '--dir', dir, '--json']);
      assert.equal(launch.json?.['releaseId'], rel['v2']!.releaseId, 'still the last good bundle');
    } finally {
      await tls.close();
    }
  },
);

// A tampered static folder (static mode: a CDN or bucket serves the exported repository).
test('tampered static folder: altered bundle → hash, altered timestamp → signature; untouched → updated', async () => {
  const folder = join(work.path, 'static');
  const repo = await mirrorRepository(server.url, A, folder);
  const cdn = await startStaticServer(folder);
  try {
    const untouched = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await untouched.sync()).release, rel['v2']!.releaseId, 'the mirror is complete');

    const bundle = join(repo, 'targets', 'files', sha256(content('v2')));
    const original = await readFile(bundle);
    await writeFile(bundle, flipByte({ status: 200, headers: {}, body: original }).body);
    const d1 = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await d1.sync()).reason, 'hash');
    await assertRuns(d1, 'v1');
    await writeFile(bundle, original);

    const tsPath = join(repo, 'metadata', 'timestamp.json');
    const ts = JSON.parse(await readFile(tsPath, 'utf8')) as { signed: { expires: string } };
    ts.signed.expires = '2099-01-01T00:00:00Z';
    await writeFile(tsPath, JSON.stringify(ts));
    const d2 = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await d2.sync()).reason, 'signature');
    await assertRuns(d2, 'v1');
  } finally {
    await cdn.close();
  }
});

// Fast-forward: last, because it rotates A's timestamp key.
test('fast-forward attack with a stolen timestamp key is undone by rotating that key', async () => {
  const dir = await copyDevice(templateA);
  const device = client(dir, A);
  const pushed = await forgeOnline(server.url, A, stolen, { timestampVersion: 2 ** 31 - 1 });
  proxy.attack = serveFiles(A, pushed);
  const accepted = await device.sync().finally(() => (proxy.attack = passThrough));
  assert.equal(accepted.status, 'updated', 'a validly signed timestamp is accepted: the key was stolen');
  const frozen = await client(dir, A).sync();
  assert.equal(frozen.reason, 'rollback', 'the real timestamp now looks older: the device is frozen');

  await cli([
    'keys',
    'rotate',
    '--app',
    A,
    '--keys',
    keysDir(A),
    '--role',
    'timestamp',
    '--key',
    join(work.path, 'root2.key.json'),
  ]);
  const recovered = client(dir, A);
  const r = await recovered.sync();
  assert.equal(r.reason, undefined, `${r.status}: ${r.message}`);
  assert.equal(r.status, 'up-to-date');
  // The overlap still lists the stolen key; finishing the rotation drops it.
  await cli([
    'keys',
    'rotate',
    '--app',
    A,
    '--keys',
    keysDir(A),
    '--role',
    'timestamp',
    '--finish',
    '--key',
    join(work.path, 'root2.key.json'),
  ]);
  assert.equal((await client(dir, A).sync()).status, 'up-to-date');
  const again = await forgeOnline(server.url, A, stolen, { timestampVersion: 2 ** 31 - 1 });
  proxy.attack = serveFiles(A, again);
  const retry = await client(dir, A)
    .sync()
    .finally(() => (proxy.attack = passThrough));
  assert.equal(retry.reason, 'signature', 'the stolen key no longer signs anything devices accept');
});
