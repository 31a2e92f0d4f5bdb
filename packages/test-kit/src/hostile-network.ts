import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeClient } from '@updraft/client/node';
import type { UpdraftClient } from '@updraft/client';
import { pointerTargetPath } from '@updraft/protocol';
import type { OnlineRole } from '@updraft/server';
import type { KeyFile } from '@updraft/signing';
import { publishArgs, runCli, startServerProcess, tempDir, type ServerProcess } from './cli.js';
import { passThrough, startHostileProxy, type Attack, type HostileProxy, type Upstream } from './hostile-proxy.js';
import { forgeOnline, getBytes, getJson, stealOnlineKeys } from './repo-tools.js';

// The shared world of the hostile-network suite (docs/security.md, "Threats and defences"):
// a malicious proxy on 127.0.0.1 sits between the real Node device client and the real server
// process. Each test/e2e/hostile-*.test.ts file calls useHostileNetwork() once and gets its own
// server, proxy and devices. The bindings below are ESM live bindings, filled in by before().

/** The app under attack: root 2-of-2, v1 on the devices, v2 waiting. */
export const A = 'com.example.target';
/** Another app (wrong-target cases). */
export const B = 'com.example.other';
/** An app with short expiry (freeze cases). */
export const E = 'com.example.frozen';
export const DAY = 86_400_000;

export let server: ServerProcess;
export let proxy: HostileProxy;
export let work: { path: string; cleanup(): Promise<void> };
export const keysDir = (app: string) => join(work.path, 'keys', app);
export const shippedRoot: Record<string, Uint8Array> = {};
export const rel: Record<string, { releaseId: string; versionCode: number }> = {};
/** A's timestamp from before the root rotation: an older one to replay. */
export let oldTimestampA: Buffer;
/** E's timestamp as the template device saw it, to serve frozen. */
export let frozenTimestampE: Buffer;
/** The server's online keys, as a thief of its data folder holds them. */
export let stolen: Record<OnlineRole, KeyFile>;
/** A device folder that runs A's v1, confirmed. */
export let templateA: string;
/** A device folder that runs E's e1, confirmed (only with `frozenApp`). */
export let templateE: string;
/** The second root key of A (root is 2-of-2); also a fresh key for the timestamp rotation. */
export const root2KeyPath = () => join(work.path, 'root2.key.json');
let env: Record<string, string>;
let caseNo = 0;

export const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
export const content = (tag: string) => `console.log(${JSON.stringify(tag)})`;

