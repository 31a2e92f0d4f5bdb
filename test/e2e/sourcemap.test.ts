import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { deviceSyncArgs, publishArgs, runCli } from '@updraft/test-kit/cli';

// `publish --sourcemap` keeps the map on the server beside the release; `release sourcemap`
// gives back the same bytes; the device's tree and the signed targets never hold it. The same
// path as `publish --build` (react-native-build.test.ts checks it with Metro's own map).

const APP = 'com.example.maps';
const fixture = appOnServer(APP, 'sourcemap');

test('publish --sourcemap, then release sourcemap: the same bytes, and nothing of it reaches devices', async () => {
  const bundle = join(fixture.work.path, 'bundle');
  await mkdir(bundle);
  await writeFile(join(bundle, 'main.jsbundle'), 'console.log("hi")\n');
  const map = join(fixture.work.path, 'main.jsbundle.map');
  const mapBytes = Buffer.from(JSON.stringify({ version: 3, sources: ['App.tsx'], names: [], mappings: 'AAAA' }));
  await writeFile(map, mapBytes);
  const keys = fixture.keys;
  const published = await runCli(
    publishArgs({ app: APP, dir: bundle, keys, extra: ['--sourcemap', map] }),
    fixture.env,
  );
  assert.equal(published.code, 0, published.stderr);
  const releaseId = published.json?.['releaseId'] as string;
  const mapSha = createHash('sha256').update(mapBytes).digest('hex');
  assert.deepEqual(published.json?.['sourcemaps'], [
    { name: 'main.jsbundle.map', sha256: mapSha, length: mapBytes.length },
  ]);

  const out = join(fixture.work.path, 'downloaded');
  const got = await runCli(['release', 'sourcemap', releaseId, '--app', APP, '--out', out, '--json'], fixture.env);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual(await readFile(join(out, 'main.jsbundle.map')), mapBytes);

  // The signed targets: the release's manifest lists only the bundle.
  const releases = await runCli(['release', 'list', '--app', APP, '--json'], fixture.env);
  assert.equal(releases.code, 0, releases.stderr);
  const metadata = await fetch(`${fixture.server.url}/v1/apps/${APP}/releases-metadata`, {
    headers: { authorization: `Bearer ${fixture.server.adminKey}` },
  });
  const text = await metadata.text();
  assert.ok(!text.includes('jsbundle.map') && !text.includes(mapSha), 'the releases metadata names no map');
  const device = join(fixture.work.path, 'device');
  const sync = await runCli(
    deviceSyncArgs({ server: fixture.server.url, app: APP, root: join(keys, 'root.json'), dir: device }),
  );
  assert.equal(sync.code, 0, sync.stderr);
  const tree = await readdir(device, { recursive: true });
  assert.ok(
    tree.some((f) => f.endsWith('main.jsbundle')),
    tree.join(','),
  );
  assert.deepEqual(
    tree.filter((f) => f.endsWith('.map')),
    [],
  );
  for (const f of tree.filter((x) => x.endsWith('.json'))) {
    const bytes = await readFile(join(device, f)).catch(() => Buffer.alloc(0));
    assert.ok(!bytes.includes(mapSha), `${f} names the map`);
  }

  // Without a key: refused; and no device route has it.
  const anonymous = await fetch(
    `${fixture.server.url}/v1/apps/${APP}/releases/${releaseId}/sourcemaps/main.jsbundle.map`,
  );
  assert.equal(anonymous.status, 401);
  const device404 = await fetch(`${fixture.server.url}/repo/${APP}/targets/files/${mapSha}.main.jsbundle.map`);
  assert.equal(device404.status, 404);

  const none = await runCli(['release', 'sourcemap', 'no-such-release', '--app', APP, '--json'], fixture.env);
  assert.equal(none.code, 1);
  assert.equal((none.json?.['error'] as { code: string }).code, 'release-not-found');
});
