import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CLI,
  publishArgs,
  REPO_ROOT,
  runCli,
  startServerProcess,
  tempDir,
  type ServerProcess,
} from '@updraft/test-kit/cli';
import { expoCalls, stubExpoApp } from '@updraft/test-kit/expo-stub';
import {
  EXPO_FIXTURE_SOURCES,
  installedFixtureApp,
  reactNativeNode,
  runWith,
} from '@updraft/test-kit/react-native-app';

// `updraft publish --build expo` on apps whose Expo config is code (app.config.js, app.config.ts,
// often a function extending app.json's config): Updraft asks the app's own `expo config`, and
// here that is the real Expo CLI (expo from npm, test/fixtures/expo-app, installed once per
// machine). Only `expo export` and `export:embed` are stubbed (packages/test-kit/src/expo-stub.ts):
// the real ones need react-native and minutes. Expo 58's CLI evaluates app.config.ts with Node's
// own type stripping, so that case runs under Node 22.13+ (the second CI pass, or
// UPDRAFT_TEST_NODE22 on Node 20).

const APP = 'com.example.expoconfig';
const rn = reactNativeNode();
let server: ServerProcess;
let work: { path: string; cleanup(): Promise<void> };
let env: Record<string, string>;
let ours: string;

before(async () => {
  const expoApp = await installedFixtureApp(process.execPath, EXPO_FIXTURE_SOURCES);
  work = await tempDir('expo-config');
  server = await startServerProcess(join(work.path, 'data'));
  ours = `${server.url}/expo/${APP}`;
  env = {
    UPDRAFT_SERVER: server.url,
    UPDRAFT_API_KEY: server.adminKey,
    STUB_EXPO_FIXTURE: join(REPO_ROOT, 'test/fixtures/expo-export/v1'),
    REAL_EXPO_CLI: join(expoApp, 'node_modules/expo/bin/cli'),
  };
  const created = await runCli(['apps', 'create', APP, '--keys', join(work.path, 'keys'), '--json'], env);
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await server?.stop();
  await work?.cleanup();
});

/** `updraft publish <app> --build expo` for every platform the export has, unless `extra` names one. */
const expoPublishArgs = (app: string, extra: string[]): string[] =>
  publishArgs({
    dir: app,
    app: APP,
    platform: null,
    keys: join(work.path, 'keys'),
    json: false,
    extra: ['--build', 'expo', ...extra],
  });

const publish = (app: string, extra: string[] = [], more: Record<string, string> = {}) =>
  runCli(expoPublishArgs(app, extra), { ...env, ...more });

async function releaseIds(): Promise<string[]> {
  const list = await runCli(['release', 'list', '--app', APP, '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  return (list.json?.['releases'] as { releaseId: string }[]).map((r) => r.releaseId);
}

const UPDATES_DEPS = { expo: '~58.0.0', 'expo-updates': '~58.0.0' };

test('app.config.js extending app.json: the updates.url it sets is the one checked, as `expo config` resolves it', async () => {
  // app.json still names EAS; the dynamic config moves the app to this server (a common migration).
  const app = await stubExpoApp(
    work.path,
    'extends-app',
    UPDATES_DEPS,
    {
      expo: {
        name: 'extends',
        slug: 'extends',
        updates: { url: 'https://u.expo.dev/0000', fallbackToCacheTimeout: 0 },
      },
    },
    {
      'app.config.js': `module.exports = ({ config }) => ({
  ...config,
  name: config.name + ' (production)',
  runtimeVersion: '2.0.0',
  updates: { ...config.updates, url: process.env.UPDRAFT_SERVER + '/expo/${APP}' },
});
`,
    },
  );
  const r = await publish(app);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stderr.includes(`publishing for expo-updates (the app uses expo-updates (updates.url ${ours}))`),
    r.stderr,
  );
  // The evaluated config's runtime version is checked too (a plain publish cannot run it).
  assert.match(r.stderr, /warning: app\.config\.js sets runtimeVersion "2\.0\.0": .* not --runtime-version 1\.0\.0/);
  assert.match(r.stdout, /published Expo update .* for android/);
  const calls = await expoCalls(app);
  assert.deepEqual(calls[0], ['config', '--json', '--type', 'public']);
  assert.equal(calls[1]![0], 'export');
});

test(
  'app.config.ts with its url from the environment: refused while it points elsewhere, published once it is ours',
  rn.skip ? { skip: `Expo 58 evaluates app.config.ts with Node 22.13+'s type stripping: ${rn.skip}` } : {},
  async () => {
    const app = await stubExpoApp(work.path, 'ts-app', UPDATES_DEPS, null, {
      'app.config.ts': `import type { ConfigContext, ExpoConfig } from 'expo/config';

export default ({ config }: ConfigContext): ExpoConfig => ({
  ...config,
  name: 'ts-app',
  slug: 'ts-app',
  runtimeVersion: '1.0.0',
  updates: { url: process.env.APP_UPDATES_URL ?? 'https://u.expo.dev/unset' },
});
`,
    });
    const run = (url: string) =>
      runWith(rn.node!, rn.node!, [CLI, ...expoPublishArgs(app, ['--platform', 'android'])], work.path, {
        ...env,
        APP_UPDATES_URL: url,
      });
    const before = await releaseIds();
    const elsewhere = await run('https://u.expo.dev/1234');
    assert.equal(elsewhere.code, 1, elsewhere.stderr);
    assert.ok(
      elsewhere.stderr.includes(
        `app.config.ts's updates.url is https://u.expo.dev/1234, not this server's ${ours}: devices would not see the update; set updates.url (app.config.ts was evaluated with this shell's environment and the app's .env files: check the variables it reads), or pass --update-client expo-updates to publish anyway`,
      ),
      elsewhere.stderr,
    );
    assert.deepEqual(await releaseIds(), before, 'nothing published');
    const published = await run(ours);
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /published Expo update .* for android/);
  },
);

