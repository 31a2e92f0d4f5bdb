import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { REPO_ROOT, deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';

// The key lifecycle end to end with the real CLI and server: a root that becomes 2-of-3 with
// one key behind an external signer, signatures collected from several holders, online and
// offline keys rotated with an overlap and then finished, and devices that still carry the
// ORIGINAL root.json following every rotation over the air. Then a rollback, and refresh.

const APP = 'com.example.keys';
let oldRoot: string;
const fixture = appOnServer(APP, 'keys', {
  // The root.json devices shipped with, before any rotation.
  setUp: async (f) => {
    oldRoot = join(f.work.path, 'shipped-root.json');
    await copyFile(join(f.keys, 'root.json'), oldRoot);
  },
});

const SIGNER = `"${process.execPath}" "${join(REPO_ROOT, 'test/fixtures/external-signer.mjs')}"`;

const cli = (args: string[]) => runCli([...args, '--json'], fixture.env);
const ok = async (args: string[]) => {
  const r = await cli(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.json as Record<string, unknown>;
};

const target = { app: APP, platform: 'node', runtimeVersion: '1' };

/** `updraft keys rotate` of one of the app's roles, with the rest of the arguments. */
const rotateArgs = (role: string, ...args: string[]) => [
  'keys',
  'rotate',
  '--app',
  APP,
  '--keys',
  fixture.keys,
  '--role',
  role,
  ...args,
];

async function publish(tag: string): Promise<{ releaseId: string; versionCode: number }> {
  const dir = join(fixture.work.path, `bundle-${tag}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.js'), `console.log(${JSON.stringify(tag)})`);
  const r = await runCli(publishArgs({ dir, ...target, keys: fixture.keys }), fixture.env);
  assert.equal(r.code, 0, `publish ${tag}: ${r.stderr}`);
  return r.json as { releaseId: string; versionCode: number };
}

async function sync(device: string) {
  return runCli(deviceSyncArgs({ server: fixture.server.url, ...target, root: oldRoot, dir: device }), fixture.env);
}

async function launchedText(device: string): Promise<string> {
  const launch = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal((await runCli(['device', 'ready', '--dir', device])).code, 0);
  return readFile(launch.json?.['launchPath'] as string, 'utf8');
}

test('keys generate writes a 0600 key file and never overwrites one', async () => {
  const path = join(fixture.work.path, 'r2.json');
  const gen = await ok(['keys', 'generate', '--out', path]);
  assert.match(gen['keyid'] as string, /^[0-9a-f]{64}$/);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const again = await cli(['keys', 'generate', '--out', path]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /exists/);
  const ec = await ok(['keys', 'generate', '--key-type', 'ecdsa-p256', '--out', join(fixture.work.path, 'r3.json')]);
  // The external holder publishes only its public key.
  await writeFile(join(fixture.work.path, 'r3.pub.json'), JSON.stringify(ec['publicKey']));
});

test('root becomes 2-of-3, rotations need a threshold collected from several holders, devices follow', async () => {
  const r2 = join(fixture.work.path, 'r2.json');
  const r3pub = join(fixture.work.path, 'r3.pub.json');
  const signR3 = ['--signer', `${SIGNER} "${join(fixture.work.path, 'r3.json')}"`, '--signer-key', r3pub];

  const v1 = await publish('v1');
  const device = join(fixture.work.path, 'device');
  assert.equal((await sync(device)).json?.['status'], 'updated');
  assert.equal(await launchedText(device), 'console.log("v1")');

  // Root v2: [r1, r2, r3], threshold 2; signed by r1 (root v1's key) and r1 + r2 (its own 2-of-3).
  const toThree = await ok(rotateArgs('root', '--new-key', r2, '--new-key', r3pub, '--threshold', '2'));
  assert.equal(toThree['rootVersion'], 2);

  // A signer that lies is caught before anything is uploaded.
  const liar = await cli(rotateArgs('root', '--epoch', '0', '--signer', 'echo deadbeef', '--signer-key', r3pub));
  assert.notEqual(liar.code, 0);
  assert.equal((liar.json?.['error'] as { code: string }).code, 'signer-failed');

  // One root key (the folder's) is not enough any more: refused without --out.
  const short = await cli(rotateArgs('root', '--epoch', '0'));
  assert.notEqual(short.code, 0);
  assert.equal((short.json?.['error'] as { code: string }).code, 'threshold');

  // Threshold ceremony for a timestamp rotation: write, try to push too early, sign with the
  // external signer, push.
  const bundle = join(fixture.work.path, 'rotate-timestamp.json');
  const written = await ok(rotateArgs('timestamp', '--out', bundle));
  assert.ok((written['missing'] as unknown[]).length > 0, 'one signature is still missing');
  const early = await cli(['keys', 'push', bundle, '--app', APP, '--keys', fixture.keys]);
  assert.notEqual(early.code, 0);
  assert.equal((early.json?.['error'] as { code: string }).code, 'threshold');
  const signed = await ok(['keys', 'sign', bundle, '--keys', fixture.keys, ...signR3]);
  assert.deepEqual(signed['missing'], []);
  const pushed = await ok(['keys', 'push', bundle, '--app', APP, '--keys', fixture.keys]);
  assert.equal(pushed['rootVersion'], 3);
  assert.equal((pushed['activated'] as { role: string }[])[0]?.role, 'timestamp');

  // The releases key: a new one signs releases at once, the old one stays for the overlap.
  const rel = await ok(rotateArgs('releases'));
  assert.equal(rel['targetsVersion'], 2);
  assert.ok((await readdir(join(fixture.keys, 'retired'))).some((f) => f.startsWith('releases.')));

  const v2 = await publish('v2');
  assert.equal(v2.versionCode, 2);
  const sync2 = await sync(device);
  assert.equal(sync2.json?.['status'], 'updated', sync2.stdout);
  assert.equal(await launchedText(device), 'console.log("v2")');
  const fresh = join(fixture.work.path, 'device-fresh');
  assert.equal((await sync(fresh)).json?.['release'], v2.releaseId, 'a new install with root v1 catches up');

  // Finish both rotations: the old keys leave; root needs 2 signatures again (folder + r2).
  await ok(rotateArgs('releases', '--finish'));
  const fin = await ok(rotateArgs('timestamp', '--finish', '--key', r2));
  assert.equal(fin['rootVersion'], 4);

  const show = await ok(['keys', 'show', '--app', APP, '--keys', fixture.keys]);
  const roles = show['roles'] as Record<string, { threshold: number; keyids: string[]; version: number }>;
  assert.equal(roles['root']!.threshold, 2);
  assert.equal(roles['root']!.keyids.length, 3);
  assert.equal(roles['timestamp']!.keyids.length, 1);
  assert.equal(roles['releases']!.keyids.length, 1);
  assert.deepEqual(show['rotationInProgress'], {});
  assert.deepEqual(show['warnings'], []);

  const v3 = await publish('v3');
  assert.equal(
    (await sync(device)).json?.['release'],
    v3.releaseId,
    'after the old keys are gone, root v1 still leads here',
  );
  assert.equal(await launchedText(device), 'console.log("v3")');

  // Rollback: a new versionCode that runs v1's files, nothing uploaded again.
  const rb = await ok([
    'release',
    'rollback',
    v1.releaseId,
    '--app',
    APP,
    '--channel',
    'production',
    '--keys',
    fixture.keys,
  ]);
  assert.equal(rb['versionCode'], 4);
  assert.equal(rb['rolledBackTo'], v1.releaseId);
  const sync4 = await sync(device);
  assert.equal(sync4.json?.['status'], 'updated', sync4.stdout);
  assert.equal(sync4.json?.['versionCode'], 4);
  assert.equal(await launchedText(device), 'console.log("v1")');
});

test('apps expiry sets lifetimes; refresh re-signs and writes a static export', async () => {
  const set = await ok(['apps', 'expiry', APP, '--timestamp', '2h', '--warn-before', '400d']);
  assert.equal(set['timestamp'], 7200);
  assert.equal(set['warnBefore'], 400 * 86400);
  const bad = await cli(['apps', 'expiry', APP, '--timestamp', 'soon']);
  assert.equal(bad.code, 2);

  const out = join(fixture.work.path, 'static');
  const refreshed = await ok(['refresh', '--app', APP, '--keys', fixture.keys, '--out', out, '--force']);
  assert.deepEqual(refreshed['resigned'], ['director', 'snapshot', 'timestamp']);
  // Every offline role is inside a 400-day warning window: the folder's keys renew targets and
  // releases; root needs 2 of its 3 keys, so it is left to its holders with a warning.
  assert.deepEqual(refreshed['renewed'], ['targets', 'releases']);
  assert.ok((refreshed['warnings'] as string[]).some((w) => w.startsWith('root metadata expires in')));
  const files = await readdir(join(out, 'repo', APP, 'metadata'));
  for (const name of ['1.root.json', '4.root.json', 'timestamp.json']) assert.ok(files.includes(name), name);
  const served = await (await fetch(`${fixture.server.url}/repo/${APP}/metadata/timestamp.json`)).text();
  assert.equal(await readFile(join(out, 'repo', APP, 'metadata', 'timestamp.json'), 'utf8'), served);
  // Renewing releases appended to the transparency log: the export's log follows (tiles, checkpoint).
  const checkpoint = await (await fetch(`${fixture.server.url}/repo/${APP}/log/checkpoint`)).text();
  assert.equal(await readFile(join(out, 'repo', APP, 'log', 'checkpoint'), 'utf8'), checkpoint);
  const size = Number(checkpoint.split('\n')[1]);
  assert.ok((refreshed['logWritten'] as string[]).includes(`tile/0/000.p/${size}`), JSON.stringify(refreshed));
  const tile = await (await fetch(`${fixture.server.url}/repo/${APP}/log/tile/0/000.p/${size}`)).arrayBuffer();
  assert.deepEqual(
    await readFile(join(out, 'repo', APP, 'log', 'tile', '0', '000.p', String(size))),
    Buffer.from(tile),
  );
  const left = Date.parse((refreshed['expires'] as { timestamp: string }).timestamp) - Date.now();
  assert.ok(left > 3_500_000 && left <= 7_200_000, 'the timestamp lives 2 h');
});
