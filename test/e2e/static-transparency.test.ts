import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { deviceSyncArgs, publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import { startStaticServer } from '@updraft/test-kit/static-server';

// Transparency `enforce` in static mode: the export carries the log as C2SP tlog-tiles, and a
// device computes its inclusion and consistency proofs from those plain files, with no
// Updraft server running. The static host is not trusted: a tile it alters is caught.

const APP = 'com.example.static.log';
let work: { path: string; cleanup(): Promise<void> };
let dataDir: string;
let keys: string;
let site: string;

before(async () => {
  work = await tempDir('static-log');
  dataDir = join(work.path, 'data');
  keys = join(work.path, 'keys');
  site = join(work.path, 'site');
});

after(async () => work?.cleanup());

/** Starts the server, runs `fn`, stops it, and exports the app to the site folder. */
async function publishAndExport(fn: (env: Record<string, string>) => Promise<void>): Promise<Record<string, unknown>> {
  const server = await startServerProcess(dataDir);
  try {
    await fn({ UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey });
  } finally {
    await server.stop();
  }
  const exported = await runCli(['export', '--app', APP, '--out', site, '--data', dataDir, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  return exported.json!;
}

async function publish(env: Record<string, string>, content: string): Promise<string> {
  const dir = join(work.path, 'bundles', content.replace(/\W/g, ''));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), content);
  const pub = await runCli(publishArgs({ dir, app: APP, keys }), env);
  assert.equal(pub.code, 0, pub.stderr);
  return (pub.json as { releaseId: string }).releaseId;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

test('enforce against a plain static host: proofs from exported tiles; a tampered tile is refused and the bundle kept', async () => {
  const first = await publishAndExport(async (env) => {
    const created = await runCli(['apps', 'create', APP, '--keys', keys, '--transparency', 'enforce', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    await publish(env, 'console.log("log v1")');
  });
  const size1 = first['logSize'] as number;
  assert.ok(size1 >= 2, JSON.stringify(first));
  const log = `repo/${APP}/log`;
  const files = await listFiles(site);
  assert.equal(files.filter((f) => f.startsWith(`${log}/leaf/`)).length, size1, 'one leaf-index hint per entry');
  for (const f of ['checkpoint', `tile/0/000.p/${size1}`, `tile/entries/000.p/${size1}`]) {
    assert.ok(files.includes(`${log}/${f}`), `${f} in ${files.filter((x) => x.includes('/log/')).join(' ')}`);
  }

  const host = await startStaticServer(site);
  try {
    const device = join(work.path, 'device');
    const sync = (dir: string) =>
      runCli(
        deviceSyncArgs({
          server: host.url,
          app: APP,
          root: join(keys, 'root.json'),
          dir,
          extra: ['--transparency', 'enforce'],
        }),
      );
    const s1 = await sync(device);
    assert.equal(s1.json?.['status'], 'updated', s1.stdout + s1.stderr);
    assert.ok(
      host.requests.some((r) => r === `/${log}/tile/0/000.p/${size1}`),
      host.requests.join(' '),
    );
    assert.ok(!host.requests.some((r) => r.includes('/proof/')), 'no query-string proof endpoint is asked for');
    assert.ok(
      host.requests.some((r) => r.startsWith(`/${log}/leaf/`)),
      'the device asks for its entry by the leaf-index hint the export wrote',
    );
    assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

    // v2: the device checks consistency of the new tree with the one it verified before.
    await publishAndExport(async (env) => void (await publish(env, 'console.log("log v2")')));
    const s2 = await sync(device);
    assert.equal(s2.json?.['status'], 'updated', s2.stdout + s2.stderr);
    assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);
    const launch = await runCli(['device', 'launch', '--dir', device, '--json']);
    const v2Path = launch.json?.['launchPath'] as string;
    assert.equal(await readFile(v2Path, 'utf8'), 'console.log("log v2")');
    assert.equal((await runCli(['device', 'ready', '--dir', device, '--json'])).code, 0);

    // v3 is exported, then the host alters one hash in the log's newest tile.
    const third = await publishAndExport(async (env) => void (await publish(env, 'console.log("log v3")')));
    const tilePath = join(site, log, 'tile', '0', '000.p', String(third['logSize']));
    const tile = await readFile(tilePath);
    tile[tile.length - 1] = tile[tile.length - 1]! ^ 1;
    await writeFile(tilePath, tile);
    const s3 = await sync(device);
    assert.notEqual(s3.code, 0);
    assert.equal(s3.json?.['reason'], 'transparency', s3.stdout + s3.stderr);
    const after = await runCli(['device', 'launch', '--dir', device, '--json']);
    assert.equal(await readFile(after.json?.['launchPath'] as string, 'utf8'), 'console.log("log v2")');

    // The same site with the tile restored: v3 installs (the refusal was the tile, nothing else).
    tile[tile.length - 1] = tile[tile.length - 1]! ^ 1;
    await writeFile(tilePath, tile);
    const s4 = await sync(device);
    assert.equal(s4.json?.['status'], 'updated', s4.stdout + s4.stderr);
  } finally {
    await host.stop();
  }
});