test("a config that throws: Expo's own message, what to do, nothing published; --update-client skips reading it", async () => {
  const app = await stubExpoApp(
    work.path,
    'throws-app',
    UPDATES_DEPS,
    { expo: { name: 't', slug: 't' } },
    {
      'app.config.js': `if (!process.env.SENTRY_DSN) throw new Error('SENTRY_DSN is not set: copy .env.example to .env');
module.exports = ({ config }) => config;
`,
    },
  );
  const before = await releaseIds();
  const r = await publish(app);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /the app's Expo config \(app\.config\.js\) could not be evaluated: expo config failed \(exit 1/,
  );
  assert.match(r.stderr, /SENTRY_DSN is not set: copy \.env\.example to \.env/, "Expo's own message");
  assert.match(
    r.stderr,
    /Fix app\.config\.js \(`npx expo config` in the app shows the same error\), or pass --update-client expo-updates/,
  );
  assert.deepEqual(await releaseIds(), before, 'nothing published');
  assert.deepEqual(
    (await expoCalls(app)).map((c) => c[0]),
    ['config'],
  );

  const forced = await publish(app, ['--update-client', 'expo-updates', '--platform', 'ios']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /publishing for expo-updates \(--update-client\)/);
  assert.deepEqual(
    (await expoCalls(app)).map((c) => c[0]),
    ['config', 'export'],
  );
});

test("the Updraft client: the platform's jsEngine from app.config.js decides Hermes (jsc: plain JavaScript)", async () => {
  // The stub react-native brings no hermesc: a Hermes build would stop with "the app uses Hermes".
  const app = await stubExpoApp(
    work.path,
    'jsc-app',
    { expo: '~58.0.0', '@updraft/react-native': '*' },
    { expo: { name: 'j', slug: 'j' } },
    { 'app.config.js': "module.exports = ({ config }) => ({ ...config, android: { jsEngine: 'jsc' } });\n" },
  );
  const r = await publish(app, ['--platform', 'android']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Hermes/);
  assert.deepEqual(
    (await expoCalls(app)).map((c) => c[0]),
    ['config', 'export:embed'],
  );
  // iOS keeps Hermes (the config names jsc for Android only), so it needs a hermesc.
  const ios = await publish(app, ['--platform', 'ios']);
  assert.equal(ios.code, 1);
  assert.match(ios.stderr, /the app uses Hermes but react-native 0\.0\.0-stub brings no hermesc/);
});

test('an app.json with comments (Expo reads static configs as JSON5): Expo reads it, its url is checked', async () => {
  const app = await stubExpoApp(work.path, 'json5-app', UPDATES_DEPS, null, {
    'app.json': `{
  // EAS until the move is done
  "expo": { "name": "j5", "slug": "j5", "updates": { "url": "https://u.expo.dev/json5", }, },
}
`,
  });
  const r = await publish(app);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /app\.json's updates\.url is https:\/\/u\.expo\.dev\/json5, not this server's/);
  assert.doesNotMatch(r.stderr, /evaluated with this shell's environment/);
  assert.deepEqual(
    (await expoCalls(app)).map((c) => c[0]),
    ['config'],
  );
});