export async function cli(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli([...args, '--json'], env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json as Record<string, unknown>;
}

/** `updraft keys rotate` of one of A's roles. */
export const rotateKeyOfA = (role: string, ...args: string[]) =>
  cli(['keys', 'rotate', '--app', A, '--keys', keysDir(A), '--role', role, ...args]);

async function publish(app: string, tag: string, opts: { platform?: string; rv?: string; channel?: string } = {}) {
  const dir = join(work.path, 'bundles', tag);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.js'), content(tag));
  const target = { app, platform: opts.platform, runtimeVersion: opts.rv, channel: opts.channel };
  // Channels other than production and staging are created on purpose (the owner key may).
  const extra = opts.channel ? ['--create-channel'] : [];
  const r = await runCli(publishArgs({ dir, ...target, keys: keysDir(app), extra }), env);
  assert.equal(r.code, 0, `publish ${tag}: ${r.stderr}`);
  rel[tag] = r.json as { releaseId: string; versionCode: number };
}

export function client(
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

export async function copyDevice(template: string): Promise<string> {
  const dir = join(work.path, 'cases', String(++caseNo));
  await cp(template, dir, { recursive: true });
  return dir;
}

export async function assertRuns(c: UpdraftClient, tag: string): Promise<void> {
  const launch = await c.launch();
  assert.equal(launch.releaseId, rel[tag]!.releaseId, 'the device still runs its last good bundle');
  assert.equal(await readFile(launch.launchPath!, 'utf8'), content(tag));
}

export interface Case {
  attack: () => Promise<Attack>;
  expect: string;
  app?: string;
  clock?: number;
  timeoutMs?: number;
  message?: RegExp;
}

/** One attack on a copy of a device that runs the app's first release, with an update available. */
export async function attackCase(c: Case): Promise<void> {
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
export const isPath = (suffix: string) => (p: string) => p.startsWith(`/repo/${A}/`) && p.endsWith(suffix);
export const onPath =
  (match: (p: string) => boolean, change: (up: Upstream) => Upstream): Attack =>
  async (path, forward) =>
    match(path) ? change(await forward()) : forward();
export const serve =
  (match: (p: string) => boolean, body: Buffer | string): Attack =>
  async (path, forward) =>
    match(path) ? { status: 200, body } : forward();
export const serveFiles =
  (app: string, files: Map<string, Buffer>): Attack =>
  async (path, forward) => {
    const name = path.slice(`/repo/${app}/metadata/`.length);
    return path.startsWith(`/repo/${app}/metadata/`) && files.has(name)
      ? { status: 200, body: files.get(name)! }
      : forward();
  };
export const flipByte = (up: Upstream): Upstream => {
  const body = Buffer.from(up.body);
  const i = Math.floor(body.length / 2);
  body[i] = body[i] === 0x41 ? 0x42 : 0x41;
  return { ...up, body };
};
export const v2File = () => isPath(`/targets/files/${sha256(content('v2'))}`);

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
export async function pointAt(tag: string, app = A): Promise<Attack> {
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

export interface HostileNetworkOptions {
  /** Releases of A for other targets (android, rv2, beta) and app B's b1: the wrong-target cases. */
  otherTargets?: boolean;
  /** App E with short expiry and a device that runs e1: the freeze cases. */
  frozenApp?: boolean;
}

/**
 * Registers before/after hooks that start the server and the proxy and publish what the
 * file's cases attack: A (root rotated to 2-of-2) with v1 on a template device and v2 waiting,
 * plus what the options ask for.
 */
export function useHostileNetwork(opts: HostileNetworkOptions = {}): void {
  before(async () => {
    work = await tempDir('hostile');
    server = await startServerProcess(join(work.path, 'data'));
    env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
    proxy = await startHostileProxy(server.url);
    const apps = [A, ...(opts.otherTargets ? [B] : []), ...(opts.frozenApp ? [E] : [])];
    for (const app of apps) {
      await cli(['apps', 'create', app, '--keys', keysDir(app)]);
      shippedRoot[app] = new Uint8Array(await readFile(join(keysDir(app), 'root.json')));
    }
    oldTimestampA = await getBytes(`${server.url}/repo/${A}/metadata/timestamp.json`);
    // A's root becomes 2-of-2 (devices follow from the shipped root v1).
    await cli(['keys', 'generate', '--out', root2KeyPath()]);
    await rotateKeyOfA('root', '--new-key', root2KeyPath(), '--threshold', '2');

    await publish(A, 'v1');
    templateA = await confirmedDevice(A, 'v1');
    await publish(A, 'v2');
    if (opts.otherTargets) {
      await publish(A, 'android', { platform: 'android' });
      await publish(A, 'rv2', { rv: '2.0.0' });
      await publish(A, 'beta', { channel: 'beta' });
      await publish(B, 'b1');
    }
    if (opts.frozenApp) {
      await cli(['apps', 'expiry', E, '--timestamp', '3d', '--snapshot', '2d', '--director', '1d']);
      await publish(E, 'e1');
      templateE = await confirmedDevice(E, 'e1');
      frozenTimestampE = await getBytes(`${server.url}/repo/${E}/metadata/timestamp.json`);
    }
    stolen = await stealOnlineKeys(server.dataDir, A);
  });

  after(async () => {
    await proxy?.close();
    await server?.stop();
    await work?.cleanup();
  });
}
