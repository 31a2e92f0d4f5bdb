import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serverForFile } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli, type CliResult } from '@updraft/test-kit/cli';

// What a newcomer trips over in the first hour, each through the real CLI against a real
// server: the wrong file or folder, a typo, a busy port, and what a device says after a
// rollback. Every error is one line that names the actual mistake.

const APP = 'com.example.newcomer';
const OTHER = 'com.example.other';
const fixture = serverForFile('newcomer', {
  setUp: async (f) => {
    for (const app of [APP, OTHER]) {
      const r = await runCli(['apps', 'create', app, '--keys', keysOf(app), '--json'], f.env);
      assert.equal(r.code, 0, r.stderr);
    }
  },
});

function keysOf(app: string): string {
  return join(fixture.work.path, 'keys', app);
}

async function bundle(name: string, content: string): Promise<string> {
  const dir = join(fixture.work.path, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'main.jsbundle'), content);
  return dir;
}

/** One line on stderr, nothing on stdout: the error said once. */
function oneErrorLine(r: CliResult, pattern: RegExp): string {
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

function sync(dir: string, root: string, extra: string[] = [], json = true): string[] {
  const args = deviceSyncArgs({ server: fixture.server.url, app: APP, root, dir, extra });
  return json ? args : args.filter((a) => a !== '--json');
}

test("another app's key folder as --keys is named as such, not as a hostile server", async () => {
  const dir = await bundle('wrong-keys', 'console.log("wrong keys")');
  const r = await runCli(publishArgs({ dir, app: APP, keys: keysOf(OTHER), json: false }), fixture.env);
  const line = oneErrorLine(r, new RegExp(`holds the keys of app ${OTHER.replace(/\./g, '\\.')}, not of ${APP}`));
  assert.match(line, /pass --keys/);
  assert.doesNotMatch(line, /server|do not publish/);
  const list = await runCli(['release', 'list', '--app', APP, '--json'], fixture.env);
  assert.deepEqual(list.json?.['releases'], [], 'nothing was published');
});

test("another app's root.json, a key file or other metadata as --root: says which", async () => {
  const device = join(fixture.work.path, 'device-root');
  const other = await runCli(sync(device, join(keysOf(OTHER), 'root.json'), [], false));
  oneErrorLine(other, new RegExp(`is the root\\.json of app ${OTHER.replace(/\./g, '\\.')}, not of ${APP}`));

  const key = await runCli(sync(device, join(keysOf(APP), 'targets.key.json'), [], false));
  oneErrorLine(key, /targets\.key\.json is a private key file, not a root\.json/);

  const timestamp = join(fixture.work.path, 'timestamp.json');
  await writeFile(timestamp, await (await fetch(`${fixture.server.url}/repo/${APP}/metadata/timestamp.json`)).text());
  const meta = await runCli(sync(device, timestamp, [], false));
  oneErrorLine(meta, /timestamp\.json is timestamp metadata, not a root\.json/);

  const notJson = await runCli(sync(device, await bundle('not-json', 'hello'), [], false));
  oneErrorLine(notJson, /not-json is not JSON|cannot read|no trust anchor/);
});

test('a misspelt required flag is named, with the flag it probably meant', async () => {
  const dir = await bundle('typo', 'console.log("typo")');
  const args = publishArgs({ dir, app: APP, keys: keysOf(APP), json: false }).map((a) =>
    a === '--runtime-version' ? '--runtime-versoin' : a,
  );
  const r = await runCli(args, fixture.env);
  const line = oneErrorLine(r, /unknown option '--runtime-versoin' \(did you mean --runtime-version\?\)/);
  assert.doesNotMatch(line, /required option/);
  assert.match(line, /updraft publish --help/, 'the help hint names the command');
});

test('plain http without the opt-in names --allow-insecure-localhost, said once (stderr, or JSON with --json)', async () => {
  const device = join(fixture.work.path, 'device-http');
  const args = deviceSyncArgs({
    server: fixture.server.url,
    app: APP,
    root: join(keysOf(APP), 'root.json'),
    dir: device,
  });
  const insecure = args.filter((a) => a !== '--allow-insecure-localhost');
  const human = await runCli(insecure.filter((a) => a !== '--json'));
  oneErrorLine(human, /uses http; use https, or pass --allow-insecure-localhost/);

  const json = await runCli(insecure);
  assert.equal(json.code, 1);
  assert.equal(json.stderr, '', 'with --json the JSON is the only report');
  assert.equal(json.json?.['reason'], 'insecure-url');
  assert.match(String(json.json?.['message']), /--allow-insecure-localhost/);
});

test('a device command error is said once: a missing device folder', async () => {
  const missing = join(fixture.work.path, 'no-device');
  oneErrorLine(await runCli(['device', 'launch', '--dir', missing]), /is not a device folder yet/);
  const json = await runCli(['device', 'status', '--dir', missing, '--json']);
  assert.equal(json.stderr, '');
  assert.equal((json.json?.['error'] as { code?: string } | undefined)?.code, 'no-device');
});

test('a refused API key is explained once', async () => {
  const r = await runCli(['apps', 'list'], { ...fixture.env, UPDRAFT_API_KEY: 'updraft_not-a-key' });
  const line = oneErrorLine(r, /API key is unknown/);
  assert.equal(line.split('admin.key').length - 1, 1, `says where the owner key is once: ${line}`);
});

test('a port in use says so and suggests --port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    // The request log goes to stdout (silenced here); the error is the one line on stderr.
    const r = await runCli(['serve', '--port', String(port), '--data', join(fixture.work.path, 'data-busy')], {
      UPDRAFT_LOG_LEVEL: 'silent',
    });
    const line = oneErrorLine(r, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    assert.match(line, /--port/);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('publishing the same files as the newest release says so', async () => {
  const dir = await bundle('same', 'console.log("same")');
  const first = await runCli(publishArgs({ dir, app: APP, keys: keysOf(APP) }), fixture.env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.json?.['identicalTo'], undefined);
  const again = await runCli(publishArgs({ dir, app: APP, keys: keysOf(APP) }), fixture.env);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(again.json?.['identicalTo'], { releaseId: first.json?.['releaseId'], versionCode: 1 });
  const human = await runCli(publishArgs({ dir, app: APP, keys: keysOf(APP), json: false }), fixture.env);
  assert.match(
    human.stdout,
    new RegExp(`identical to release ${String(again.json?.['releaseId'])} \\(versionCode 2\\)`),
  );
  const changed = await runCli(
    publishArgs({ dir: await bundle('changed', 'console.log("new")'), app: APP, keys: keysOf(APP) }),
    fixture.env,
  );
  assert.equal(changed.json?.['identicalTo'], undefined, 'different bytes are not identical');
});

test('after a rollback, sync says the offered release failed here and how to allow it; ready with no trial says so', async () => {
  const root = join(keysOf(APP), 'root.json');
  const device = join(fixture.work.path, 'device-rollback');
  const good = await runCli(sync(device, root));
  assert.equal(good.json?.['status'], 'updated', good.stdout + good.stderr);
  assert.equal((await runCli(['device', 'launch', '--dir', device])).code, 0);
  const ready = await runCli(['device', 'ready', '--dir', device]);
  assert.match(ready.stdout, /^confirmed /);
  const again = await runCli(['device', 'ready', '--dir', device]);
  assert.match(again.stdout, /nothing on trial to confirm: \S+ \(versionCode \d+\) is already confirmed/);

  const bad = await runCli(
    publishArgs({ dir: await bundle('crashes', 'crash()'), app: APP, keys: keysOf(APP) }),
    fixture.env,
  );
  const badId = String(bad.json?.['releaseId']);
  const badCode = Number(bad.json?.['versionCode']);
  assert.equal((await runCli(sync(device, root))).json?.['status'], 'updated');
  const pendingReady = await runCli(['device', 'ready', '--dir', device]);
  assert.match(
    pendingReady.stdout,
    /nothing on trial to confirm: .* becomes the trial at the next 'updraft device launch/,
  );
  await runCli(['device', 'launch', '--dir', device]); // the trial starts, the app crashes before ready
  const back = await runCli(['device', 'launch', '--dir', device, '--json']);
  assert.equal((back.json?.['rolledBack'] as { releaseId?: string } | undefined)?.releaseId, badId);

  const human = await runCli(sync(device, root, [], false));
  assert.equal(human.code, 0, human.stderr);
  assert.doesNotMatch(human.stdout, /up to date/);
  assert.match(
    human.stdout,
    new RegExp(`offers release ${badId} \\(versionCode ${badCode}\\), but it failed its trial on this device`),
  );
  assert.match(human.stdout, new RegExp(`updraft device clear-failed --dir \\S+ --release ${badId}`));
  const json = await runCli(sync(device, root));
  assert.deepEqual(json.json?.['failedBefore'], { releaseId: badId, versionCode: badCode });

  const cleared = await runCli(['device', 'clear-failed', '--dir', device, '--release', badId]);
  assert.equal(cleared.code, 0, cleared.stderr);
  const retried = await runCli(sync(device, root));
  assert.equal(retried.json?.['status'], 'updated', 'the release is downloaded again');
  assert.equal(retried.json?.['release'], badId);
});
