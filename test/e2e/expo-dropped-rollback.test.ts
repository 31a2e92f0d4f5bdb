import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  convertCertificateToCertificatePEM,
  convertKeyPairToPEM,
  generateKeyPair,
  generateSelfSignedCodeSigningCertificate,
} from '@expo/code-signing-certificates';
import { REPO_ROOT, runCli, startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { askExpo, onlyPart, verifyExpoSignature } from '@updraft/test-kit/expo-device';

// An Expo app rolls back to a release the bounded listing no longer keeps (docs/protocol.md
// §3.1, "What the listing keeps"): `release rollback` publishes a new release with its files
// and re-signs its Expo manifest (new id, newer createdAt), and an expo-updates device on the
// newest update gets it, with a signature that verifies with the certificate the app embeds
// (Expo's own parser and code-signing libraries, packages/test-kit/src/expo-device.ts).
// long-lived-app.test.ts does the same for the Updraft client.

const APP = 'com.example.expo.longlived';
const FIXTURE = join(REPO_ROOT, 'test/fixtures/expo-export/v1');
const KEEP = '1';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let keys: string;
let privateKeyPath: string;
let certificatePem: string;

before(async () => {
  work = await tempDir('e2e-expo-dropped');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  keys = join(work.path, 'keys');
  const keyPair = generateKeyPair();
  const now = Date.now();
  certificatePem = convertCertificateToCertificatePEM(
    generateSelfSignedCodeSigningCertificate({
      keyPair,
      validityNotBefore: new Date(now - 60_000),
      validityNotAfter: new Date(now + 365 * 86_400_000),
      commonName: APP,
    }),
  );
  privateKeyPath = join(work.path, 'private-key.pem');
  await writeFile(privateKeyPath, convertKeyPairToPEM(keyPair).privateKeyPEM);
  const r = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
after(async () => {
  await server?.stop();
  await work?.cleanup();
});

async function cli(args: string[]) {
  const r = await runCli([...args, '--json'], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as Record<string, unknown>;
}

/** The fixture export with one more JSON asset saying `n`: each publish is a release of its own. */
async function exportNumber(n: number): Promise<string> {
  const dir = join(work.path, `export-${n}`);
  await cp(FIXTURE, dir, { recursive: true });
  const name = `assets/${createHash('md5').update(String(n)).digest('hex')}`;
  await writeFile(join(dir, name), JSON.stringify({ n }));
  const metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as {
    fileMetadata: { ios: { assets: { path: string; ext: string }[] } };
  };
  metadata.fileMetadata.ios.assets.push({ path: name, ext: 'json' });
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(metadata));
  return dir;
}

interface Manifest {
  id: string;
  createdAt: string;
  launchAsset: { hash: string; url: string };
  assets: { hash: string; key: string; url: string; fileExtension: string }[];
}

/** What an ios expo-updates device running `current` (an update id) is answered, checked as expo-updates checks it. */
async function deviceAsks(
  current?: string,
): Promise<{ kind: 'manifest'; m: Manifest } | { kind: 'directive'; type: string }> {
  const a = await askExpo(`${server.url}/expo/${APP}`, current ? { 'expo-current-update-id': current } : {});
  const part = a.parts[0];
  assert.ok(part, `a part in ${a.status} ${a.body.toString()}`);
  onlyPart(a, part.name);
  verifyExpoSignature(part.headers.get('expo-signature') as string, part.body, certificatePem);
  if (part.name === 'directive') return { kind: 'directive', type: (JSON.parse(part.body) as { type: string }).type };
  assert.equal(part.name, 'manifest');
  return { kind: 'manifest', m: JSON.parse(part.body) as Manifest };
}

/** The releases listing devices get (timestamp → snapshot → releases): its release ids. */
async function listed(): Promise<Set<string>> {
  const get = async <T>(path: string) => {
    const res = await fetch(`${server.url}/repo/${APP}/metadata/${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  type Meta = { signed: { meta: Record<string, { version: number }> } };
  const timestamp = await get<Meta>('timestamp.json');
  const snapshot = await get<Meta>(`${timestamp.signed.meta['snapshot.json']!.version}.snapshot.json`);
  const releases = await get<{ signed: { targets: Record<string, { custom: { updraft: { releaseId: string } } }> } }>(
    `${snapshot.signed.meta['releases.json']!.version}.releases.json`,
  );
  return new Set(Object.values(releases.signed.targets).map((t) => t.custom.updraft.releaseId));
}

test(`--keep-releases ${KEEP}: an expo-updates device gets a signed rollback to a dropped release`, async () => {
  const published: { releaseId: string; updateId: string; createdAt: string; manifest: Manifest }[] = [];
  for (let n = 0; n < 4; n++) {
    const out = await cli([
      'publish',
      await exportNumber(n),
      '--expo',
      '--platform',
      'ios',
      '--app',
      APP,
      '--channel',
      'production',
      '--runtime-version',
      '1.0.0',
      '--keys',
      keys,
      '--expo-key',
      privateKeyPath,
      '--keep-releases',
      KEEP,
    ]);
    const r = (out['releases'] as { releaseId: string; updateId: string; createdAt: string }[])[0]!;
    // A new device gets each update as it is published: what the rollback must bring back.
    const answer = await deviceAsks();
    assert.equal(answer.kind, 'manifest');
    if (answer.kind !== 'manifest') return;
    assert.equal(answer.m.id, r.updateId);
    published.push({ ...r, manifest: answer.m });
  }
  const first = published[0]!;
  const newest = published.at(-1)!;
  const before = await listed();
  assert.ok(!before.has(first.releaseId), 'the first release is dropped from the listing');
  assert.ok(before.has(newest.releaseId));
  assert.deepEqual(await deviceAsks(newest.updateId), { kind: 'directive', type: 'noUpdateAvailable' });

  const rolled = await cli([
    'release',
    'rollback',
    first.releaseId,
    '--app',
    APP,
    '--channel',
    'production',
    '--keys',
    keys,
    '--expo-key',
    privateKeyPath,
    '--keep-releases',
    KEEP,
  ]);
  const expo = rolled['expo'] as { updateId: string; createdAt: string; signed: boolean };
  assert.equal(expo.signed, true);
  const after = await listed();
  assert.ok(after.has(rolled['releaseId'] as string), 'the rollback is a new, listed release');
  assert.ok(!after.has(first.releaseId), 'the dropped release stays dropped');

  // The device on the newest update: the first release's files again, in a manifest signed
  // with the embedded certificate's key, newer than what it runs (expo-updates only moves forward).
  const answer = await deviceAsks(newest.updateId);
  assert.equal(answer.kind, 'manifest');
  if (answer.kind !== 'manifest') return;
  const m = answer.m;
  assert.equal(m.id, expo.updateId);
  assert.notEqual(m.id, first.updateId);
  assert.ok(Date.parse(m.createdAt) > Date.parse(newest.createdAt), `${m.createdAt} after ${newest.createdAt}`);
  assert.deepEqual(m.launchAsset, first.manifest.launchAsset);
  assert.deepEqual(m.assets, first.manifest.assets);
  for (const asset of [m.launchAsset, ...m.assets]) {
    const res = await fetch(asset.url);
    assert.equal(res.status, 200, asset.url);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('base64url'), asset.hash, asset.url);
  }
  const own = m.assets.find(
    (a) => a.fileExtension === '.json' && !published[1]!.manifest.assets.some((b) => b.key === a.key),
  );
  assert.ok(own, "the first release's own asset is in the rolled-back update");
  assert.deepEqual(JSON.parse(Buffer.from(await (await fetch(own.url)).arrayBuffer()).toString()), { n: 0 });
  // Once it runs the rollback, nothing newer.
  assert.deepEqual(await deviceAsks(m.id), { kind: 'directive', type: 'noUpdateAvailable' });
});
