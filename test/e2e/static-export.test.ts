import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';
import { skipOrFail, startS3, type S3Service } from '@updraft/test-kit/services';
import { startStaticServer } from '@updraft/test-kit/static-server';

// Static mode end to end: publish with a real server, `updraft export` to a folder, stop the
// server, and a real device syncs from a plain static file host that knows nothing of Updraft.

const APP = 'com.example.static';
let work: { path: string; cleanup(): Promise<void> };
let dataDir: string;
let keys: string;
let s3: S3Service | string = 'not started';

before(async () => {
  work = await tempDir('static');
  dataDir = join(work.path, 'data');
  keys = join(work.path, 'keys');
});

after(async () => {
  if (typeof s3 !== 'string') await s3.stop();
  await work?.cleanup();
});

async function withServer<T>(fn: (server: ServerProcess, env: Record<string, string>) => Promise<T>): Promise<T> {
  const server = await startServerProcess(dataDir);
  try {
    return await fn(server, { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey });
  } finally {
    await server.stop();
  }
}

async function publish(env: Record<string, string>, name: string, files: Record<string, string>) {
  const dir = join(work.path, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const pub = await runCli(publishArgs({ dir, app: APP, keys }), env);
  assert.equal(pub.code, 0, pub.stderr);
  return pub.json as { releaseId: string; versionCode: number };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

function deviceSync(server: string, device: string) {
  return runCli(deviceSyncArgs({ server, app: APP, root: join(keys, 'root.json'), dir: device }));
}

test('a device syncs from a plain static host serving `updraft export` output, with no Updraft server running', async () => {
  const out = join(work.path, 'site');
  const v1 = await withServer(async (_server, env) => {
    const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    return publish(env, 'v1', { 'index.ios.bundle': 'console.log("static v1")', 'assets/a.txt': 'asset' });
  });

  // The server is stopped: export reads its storage directly.
  const exported = await runCli(['export', '--app', APP, '--out', out, '--data', dataDir, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.json?.['releases'], 1);
  const files = await listFiles(out);
  const base = `repo/${APP}`;
  assert.ok(files.includes(`${base}/metadata/1.root.json`));
  assert.ok(files.includes(`${base}/metadata/timestamp.json`));
  assert.ok(files.some((f) => new RegExp(`^${base}/metadata/\\d+\\.snapshot\\.json$`).test(f)));
  assert.ok(files.some((f) => new RegExp(`^${base}/targets/manifests/[0-9a-f]{64}\\.${v1.releaseId}\\.json$`).test(f)));
  assert.ok(
    files.some((f) => new RegExp(`^${base}/targets/channels/production/ios/[0-9a-f]{64}\\.1\\.0\\.0$`).test(f)),
  );
  assert.equal(files.filter((f) => f.includes('/targets/files/')).length, 2);
  assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temp files left behind');

  const host = await startStaticServer(out);
  try {
    const device = join(work.path, 'device');
    const sync1 = await deviceSync(host.url, device);
    assert.equal(sync1.code, 0, sync1.stdout + sync1.stderr);
    assert.equal(sync1.json?.['status'], 'updated');
    assert.equal(sync1.json?.['release'], v1.releaseId);
    const launch = await runCli(['device', 'launch', '--dir', device, '--json']);
    assert.equal(await readFile(launch.json?.['launchPath'] as string, 'utf8'), 'console.log("static v1")');
    assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);
    assert.ok(
      host.requests.some((r) => r.endsWith('/metadata/timestamp.json')),
      'the device read the static host',
    );

    // v2: publish, re-export (only new files are written), device updates from the host.
    const v2 = await withServer(async (_s, env) =>
      publish(env, 'v2', { 'index.ios.bundle': 'console.log("static v2")', 'assets/a.txt': 'asset' }),
    );
    const again = await runCli(['export', '--app', APP, '--out', out, '--data', dataDir, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok((again.json?.['skipped'] as number) >= 4, `unchanged immutable files are kept: ${again.stdout}`);
    const sync2 = await deviceSync(host.url, device);
    assert.equal(sync2.json?.['status'], 'updated', sync2.stdout);
    assert.equal(sync2.json?.['release'], v2.releaseId);
    assert.equal(sync2.json?.['bytesDownloaded'], 'console.log("static v2")'.length, 'the unchanged asset is reused');

    // A tampered file on the static host is refused: the host is not trusted, the signatures are.
    const tampered = join(work.path, 'device2');
    const v2Hash = createHash('sha256').update('console.log("static v2")').digest('hex');
    const v2File = (await listFiles(out)).find((f) => f.endsWith(`/targets/files/${v2Hash}`))!;
    // Same length, different bytes: only the signed hash can catch it.
    await writeFile(join(out, v2File), 'console.log("hacked!v2")');
    const bad = await deviceSync(host.url, tampered);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.json?.['reason'], 'hash', bad.stdout + bad.stderr);
  } finally {
    await host.stop();
  }
});

test('export refuses an unknown app and a folder without Updraft data, with a clear message', async () => {
  const missing = await runCli(['export', '--app', 'no.such.app', '--out', join(work.path, 'x'), '--data', dataDir]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /app no\.such\.app does not exist/);
  const empty = await runCli([
    'export',
    '--app',
    APP,
    '--out',
    join(work.path, 'y'),
    '--data',
    join(work.path, 'nothing'),
  ]);
  assert.notEqual(empty.code, 0);
  assert.match(empty.stderr, /no Updraft database in/);
  const badOut = await runCli(['export', '--app', APP, '--out', 's3://', '--data', dataDir]);
  assert.equal(badOut.code, 2);
  assert.match(badOut.stderr, /not an S3 location/);
});

test('export to s3://bucket/prefix writes the same files as the folder export', async (t) => {
  s3 = await startS3();
  if (typeof s3 === 'string') return skipOrFail(t, 'export to S3', s3);
  const bucket = await s3.createBucket();
  const folder = join(work.path, 'site-for-s3');
  const toFolder = await runCli(['export', '--app', APP, '--out', folder, '--data', dataDir, '--json']);
  assert.equal(toFolder.code, 0, toFolder.stderr);
  const res = await runCli(
    ['export', '--app', APP, '--out', `s3://${bucket}/cdn/root`, '--data', dataDir, '--json'],
    s3.env,
  );
  assert.equal(res.code, 0, res.stderr);

  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const keysInBucket: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'cdn/root/', ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keysInBucket.push(o.Key!.slice('cdn/root/'.length));
      token = page.NextContinuationToken;
    } while (token);
    const folderFiles = await listFiles(folder);
    assert.deepEqual(keysInBucket.sort(), folderFiles);
    const tsKey = `repo/${APP}/metadata/timestamp.json`;
    const ts = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `cdn/root/${tsKey}` }));
    assert.deepEqual(Buffer.from(await ts.Body!.transformToByteArray()), await readFile(join(folder, tsKey)));
    assert.equal(ts.CacheControl, 'public, max-age=10, must-revalidate');
    assert.equal(ts.ContentType, 'application/json');
  } finally {
    client.destroy();
  }
});
