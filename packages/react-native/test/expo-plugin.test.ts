import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appSkeleton,
  installedFixtureApp,
  packedPackage,
  reactNativeNode,
  runWith,
  type Run,
} from '@updraft/test-kit/react-native-app';

// The Expo config plugin (app.plugin.js) as `npx expo prebuild` runs it: Expo's own
// @expo/config-plugins resolves the plugin from the packed package and applies its mods to the
// AppDelegate and MainApplication of Expo's current bare template, fetched from npm.

const rn = reactNativeNode();
const skip = rn.skip ? { skip: rn.skip } : {};
const TEMPLATE = 'expo-template-bare-minimum@57';
const APP_DELEGATE = 'ios/HelloWorld/AppDelegate.swift';
const MAIN_APPLICATION = 'android/app/src/main/java/com/helloworld/MainApplication.kt';
let work: string;
let project: string;
let template: string;

// What prebuild does with "plugins": ["@updraft/react-native"] in app.json.
const PREBUILD = `
const { withStaticPlugin, compileModsAsync } = require('@expo/config-plugins');
const projectRoot = process.cwd();
let config = { name: 'HelloWorld', slug: 'helloworld', ios: { bundleIdentifier: 'com.helloworld' },
  android: { package: 'com.helloworld' }, _internal: { projectRoot } };
config = withStaticPlugin(config, { plugin: '@updraft/react-native' });
compileModsAsync(config, { projectRoot, platforms: ['ios', 'android'], assertMissingModProviders: false })
  .catch((e) => { console.error(e.message); process.exit(1); });
`;

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed:\n${r.stderr.slice(-3000)}`);
  return r;
}

before(async () => {
  if (rn.skip) return;
  work = await mkdtemp(join(tmpdir(), 'updraft-expo-plugin-'));
  const fixture = await installedFixtureApp(rn.node!);
  const tarball = await packedPackage(rn.node!, join(work, 'pack'));
  const packed = ok(await runWith(rn.node!, 'npm', ['pack', TEMPLATE, '--json', '--silent'], work), 'npm pack');
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  ok(await runWith(rn.node!, 'tar', ['xzf', info!.filename], work), 'tar');
  template = join(work, 'package');
  project = join(work, 'app');
  await appSkeleton(rn.node!, fixture, tarball, project, template);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The lines a unified diff of two texts adds and removes (no diff tool needed: one edit per file). */
function changed(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  return { removed: a.filter((l) => !b.includes(l)), added: b.filter((l) => !a.includes(l)) };
}

test(
  "expo prebuild's mods add exactly the boot glue to AppDelegate.swift and MainApplication.kt, and a second run changes nothing",
  skip,
  async () => {
    const prebuild = () => runWith(rn.node!, rn.node!, ['--input-type=commonjs', '-e', PREBUILD], project);
    ok(await prebuild(), 'config plugin');
    const swift = await readFile(join(project, APP_DELEGATE), 'utf8');
    const kotlin = await readFile(join(project, MAIN_APPLICATION), 'utf8');
    assert.deepEqual(changed(await readFile(join(template, APP_DELEGATE), 'utf8'), swift), {
      removed: ['    return Bundle.main.url(forResource: "main", withExtension: "jsbundle")'],
      added: [
        'import UpdraftReactNative',
        '    return UpdraftBoot.bundleURL(embedded: Bundle.main.url(forResource: "main", withExtension: "jsbundle"))',
      ],
    });
    assert.match(swift, /^import ReactAppDependencyProvider\nimport UpdraftReactNative\n/m, 'after the last import');
    assert.match(swift, /#if DEBUG\n.*jsBundleURL.*\n#else\n {4}return UpdraftBoot\.bundleURL/, 'release builds only');
    assert.deepEqual(changed(await readFile(join(template, MAIN_APPLICATION), 'utf8'), kotlin), {
      removed: [],
      added: ['      jsBundleFilePath = dev.updraft.UpdraftBoot.getJSBundleFile(applicationContext),'],
    });
    assert.match(kotlin, /getDefaultReactHost\(\n\s+context = applicationContext,\n\s+jsBundleFilePath = /);

    ok(await prebuild(), 'config plugin, again');
    assert.equal(await readFile(join(project, APP_DELEGATE), 'utf8'), swift);
    assert.equal(await readFile(join(project, MAIN_APPLICATION), 'utf8'), kotlin);
  },
);
