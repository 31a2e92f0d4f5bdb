// The Expo config plugin of @updraft/react-native (app.json: "plugins": ["@updraft/react-native"]):
// at `npx expo prebuild` it adds the boot glue, so native code picks the bundle before any
// JavaScript runs (Updraft's own client in an Expo app). The edits are exact and idempotent;
// test/expo-plugin.test.ts runs them with @expo/config-plugins on Expo's bare template.
import { createRequire } from 'node:module';

const IOS_EMBEDDED = 'Bundle.main.url(forResource: "main", withExtension: "jsbundle")';
const IOS_IMPORT = 'import UpdraftReactNative';
const IOS_CALL = `UpdraftBoot.bundleURL(embedded: ${IOS_EMBEDDED})`;
const ANDROID_ANCHOR = /(getDefaultReactHost\(\s*\n(\s*)context = applicationContext,\n)/;
const ANDROID_CALL = 'dev.updraft.UpdraftBoot.getJSBundleFile(applicationContext)';

function manual(what) {
  return new Error(
    `@updraft/react-native: ${what}; add the boot glue by hand as docs/guides/react-native.md shows, and remove the plugin from app.json`,
  );
}

/** AppDelegate.swift: bundleURL() returns what UpdraftBoot picks, the embedded bundle as its fallback. */
export function addIosBootGlue(swift) {
  if (swift.includes('UpdraftBoot.bundleURL(')) return swift;
  const returns = swift.split(IOS_EMBEDDED).length - 1;
  if (returns !== 1) throw manual(`AppDelegate.swift has ${returns} embedded-bundle URLs where one was expected`);
  const imports = [...swift.matchAll(/^(?:internal |public )?import \w+.*$/gm)];
  if (imports.length === 0) throw manual('AppDelegate.swift has no import lines');
  const last = imports[imports.length - 1];
  const at = last.index + last[0].length;
  return (swift.slice(0, at) + `\n${IOS_IMPORT}` + swift.slice(at)).replace(IOS_EMBEDDED, IOS_CALL);
}

/** MainApplication.kt: the React host loads the bundle file UpdraftBoot picks (null = the APK's). */
export function addAndroidBootGlue(kotlin) {
  if (kotlin.includes('UpdraftBoot.getJSBundleFile(')) return kotlin;
  if (!ANDROID_ANCHOR.test(kotlin))
    throw manual(
      'MainApplication.kt does not create its React host with getDefaultReactHost(context = applicationContext, …)',
    );
  return kotlin.replace(ANDROID_ANCHOR, `$1$2jsBundleFilePath = ${ANDROID_CALL},\n`);
}

function configPlugins(projectRoot) {
  // The app's own copy (Expo brings it); resolved from the app, not from this package.
  return createRequire(`${projectRoot}/package.json`)('@expo/config-plugins');
}

export default function withUpdraft(config) {
  const { withAppDelegate, withMainApplication } = configPlugins(config._internal?.projectRoot ?? process.cwd());
  config = withAppDelegate(config, (c) => {
    if (c.modResults.language !== 'swift') throw manual('AppDelegate is not Swift (Expo SDK 53+ writes Swift)');
    c.modResults.contents = addIosBootGlue(c.modResults.contents);
    return c;
  });
  return withMainApplication(config, (c) => {
    if (c.modResults.language !== 'kt') throw manual('MainApplication is not Kotlin');
    c.modResults.contents = addAndroidBootGlue(c.modResults.contents);
    return c;
  });
}
