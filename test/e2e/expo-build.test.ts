import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  deviceSyncArgs,
  publishArgs,
  REPO_ROOT,
  runCli,
  startServerProcess,
  tempDir,
  type ServerProcess,
} from '@updraft/test-kit/cli';
import { expoCalls, stubExpoApp } from '@updraft/test-kit/expo-stub';

// `updraft publish --build expo`, with a STUB `expo` package in the app's node_modules
// (packages/test-kit/src/expo-stub.ts): it answers `expo export` with test/fixtures/expo-export/v1
// (real `npx expo export` output) and `expo export:embed` with a bundle, an image and a map. The
// real Expo CLI (expo 58 with react-native 0.88, ~400 MB from npm) does install and export
// offline here, but takes minutes; this test checks what Updraft does around it: finding the
// app's own CLI, choosing the client from the app, the flags it passes, the bundler's own error,
// and what gets published and kept. Apps with only app.json: the stub fails any other command,
// so these tests also show that their config is read without running `expo config`.
// expo-config.test.ts covers app.config.* with the real `expo config`.

const APP = 'com.example.expobuild';
const FIXTURE = join(REPO_ROOT, 'test/fixtures/expo-export/v1');
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;

const stubApp = (name: string, deps: Record<string, string>, appJson: object) =>
  stubExpoApp(work.path, name, deps, appJson);

