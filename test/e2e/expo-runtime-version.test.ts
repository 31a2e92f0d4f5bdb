import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appOnServer } from '@updraft/test-kit/app-on-server';
import { publishArgs, REPO_ROOT, runCli } from '@updraft/test-kit/cli';

// `updraft publish dist --expo` reads the app's Expo config beside the export (app.json) and
// warns when the runtime version its builds report is not --runtime-version: expo-updates
// devices only get updates for exactly their build's runtime version. A config that is code
// (app.config.js/ts) is not run by a plain publish: it says so and how to check. The update is
// published either way (it may be meant for older builds); with no config found at all it says
// once that it could not check. `--build expo`, which evaluates a config that is code, is
// checked in expo-config.test.ts; the resolution rules in
// packages/cli/test/expo-runtime-version.test.ts.

const APP = 'com.example.expo.rv';
const FIXTURE = join(REPO_ROOT, 'test/fixtures/expo-export/v1');
const fixture = appOnServer(APP, 'e2e-expo-rv');

/** An app folder with these config files and `npx expo export` output in dist/. */
async function app(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(fixture.work.path, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  await cp(FIXTURE, join(dir, 'dist'), { recursive: true });
  return dir;
}

async function publish(dist: string, cwd: string, json = true) {
  const r = await runCli(
    publishArgs({
      dir: dist,
      app: APP,
      platform: null,
      keys: fixture.keys,
      json,
      extra: ['--expo'],
    }),
    fixture.env,
    cwd,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r;
}

const appJson = (expo: Record<string, unknown>) => JSON.stringify({ expo: { name: 'rv', slug: 'rv', ...expo } });

test('app.json with another runtimeVersion: a warning that devices built from it never see the update, published anyway', async () => {
  const dir = await app('literal', { 'app.json': appJson({ runtimeVersion: '2.0.0' }) });
  const r = await publish('dist', dir);
  const warnings = r.json?.['warnings'] as string[];
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(
    warnings[0]!,
    /^app\.json sets runtimeVersion "2\.0\.0": builds made from it report runtime version "2\.0\.0", not --runtime-version 1\.0\.0; devices built with another runtime version will never see this update/,
  );
  assert.equal((r.json?.['releases'] as unknown[]).length, 2, 'both platforms published');
  // A person sees it on stderr, before the upload.
  const human = await publish('dist', dir, false);
  assert.match(human.stderr, /warning: app\.json sets runtimeVersion "2\.0\.0"/);
});

test('app.json with the appVersion policy: checked against expo.version, from the folder beside the export too', async () => {
  const agree = await app('policy-ok', {
    'app.json': appJson({ runtimeVersion: { policy: 'appVersion' }, version: '1.0.0' }),
  });
  assert.deepEqual((await publish('dist', agree)).json?.['warnings'], []);
  const differ = await app('policy-off', {
    'app.json': appJson({ runtimeVersion: { policy: 'appVersion' }, version: '1.2.0' }),
  });
  // Published from another folder: the config beside dist/ is the one read.
  const [w] = (await publish(join(differ, 'dist'), REPO_ROOT)).json?.['warnings'] as string[];
  assert.match(
    w!,
    /policy-off\/app\.json sets runtimeVersion \{"policy": "appVersion"\}, the app version: builds made from it report runtime version "1\.2\.0"/,
  );
});

test('app.config.js: not run by a plain publish; it says the runtime version was not checked and how to check', async () => {
  const dir = await app('dynamic', {
    'app.json': appJson({ runtimeVersion: '1.0.0' }),
    'app.config.js': "module.exports = ({ config }) => ({ ...config, runtimeVersion: process.env.RV ?? '3.0.0' });\n",
  });
  const [w, ...rest] = (await publish('dist', dir)).json?.['warnings'] as string[];
  assert.equal(rest.length, 0);
  assert.match(
    w!,
    /^app\.config\.js is code, so its runtime version was not checked against --runtime-version 1\.0\.0/,
  );
  assert.match(w!, /npx expo config --type public/);
});

test('no Expo config beside the export nor in the current folder: it says once that it could not check, and how', async () => {
  const dir = await app('no-config', {});
  const [w, ...rest] = (await publish('dist', dir)).json?.['warnings'] as string[];
  assert.equal(rest.length, 0, 'one message for both platforms');
  assert.match(
    w!,
    /^no Expo config \(app\.json, app\.config\.json or app\.config\.js\/ts\) in the current folder \(beside the export folder\), so --runtime-version 1\.0\.0 was not checked/,
  );
  assert.match(w!, /never see this update/);
  assert.match(w!, /npx expo config --type public/);
  // From another folder without a config either: both places are named.
  const [other] = (await publish(join(dir, 'dist'), REPO_ROOT)).json?.['warnings'] as string[];
  assert.match(other!, /^no Expo config .* beside the export folder \(in \S*no-config\) nor in the current folder/);
  // A person sees it on stderr, before the upload.
  const human = await publish('dist', dir, false);
  assert.match(human.stderr, /warning: no Expo config/);
});
