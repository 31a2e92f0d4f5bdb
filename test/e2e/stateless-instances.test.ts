import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';
import { skipOrFail, startPostgres, startS3, type PostgresCluster, type S3Service } from '@updraft/test-kit/services';

// Two `updraft serve` processes on one PostgreSQL and one S3 bucket behave as one server:
// publish through one, the device syncs through the other, and back; the scheduled job's
// lease has a single holder.

const APP = 'com.example.stateless';
let pg: PostgresCluster | string = 'not started';
let s3: S3Service | string = 'not started';
const servers: ServerProcess[] = [];
let work: { path: string; cleanup(): Promise<void> } | undefined;

after(async () => {
  for (const s of servers) await s.stop();
  if (typeof pg !== 'string') await pg.stop();
  if (typeof s3 !== 'string') await s3.stop();
  await work?.cleanup();
});

async function bundle(dir: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), content);
  return dir;
}

test('two instances on one PostgreSQL + S3 serve as one', async (t) => {
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  if (typeof pg === 'string') return skipOrFail(t, 'stateless instances (PostgreSQL)', pg);
  if (typeof s3 === 'string') return skipOrFail(t, 'stateless instances (S3)', s3);
  work = await tempDir('stateless');
  const databaseUrl = await pg.createDatabase();
  const bucket = await s3.createBucket();
  const shared = {
    args: [
      '--database',
      databaseUrl,
      '--blobs',
      `s3://${bucket}/blobs`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-path-style',
    ],
    env: { ...s3.env, AWS_ENDPOINT_URL: '' },
  };
  const a = await startServerProcess(join(work.path, 'a'), shared);
  servers.push(a);
  const b = await startServerProcess(join(work.path, 'b'), { ...shared, adminKey: a.adminKey });
  servers.push(b);
  assert.notEqual(a.url, b.url);

  const keys = join(work.path, 'keys');
  const via = (s: ServerProcess) => ({ UPDRAFT_SERVER: s.url, UPDRAFT_API_KEY: a.adminKey });
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], via(a));
  assert.equal(created.code, 0, created.stderr);
  const again = await runCli(['apps', 'create', APP, '--keys', join(work.path, 'other-keys'), '--json'], via(b));
  assert.notEqual(again.code, 0, 'B sees the app A created');

  const publish = async (s: ServerProcess, name: string, content: string) => {
    const dir = await bundle(join(work!.path, name), content);
    const res = await runCli(publishArgs({ dir, app: APP, keys }), via(s));
    assert.equal(res.code, 0, res.stderr);
    return res.json as { releaseId: string; versionCode: number };
  };
  const device = join(work.path, 'device');
  /** A device sync; another instance may serve its cached timestamp for up to a second. */
  const sync = async (s: ServerProcess, expected: string) => {
    for (let attempt = 0; ; attempt++) {
      const res = await runCli(deviceSyncArgs({ server: s.url, app: APP, root: join(keys, 'root.json'), dir: device }));
      if (res.json?.['status'] === 'updated' && res.json?.['release'] === expected) return res;
      if (attempt >= 10) assert.fail(`device never got ${expected} from ${s.url}: ${res.stdout} ${res.stderr}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  const v1 = await publish(a, 'v1', 'console.log("v1 via A")');
  await sync(b, v1.releaseId);
  assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

  const v2 = await publish(b, 'v2', 'console.log("v2 via B")');
  assert.equal(v2.versionCode, 2, 'B continued the version sequence A started');
  await sync(a, v2.releaseId);

  const listed = await runCli(['release', 'list', '--app', APP, '--json'], via(a));
  assert.deepEqual(
    (listed.json?.['releases'] as { releaseId: string }[]).map((r) => r.releaseId),
    [v2.releaseId, v1.releaseId],
  );

  // A third instance with --public-blob-url sends file downloads to the CDN over the bucket.
  const c = await startServerProcess(join(work.path, 'c'), {
    args: [...shared.args, '--public-blob-url', '/cdn/blobs', '--no-jobs'],
    env: shared.env,
    adminKey: a.adminKey,
  });
  servers.push(c);
  const { createHash } = await import('node:crypto');
  const v2Hash = createHash('sha256').update('console.log("v2 via B")').digest('hex');
  const redirected = await fetch(`${c.url}/repo/${APP}/targets/files/${v2Hash}`, { redirect: 'manual' });
  assert.equal(redirected.status, 302);
  assert.equal(redirected.headers.get('location'), `/cdn/blobs/${v2Hash}`);
  const direct = await fetch(`${a.url}/repo/${APP}/targets/files/${v2Hash}`);
  assert.equal(await direct.text(), 'console.log("v2 via B")', 'without it the instance streams the bytes');

  // A and B run the job runner (C does not); the database gives its lease to exactly one of them.
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = (await client.query(`select holder from leases where name = 'job:resign-expiring'`)).rows as {
      holder: string;
    }[];
    assert.equal(rows.length, 1);
    const pids = [a.child.pid, b.child.pid].map(String);
    assert.ok(pids.includes(rows[0]!.holder.split(':')[1]!), `holder ${rows[0]!.holder} is one of ${pids}`);
  } finally {
    await client.end();
  }
});