before(async () => {
  work = await tempDir('expo-build');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey, STUB_EXPO_FIXTURE: FIXTURE };
  const created = await runCli(['apps', 'create', APP, '--keys', join(work.path, 'keys'), '--json'], env);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

const publish = (app: string, extra: string[], more: Record<string, string> = {}) =>
  runCli(
    publishArgs({
      dir: app,
      app: APP,
      platform: null,
      keys: join(work.path, 'keys'),
      json: false,
      extra: ['--build', 'expo', ...extra],
    }),
    { ...env, ...more },
  );

test('an expo-updates app: expo export, published as Expo updates, source maps kept beside them', async () => {
  const app = await stubApp(
    'updates-app',
    { expo: '~58.0.0', 'expo-updates': '~58.0.0' },
    { expo: { name: 'a', slug: 'a', updates: { url: `${server.url}/expo/${APP}` } } },
  );
  const r = await publish(app, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /publishing for expo-updates \(the app uses expo-updates \(updates\.url .*\/expo\/com\.example\.expobuild\)\)/,
  );
  assert.match(r.stderr, /exporting with the app's Expo CLI \(expo export, ios and android\)/);
  assert.match(r.stdout, /published Expo update .* for android/);
  const calls = await expoCalls(app);
  assert.deepEqual(
    calls.map((c) => c[0]),
    ['export'],
    'app.json only: no expo config',
  );
  assert.ok(calls[0]!.includes('--source-maps'));
  const androidRelease = /published Expo update \S+ \([^)]*\) for android \S+ on production: release (\S+)/.exec(
    r.stdout,
  )?.[1];
  assert.ok(androidRelease, r.stdout);
  const out = join(work.path, 'maps-updates');
  const got = await runCli(['release', 'sourcemap', androidRelease, '--app', APP, '--out', out, '--json'], env);
  assert.equal(got.code, 0, got.stderr);
  const [name] = await readdir(out);
  assert.match(name!, /^entry-[0-9a-f]+\.hbc\.map$/);
  assert.equal(JSON.parse(await readFile(join(out, name!), 'utf8')).file, 'android');
  // The Expo manifest devices get names the bundle and the assets, never the map.
  const manifest = await fetch(`${server.url}/expo/${APP}`, {
    headers: {
      accept: 'application/expo+json',
      'expo-platform': 'android',
      'expo-protocol-version': '1',
      'expo-runtime-version': '1.0.0',
      'expo-channel-name': 'production',
    },
  });
  const text = await manifest.text();
  assert.equal(manifest.status, 200, text);
  assert.match(text, /\.hbc|launchAsset/);
  assert.ok(!text.includes('.map'), 'the manifest names no map');
});

test('--build expo --json: one JSON document on stdout holds every release and the source map kept beside it', async () => {
  const app = await stubApp(
    'updates-json-app',
    { expo: '~58.0.0', 'expo-updates': '~58.0.0' },
    { expo: { name: 'c', slug: 'c', updates: { url: `${server.url}/expo/${APP}` } } },
  );
  const copies = join(work.path, 'maps-json-copies');
  const r = await publish(app, ['--json', '--sourcemap-dir', copies]);
  assert.equal(r.code, 0, r.stderr);
  // All of stdout is the one document (JSON.parse refuses anything before or after it).
  const doc = JSON.parse(r.stdout) as {
    build: unknown;
    bytesUploaded: number;
    releases: {
      platform: string;
      releaseId: string;
      updateId: string;
      sourcemaps: { name: string; sha256: string; length: number }[];
      sourcemapCopy?: string;
    }[];
  };
  assert.deepEqual(doc.build, { kind: 'expo', updateClient: 'expo-updates' });
  assert.equal(typeof doc.bytesUploaded, 'number');
  assert.deepEqual(doc.releases.map((x) => x.platform).sort(), ['android', 'ios']);
  for (const release of doc.releases) {
    assert.equal(release.sourcemaps.length, 1, release.platform);
    const [map] = release.sourcemaps as [{ name: string; sha256: string; length: number }];
    assert.match(map.name, /^entry-[0-9a-f]+\.hbc\.map$/);
    // What the JSON names is what the server keeps, and the local copy is beside it.
    assert.equal(release.sourcemapCopy, join(copies, release.releaseId));
    const local = await readFile(join(release.sourcemapCopy!, map.name));
    assert.equal(local.length, map.length);
    const listed = await fetch(`${server.url}/v1/apps/${APP}/releases/${release.releaseId}/sourcemaps`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    assert.deepEqual(
      ((await listed.json()) as { sourcemaps: { name: string; sha256: string }[] }).sourcemaps.map((m) => [
        m.name,
        m.sha256,
      ]),
      [[map.name, map.sha256]],
    );
  }
  assert.doesNotMatch(r.stderr, /kept on the server, never sent to devices: updraft release sourcemap/);
});

test('an app on the Updraft client: expo export:embed, published as an Updraft release', async () => {
  const app = await stubApp(
    'updraft-app',
    { expo: '~58.0.0', '@updraft/react-native': '*' },
    { expo: { name: 'b', slug: 'b' } },
  );
  const r = await publish(app, ['--platform', 'android', '--hermes', 'off']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /publishing for updraft \(the app depends on @updraft\/react-native\)/);
  assert.match(r.stderr, /bundling index\.js with the app's Expo Metro \(react-native 0\.0\.0-stub, android\)/);
  const calls = await expoCalls(app);
  assert.equal(calls[0]![0], 'export:embed');
  for (const f of ['--platform', '--entry-file', '--bundle-output', '--assets-dest', '--sourcemap-output'])
    assert.ok(calls[0]!.includes(f), f);
  const releaseId = /published release (\S+)/.exec(r.stdout)?.[1];
  assert.ok(releaseId, r.stdout);
  const device = join(work.path, 'device');
  const sync = await runCli(
    deviceSyncArgs({
      server: server.url,
      app: APP,
      platform: 'android',
      root: join(work.path, 'keys', 'root.json'),
      dir: device,
    }),
  );
  assert.equal(sync.code, 0, sync.stderr);
  const tree = await readdir(device, { recursive: true });
  assert.ok(
    tree.some((f) => f.endsWith('drawable-mdpi/assets_logo.png')),
    tree.join(', '),
  );
  assert.deepEqual(
    tree.filter((f) => f.endsWith('.map')),
    [],
  );
  const out = join(work.path, 'maps-updraft');
  const got = await runCli(['release', 'sourcemap', releaseId, '--app', APP, '--out', out], env);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(JSON.parse(await readFile(join(out, 'index.android.bundle.map'), 'utf8')).file, 'index.android.bundle');
});

test("the bundler's own error, nothing published; --update-client overrides; an undecidable app is refused", async () => {
  const app = await stubApp('both-app', { expo: '~58.0.0', 'expo-updates': '*', '@updraft/react-native': '*' }, {});
  const undecided = await publish(app, ['--json']);
  assert.equal(undecided.code, 2);
  assert.match(undecided.stdout, /pass --update-client expo-updates or updraft/);
  const before = await runCli(['release', 'list', '--app', APP, '--json'], env);
  const failed = await publish(app, ['--update-client', 'expo-updates'], { STUB_EXPO_FAIL: '1' });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /expo export failed \(exit 1\); nothing was published/);
  assert.match(failed.stderr, /Unable to resolve module \.\/does-not-exist/, "the bundler's own message");
  const after = await runCli(['release', 'list', '--app', APP, '--json'], env);
  assert.deepEqual(after.json?.['releases'], before.json?.['releases']);
  const elsewhere = await stubApp(
    'elsewhere-app',
    { expo: '~58.0.0', 'expo-updates': '*' },
    { expo: { updates: { url: 'https://u.expo.dev/0000' } } },
  );
  const wrongUrl = await publish(elsewhere, []);
  assert.equal(wrongUrl.code, 1);
  assert.match(wrongUrl.stderr, /updates\.url is https:\/\/u\.expo\.dev\/0000, not this server's/);
});
