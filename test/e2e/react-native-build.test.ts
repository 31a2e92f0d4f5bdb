import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CLI, deviceSyncArgs, runCli, startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { installedFixtureApp, reactNativeNode, runWith } from '@updraft/test-kit/react-native-app';

// `updraft publish --build react-native` on a real React Native app (newest react-native, its
// Metro and its Hermes compiler, all from npm; packages/react-native/test/fixture-app), then the
// Node device client syncs it: what lands on the device is Hermes bytecode and the image is where
// Metro's asset registry will look for it beside the bundle. CI runs it in the Node 24 pass.

const rn = reactNativeNode();
const skip = rn.skip ? { skip: rn.skip } : {};
const APP = 'com.example.rnbuild';
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let app: string;
let keys: string;

before(async () => {
  if (rn.skip) return;
  app = await installedFixtureApp(rn.node!);
  work = await tempDir('rn-build');
  server = await startServerProcess(join(work.path, 'data'));
  env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  keys = join(work.path, 'keys');
  const created = await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

/** The CLI under the Node that runs React Native's tools (Metro needs 22.13+). */
function publishBuild(extra: string[]) {
  const args = [CLI, 'publish', app, '--build', 'react-native', '--platform', 'android'];
  args.push('--app', APP, '--runtime-version', '1.0.0', '--channel', 'production', '--keys', keys, ...extra);
  return runWith(rn.node!, rn.node!, args, work.path, env);
}

async function releaseCount(): Promise<number> {
  const list = await runCli(['release', 'list', '--app', APP, '--json'], env);
  return (list.json?.['releases'] as unknown[]).length;
}

test("a bundle that does not build fails with the bundler's own error and publishes nothing", skip, async () => {
  const entry = join(app, 'broken-entry.js');
  await writeFile(entry, "import './does-not-exist';\n");
  try {
    const r = await publishBuild(['--entry-file', 'broken-entry.js']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /react-native bundle failed/);
    assert.match(r.stderr, /Unable to resolve module \.\/does-not-exist/, "Metro's own message");
    assert.equal(await releaseCount(), 0);
  } finally {
    await rm(entry, { force: true });
  }
});

test(
  'publish --build react-native --platform android: the device gets Hermes bytecode and the image where Metro looks for it',
  skip,
  async () => {
    const maps = join(work.path, 'sourcemaps');
    const r = await publishBuild(['--sourcemap-dir', maps]);
    assert.equal(r.code, 0, r.stderr);
    // Progress, step by step, on stderr.
    assert.match(r.stderr, /bundling index\.js with the app's Metro \(react-native 0\.\d+\.\d+, android\)/);
    assert.match(r.stderr, /compiling to Hermes bytecode with node_modules\/.*hermesc/);
    assert.match(r.stderr, /hashing/);
    const releaseId = /published release (\S+)/.exec(r.stdout)?.[1];
    assert.ok(releaseId, r.stdout);

    const device = join(work.path, 'device');
    const root = join(keys, 'root.json');
    const sync = await runCli(deviceSyncArgs({ server: server.url, app: APP, platform: 'android', root, dir: device }));
    assert.equal(sync.code, 0, sync.stderr);
    const launched = await runCli(['device', 'launch', '--dir', device, '--json']);
    assert.equal(launched.code, 0, launched.stderr);
    const launchPath = launched.json?.['launchPath'] as string;
    assert.equal(launched.json?.['releaseId'], releaseId);
    assert.match(launchPath, /index\.android\.bundle$/);

    // Hermes bytecode: the magic number, then the bytecode version the app's hermesc writes.
    const bytes = await readFile(launchPath);
    assert.deepEqual([...bytes.subarray(0, 8)], [0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f]);
    const requireFromApp = createRequire(join(app, 'package.json'));
    const rnRequire = createRequire(requireFromApp.resolve('react-native/package.json'));
    const hermesc = join(dirname(rnRequire.resolve('hermes-compiler/package.json')), 'hermesc/linux64-bin/hermesc');
    const version = await runWith(rn.node!, hermesc, ['-version'], app);
    assert.equal(bytes.readUInt32LE(8), Number(/HBC bytecode version: (\d+)/.exec(version.stdout)?.[1]));

    // The image, at the path React Native's own asset code computes for a bundle loaded from a
    // file (AssetSourceResolver's drawableFolderInBundle), beside the launch file.
    const assetUtils = createRequire(rnRequire.resolve('@react-native/asset-utils/package.json'))(
      '@react-native/asset-utils',
    ) as {
      getAndroidResourceFolderName(asset: object, scale: number): string;
      getAndroidResourceIdentifier(asset: object): string;
    };
    const asset = { httpServerLocation: '/assets/assets', name: 'logo', type: 'png', scales: [1] };
    assert.ok(
      bytes.includes(Buffer.from(asset.httpServerLocation)),
      "the bundle registers the asset at Metro's location",
    );
    const assetPath = join(
      dirname(launchPath),
      assetUtils.getAndroidResourceFolderName(asset, 1),
      `${assetUtils.getAndroidResourceIdentifier(asset)}.${asset.type}`,
    );
    assert.deepEqual(await readFile(assetPath), await readFile(join(app, 'assets/logo.png')));

    // The source map is kept on the server beside the release, never shipped: `release
    // sourcemap` gives back the bytes Metro (composed with hermesc's map) wrote, which
    // --sourcemap-dir copied.
    const metroMap = await readFile(join(maps, releaseId, 'index.android.bundle.map'));
    const out = join(work.path, 'downloaded-maps');
    const got = await runCli(['release', 'sourcemap', releaseId, '--app', APP, '--out', out, '--json'], env);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(await readFile(join(out, 'index.android.bundle.map')), metroMap);
    const map = JSON.parse(metroMap.toString('utf8')) as { sources: string[] };
    assert.ok(
      map.sources.some((s) => s.endsWith('App.tsx')),
      'the map reaches the app source',
    );
    const shipped = await readdir(dirname(launchPath), { recursive: true });
    assert.deepEqual(
      shipped.filter((f) => f.endsWith('.map')),
      [],
    );
    const mapSha = createHash('sha256').update(metroMap).digest('hex');
    const signed = await fetch(`${server.url}/v1/apps/${APP}/releases-metadata`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    assert.ok(!(await signed.text()).includes(mapSha), 'the signed targets do not name the map');
    const anonymous = await fetch(
      `${server.url}/v1/apps/${APP}/releases/${releaseId}/sourcemaps/index.android.bundle.map`,
    );
    assert.equal(anonymous.status, 401, 'no key, no map');
    const asTarget = await fetch(`${server.url}/repo/${APP}/targets/files/${mapSha}.index.android.bundle.map`);
    assert.equal(asTarget.status, 404, "the map's blob is not a device file");
  },
);
