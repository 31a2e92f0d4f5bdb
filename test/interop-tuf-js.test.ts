import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTrustedRoot, UpdraftError, verifyTimestamp } from '@updraft/protocol';
import { Updater } from 'tuf-js';
import { runCli, startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { startStaticServer } from '@updraft/test-kit/hostile-proxy';
import { mirrorRepository } from '@updraft/test-kit/repo-tools';

// Interop: tuf-js, an independent TUF 1.0 client, refreshes an app's metadata from the real
// server (and from a static copy of its repository), walks a root rotation, and downloads a
// release manifest through both the releases role and the director's channel pointer, verified.
// If our metadata were not plain TUF, tuf-js would refuse it.

const APP = 'com.example.interop';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let releaseId: string;
let manifestSha: string;

before(async () => {
  work = await tempDir('interop');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work.path, 'keys');
  const run = async (args: string[]) => {
    const r = await runCli([...args, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    return r.json as Record<string, unknown>;
  };
  await run(['apps', 'create', APP, '--keys', keys]);
  await copyFile(join(keys, 'root.json'), join(work.path, 'root-v1.json'));
  // A rotation (root v2 with the root key replaced, and the epoch field) that tuf-js must walk.
  await run(['keys', 'rotate', '--app', APP, '--keys', keys, '--role', 'root', '--epoch', '1']);
  await run(['keys', 'rotate', '--app', APP, '--keys', keys, '--role', 'releases']);
  const bundle = join(work.path, 'bundle');
  await mkdir(bundle, { recursive: true });
  await writeFile(join(bundle, 'index.js'), 'console.log("interop")');
  const published = await run([
    'publish',
    bundle,
    '--app',
    APP,
    '--platform',
    'node',
    '--runtime-version',
    '1',
    '--channel',
    'production',
    '--keys',
    keys,
  ]);
  releaseId = published['releaseId'] as string;
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

async function refreshWithTufJs(base: string, name: string) {
  const metadataDir = join(work.path, name, 'metadata');
  const targetDir = join(work.path, name, 'targets');
  await mkdir(metadataDir, { recursive: true });
  await mkdir(targetDir, { recursive: true });
  await copyFile(join(work.path, 'root-v1.json'), join(metadataDir, 'root.json'));
  const updater = new Updater({
    metadataBaseUrl: `${base}/repo/${APP}/metadata`,
    targetBaseUrl: `${base}/repo/${APP}/targets`,
    metadataDir,
    targetDir,
  });
  await updater.refresh();
  const trustedRoot = JSON.parse(await readFile(join(metadataDir, 'root.json'), 'utf8')) as {
    signed: { version: number };
  };
  assert.equal(trustedRoot.signed.version, 2, 'tuf-js followed the root rotation');

  const manifestInfo = await updater.getTargetInfo(`manifests/${releaseId}.json`);
  assert.ok(manifestInfo, 'the release target is found through the releases delegation');
  const manifestPath = await updater.downloadTarget(manifestInfo, join(targetDir, 'manifest.json'));
  const bytes = await readFile(manifestPath);
  manifestSha = createHash('sha256').update(bytes).digest('hex');
  const manifest = JSON.parse(bytes.toString()) as { releaseId: string; epoch: number; files: { path: string }[] };
  assert.equal(manifest.releaseId, releaseId);
  assert.equal(manifest.epoch, 1, 'published under the epoch root v2 opened');
  assert.deepEqual(
    manifest.files.map((f) => f.path),
    ['index.js'],
  );

  const pointer = await updater.getTargetInfo('channels/production/node/1');
  assert.ok(pointer, 'the channel pointer is found through the director delegation');
  const viaPointer = await readFile(await updater.downloadTarget(pointer, join(targetDir, 'pointer.json')));
  assert.equal(
    createHash('sha256').update(viaPointer).digest('hex'),
    manifestSha,
    'the pointer downloads the same manifest',
  );
  assert.equal(await updater.getTargetInfo('manifests/unknown.json'), undefined);
}

test('tuf-js refreshes from the server and downloads the release manifest and the channel pointer', async () => {
  await refreshWithTufJs(server.url, 'from-server');
});

test('tuf-js refreshes from a static copy of the repository, served by a plain file server', async () => {
  const folder = join(work.path, 'static');
  await mirrorRepository(server.url, APP, folder);
  const cdn = await startStaticServer(folder);
  try {
    await refreshWithTufJs(cdn.url, 'from-static');
  } finally {
    await cdn.close();
  }
});

test('tuf-js refuses a tampered timestamp from the same server', async () => {
  const folder = join(work.path, 'static-tampered');
  const repo = await mirrorRepository(server.url, APP, folder);
  const tsPath = join(repo, 'metadata', 'timestamp.json');
  const ts = JSON.parse(await readFile(tsPath, 'utf8')) as { signed: { version: number } };
  ts.signed.version += 1;
  await writeFile(tsPath, JSON.stringify(ts));
  const cdn = await startStaticServer(folder);
  try {
    await assert.rejects(refreshWithTufJs(cdn.url, 'tampered'), /signed by 0\/1 keys/);
  } finally {
    await cdn.close();
  }
});

test('tuf-js and the device both refuse a timestamp whose signatures name one key twice', async () => {
  const folder = join(work.path, 'static-doubled');
  const repo = await mirrorRepository(server.url, APP, folder);
  const tsPath = join(repo, 'metadata', 'timestamp.json');
  const ts = JSON.parse(await readFile(tsPath, 'utf8')) as { signatures: unknown[] };
  ts.signatures = [ts.signatures[0], ts.signatures[0]];
  await writeFile(tsPath, JSON.stringify(ts));
  const root = loadTrustedRoot(await readFile(join(repo, 'metadata', '2.root.json'))).signed;
  assert.throws(
    () => verifyTimestamp(root, new Uint8Array(Buffer.from(JSON.stringify(ts))), null, Date.now()),
    (e: unknown) => e instanceof UpdraftError && e.reason === 'malformed',
  );
  const cdn = await startStaticServer(folder);
  try {
    await assert.rejects(refreshWithTufJs(cdn.url, 'doubled'), /multiple signatures found for keyid/);
  } finally {
    await cdn.close();
  }
});
