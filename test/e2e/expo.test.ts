import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  convertCertificateToCertificatePEM,
  convertKeyPairToPEM,
  generateKeyPair,
  generateSelfSignedCodeSigningCertificate,
} from '@expo/code-signing-certificates';
import { REPO_ROOT, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';
import { askExpo, onlyPart, verifyExpoSignature, type ExpoAnswer } from '@updraft/test-kit/expo-device';

// Expo Updates compatibility (issue 17) against a real `updraft serve`, with Expo's own npm
// libraries on the device side: @expo/multipart-body-parser parses responses as expo-updates
// does, structured-headers reads the SFV headers, @expo/code-signing-certificates makes the
// key pair and certificate an app embeds and verifies signatures with the certificate. The
// published folders are shaped exactly like `npx expo export` output (real Hermes bytecode).
// The device side is packages/test-kit/src/expo-device.ts.

const APP = 'com.example.expo';
const UNSIGNED_APP = 'com.example.expo.unsigned';
const FIXTURE = join(REPO_ROOT, 'test/fixtures/expo-export');
const RV = '1.0.0';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let privateKeyPath: string;
let certificatePem: string;
let privatePem: string;

before(async () => {
  work = await tempDir('e2e-expo');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keyPair = generateKeyPair();
  const now = Date.now();
  const certificate = generateSelfSignedCodeSigningCertificate({
    keyPair,
    validityNotBefore: new Date(now - 60_000),
    validityNotAfter: new Date(now + 365 * 86_400_000),
    commonName: APP,
  });
  privatePem = convertKeyPairToPEM(keyPair).privateKeyPEM;
  certificatePem = convertCertificateToCertificatePEM(certificate);
  privateKeyPath = join(work.path, 'private-key.pem');
  await writeFile(privateKeyPath, privatePem);
  await writeFile(join(work.path, 'certificate.pem'), certificatePem);
  for (const app of [APP, UNSIGNED_APP]) {
    const r = await runCli(['apps', 'create', app, '--keys', keys(app), '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});
after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const keys = (app: string) => join(work.path, 'keys', app);

async function cli(args: string[]) {
  const r = await runCli([...args, '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as Record<string, unknown>;
}

interface Published {
  releases: { platform: string; releaseId: string; updateId: string; createdAt: string; signed: boolean }[];
}

async function publish(version: 'v1' | 'v2', extra: string[] = [], app = APP): Promise<Published> {
  const signing = app === APP ? ['--expo-key', privateKeyPath] : [];
  return (await cli([
    'publish',
    join(FIXTURE, version),
    '--expo',
    '--app',
    app,
    '--channel',
    'production',
    '--runtime-version',
    RV,
    '--keys',
    keys(app),
    ...signing,
    ...extra,
  ])) as unknown as Published;
}

type Answer = ExpoAnswer;

/** A manifest request with the headers the expo-updates Android client sends (this suite's runtime version). */
const ask = (headers: Record<string, string | undefined> = {}, app = APP): Promise<Answer> =>
  askExpo(`${server.url}/expo/${app}`, { 'expo-runtime-version': RV, ...headers });

const verified = (signatureHeader: string | null | undefined, body: string): void =>
  verifyExpoSignature(signatureHeader, body, certificatePem);

const only = onlyPart;

function manifestOf(a: Answer) {
  const part = only(a, 'manifest');
  verified(part.headers.get('expo-signature') as string, part.body);
  return JSON.parse(part.body) as {
    id: string;
    createdAt: string;
    runtimeVersion: string;
    launchAsset: { hash: string; key: string; contentType: string; url: string };
    assets: { hash: string; key: string; contentType: string; fileExtension: string; url: string }[];
    extra: { expoClient?: { name?: string } };
  };
}

function directiveOf(a: Answer) {
  const part = only(a, 'directive');
  verified(part.headers.get('expo-signature') as string, part.body);
  return JSON.parse(part.body) as { type: string; parameters?: { commitTime: string } };
}

let v1: Published;
let v2: Published;
const id = (p: Published, platform: string) => p.releases.find((r) => r.platform === platform)!;

test('publish --expo: one signed update per platform of an `npx expo export` folder', async () => {
  const check = await cli([
    'expo',
    'certificate',
    '--app',
    APP,
    '--key',
    privateKeyPath,
    '--certificate',
    join(work.path, 'certificate.pem'),
  ]);
  const updates = (check['appJson'] as { expo: { updates: Record<string, unknown> } }).expo.updates;
  assert.equal(updates['url'], `${server.url}/expo/${APP}`);
  // The app.config.js form sets the same fields and keeps what app.json already has.
  const module: { exports?: (ctx: { config: Record<string, unknown> }) => { updates: unknown } } = {};
  new Function('module', check['appConfig'] as string)(module);
  const fromAppJson = { name: 'kept', updates: { fallbackToCacheTimeout: 0 } };
  assert.deepEqual(module.exports!({ config: fromAppJson }), {
    name: 'kept',
    updates: { fallbackToCacheTimeout: 0, ...updates },
  });
  v1 = await publish('v1');
  assert.deepEqual(v1.releases.map((r) => r.platform).sort(), ['android', 'ios']);
  for (const r of v1.releases) {
    assert.match(r.updateId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.signed, true);
  }
});

test('manifest per platform and runtime, signed over the exact part bytes, with the protocol headers', async () => {
  for (const platform of ['ios', 'android']) {
    const a = await ask({ 'expo-platform': platform });
    assert.equal(a.headers.get('expo-protocol-version'), '1');
    assert.equal(a.headers.get('expo-sfv-version'), '0');
    assert.equal(a.headers.get('cache-control'), 'private, max-age=0');
    const m = manifestOf(a);
    assert.equal(m.id, id(v1, platform).updateId);
    assert.equal(m.createdAt, id(v1, platform).createdAt);
    assert.equal(m.runtimeVersion, RV);
    assert.match(m.launchAsset.url, new RegExp(`^${server.url}/expo/${APP}/assets/[0-9a-f]{64}\\.hbc$`));
    assert.equal(m.launchAsset.contentType, 'application/javascript');
    assert.equal(m.extra.expoClient?.name, 'updraft-expo-fixture');
    assert.deepEqual(m.assets.map((x) => x.fileExtension).sort(), ['.json', '.png']);
  }
  // Channel missing: the app's default channel (production).
  assert.equal(manifestOf(await ask({ 'expo-channel-name': undefined })).id, id(v1, 'ios').updateId);
});

test('every asset downloads with the signed hash and content type, Content-Length, compressed only when it shrinks', async () => {
  const m = manifestOf(await ask({ 'expo-platform': 'android' }));
  const metadata = JSON.parse(await readFile(join(FIXTURE, 'v1/metadata.json'), 'utf8')) as {
    fileMetadata: { android: { bundle: string } };
  };
  const bundle = await readFile(join(FIXTURE, 'v1', metadata.fileMetadata.android.bundle));
  assert.equal(bundle.subarray(0, 8).toString('hex'), 'c61fbc03c103191f', 'the fixture is Hermes bytecode');
  for (const asset of [m.launchAsset, ...m.assets]) {
    for (const encoding of ['identity', 'br, gzip']) {
      const res = await fetch(asset.url, { headers: { 'accept-encoding': encoding } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), asset.contentType);
      assert.ok(Number(res.headers.get('content-length')) > 0, 'Content-Length always');
      assert.match(res.headers.get('cache-control') ?? '', /immutable/);
      const bytes = Buffer.from(await res.arrayBuffer()); // fetch decodes br/gzip
      assert.equal(createHash('sha256').update(bytes).digest('base64url'), asset.hash);
      const coded = res.headers.get('content-encoding');
      if (encoding === 'identity' || asset.contentType === 'image/png') assert.equal(coded, null);
      if (asset.contentType === 'application/json' && encoding !== 'identity') assert.equal(coded, 'br');
    }
  }
  const other = await fetch(`${server.url}/expo/${APP}/assets/${'0'.repeat(64)}.png`);
  assert.equal(other.status, 404);
});

test('no update when current; wrong runtime version → no update; protocol 0 gets the manifest alone', async () => {
  const current = directiveOf(await ask({ 'expo-current-update-id': id(v1, 'ios').updateId }));
  assert.deepEqual(current, { type: 'noUpdateAvailable' });
  // Upper case ids are the same id (the client sends lowercase; the header is case-insensitive UUID text).
  assert.equal(
    directiveOf(await ask({ 'expo-current-update-id': id(v1, 'ios').updateId.toUpperCase() })).type,
    'noUpdateAvailable',
  );
  assert.equal(directiveOf(await ask({ 'expo-runtime-version': '2.0.0' })).type, 'noUpdateAvailable');
  assert.equal(directiveOf(await ask({ 'expo-runtime-version': 'exposdk:52.0.0' })).type, 'noUpdateAvailable');

  const res = await fetch(`${server.url}/expo/${APP}`, {
    headers: {
      accept: 'application/expo+json,application/json',
      'expo-platform': 'android',
      'expo-runtime-version': RV,
    },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('expo-protocol-version'), '0');
  assert.match(res.headers.get('content-type') ?? '', /^application\/expo\+json/);
  const text = await res.text();
  verified(res.headers.get('expo-signature'), text);
  assert.equal((JSON.parse(text) as { id: string }).id, id(v1, 'android').updateId);
});

test('a newer update after a second publish; a rollback re-issues an earlier one with a newer createdAt', async () => {
  v2 = await publish('v2');
  const m = manifestOf(await ask({ 'expo-current-update-id': id(v1, 'ios').updateId }));
  assert.equal(m.id, id(v2, 'ios').updateId);
  assert.ok(Date.parse(m.createdAt) > Date.parse(id(v1, 'ios').createdAt));
  assert.equal(m.assets.length, 3);

  const back = await cli([
    'release',
    'rollback',
    id(v1, 'ios').releaseId,
    '--app',
    APP,
    '--channel',
    'production',
    '--keys',
    keys(APP),
    '--expo-key',
    privateKeyPath,
  ]);
  const expo = back['expo'] as { updateId: string; createdAt: string };
  const again = manifestOf(await ask({ 'expo-current-update-id': id(v2, 'ios').updateId }));
  assert.equal(again.id, expo.updateId);
  assert.ok(Date.parse(again.createdAt) > Date.parse(m.createdAt), 'devices only move forward in time');
  assert.equal(again.assets.length, 2, 'the files of v1');
});

test('rollout share over 4,000 client ids within ±3 points; a halted release is not served', async () => {
  const r = await publish('v2', ['--rollout', '30', '--platform', 'android']);
  const fresh = id(r, 'android').updateId;
  // Each release salts the buckets afresh, so the share is binomial: over 1,000 ids a correct
  // split misses ±3 points in about 4 % of runs; over 4,000 ids, about 1 in 10,000.
  const ids = Array.from({ length: 4000 }, (_, i) => `c0ffee00-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const served = async () => {
    const got = new Set<string>();
    for (let i = 0; i < ids.length; i += 50) {
      const answers = await Promise.all(
        ids.slice(i, i + 50).map((c) => ask({ 'expo-platform': 'android', 'eas-client-id': c })),
      );
      answers.forEach((a, j) => {
        if (manifestOf(a).id === fresh) got.add(ids[i + j]!);
      });
    }
    return got;
  };
  const inRollout = await served();
  const share = (inRollout.size / ids.length) * 100;
  assert.ok(Math.abs(share - 30) <= 3, `${share} % of devices got the 30 % release`);
  await cli(['release', 'halt', id(r, 'android').releaseId, '--app', APP, '--channel', 'production']);
  const someone = [...inRollout][0]!;
  const m = manifestOf(await ask({ 'expo-platform': 'android', 'eas-client-id': someone }));
  assert.notEqual(m.id, fresh, 'halted: not served even inside its rollout bucket');
  assert.equal(m.id, id(v2, 'android').updateId, 'the previous release instead');
});

test('release rollback --to-embedded: a signed rollBackToEmbedded directive, later than every update', async () => {
  const r = await cli([
    'release',
    'rollback',
    '--to-embedded',
    '--app',
    APP,
    '--channel',
    'production',
    '--platform',
    'android',
    '--runtime-version',
    RV,
    '--expo-key',
    privateKeyPath,
    '--expo-key-id',
    'main',
  ]);
  const d = directiveOf(
    await ask({ 'expo-platform': 'android', 'expo-current-update-id': id(v2, 'android').updateId }),
  );
  assert.equal(d.type, 'rollBackToEmbedded');
  assert.equal(d.parameters?.commitTime, (r['rolledBackToEmbedded'] as { commitTime: string }).commitTime);
  assert.ok(Date.parse(d.parameters!.commitTime) > Date.parse(id(v2, 'android').createdAt));
  const embedded = 'e0000000-0000-4000-8000-000000000000';
  const onEmbedded = await ask({
    'expo-platform': 'android',
    'expo-current-update-id': embedded,
    'expo-embedded-update-id': embedded,
  });
  assert.equal(directiveOf(onEmbedded).type, 'noUpdateAvailable');
  // iOS is untouched.
  assert.equal(manifestOf(await ask({ 'expo-platform': 'ios' })).runtimeVersion, RV);
});

test('unsigned: an app publishing unsigned updates gets the 204 path; a signed app refuses unsigned ones', async () => {
  const u = await publish('v1', [], UNSIGNED_APP);
  assert.equal(u.releases[0]!.signed, false);
  const first = await ask({ 'expo-expect-signature': undefined }, UNSIGNED_APP);
  const part = first.parts[0]!;
  assert.equal(part.name, 'manifest');
  assert.equal(part.headers.get('expo-signature'), undefined);
  const none = await ask(
    { 'expo-expect-signature': undefined, 'expo-current-update-id': id(u, 'ios').updateId },
    UNSIGNED_APP,
  );
  assert.equal(none.status, 204);
  assert.equal(none.headers.get('expo-protocol-version'), '1', 'the Android client needs it on a 204');

  const refused = await runCli(
    [
      'publish',
      join(FIXTURE, 'v1'),
      '--expo',
      '--app',
      APP,
      '--channel',
      'production',
      '--runtime-version',
      RV,
      '--keys',
      keys(APP),
      '--json',
    ],
    env,
  );
  assert.equal(refused.code, 1);
  assert.equal((refused.json as { error: { code: string } }).error.code, 'expo-unsigned');
});

test('malformed headers → 400 (406 for an Accept it cannot serve), never 5xx', async () => {
  const bad: Record<string, string>[] = [
    { 'expo-platform': 'windows' },
    { 'expo-platform': '' },
    { 'expo-protocol-version': '2' },
    { 'expo-runtime-version': 'x'.repeat(300) },
    { 'expo-current-update-id': 'not-a-uuid' },
    { 'expo-embedded-update-id': '{}' },
    { 'expo-channel-name': '../production' },
    { 'eas-client-id': 'c'.repeat(300) },
  ];
  for (const h of bad) {
    const a = await ask(h);
    assert.equal(a.status, 400, JSON.stringify(h));
    assert.match((JSON.parse(a.body.toString()) as { error: { message: string } }).error.message, /header/);
  }
  assert.equal((await ask({ 'expo-platform': undefined })).status, 400);
  assert.equal((await ask({ 'expo-runtime-version': undefined })).status, 400);
  assert.equal((await ask({ accept: 'text/html' })).status, 406);
  const names = [
    'expo-platform',
    'expo-protocol-version',
    'expo-runtime-version',
    'expo-channel-name',
    'expo-current-update-id',
    'expo-embedded-update-id',
    'eas-client-id',
    'accept',
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(
        fc.constantFrom(...names),
        fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
      ),
      async (h) => {
        const a = await ask(h);
        assert.ok([200, 204, 400, 406].includes(a.status), `${a.status} for ${JSON.stringify(h)}`);
      },
    ),
    { numRuns: 150 },
  );
});

test("the server's data folder and database contain no private key", async () => {
  const der = createPrivateKey(privatePem).export({ type: 'pkcs8', format: 'der' });
  const d = Buffer.from(createPrivateKey(privatePem).export({ format: 'jwk' }).d!, 'base64url');
  const needles = [
    ...privatePem.split(/\r?\n/).filter((l) => l.length === 64),
    d.toString('hex'),
    d.toString('base64'),
    d.toString('base64url'),
  ].map((s) => Buffer.from(s));
  needles.push(d, der);
  assert.ok(needles.length > 20, 'the PEM lines are among the needles');
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  await walk(join(work.path, 'data'));
  assert.ok(
    files.some((f) => /\.(db|sqlite)(-wal)?$/.test(f)),
    `the database is in the data folder: ${files.join(', ')}`,
  );
  for (const f of files) {
    const bytes = await readFile(f);
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds part of the Expo private key`);
  }
  // The check can fail: the key's own PEM file would.
  await cp(privateKeyPath, join(work.path, 'control.pem'));
  assert.notEqual((await readFile(join(work.path, 'control.pem'))).indexOf(needles[0]!), -1);
});
