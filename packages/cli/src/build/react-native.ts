import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { CliError } from '../output.js';

/**
 * `updraft publish --build react-native`: the app's own Metro (`react-native bundle` from the
 * app's node_modules, wherever npm hoisted it) and, when the app runs on Hermes, the app's own
 * hermesc, laid out as the app's native build would lay them out (Android: index.android.bundle
 * with drawable-* folders beside it; iOS: main.jsbundle with assets/), so the asset paths Metro's
 * asset registry computes at run time resolve beside the downloaded bundle.
 */

export type HermesMode = 'auto' | 'on' | 'off';
export const HERMES_MODES: readonly HermesMode[] = ['auto', 'on', 'off'];

export interface ReactNativeBuildInput {
  /** The app's folder (its package.json). */
  appDir: string;
  platform: 'ios' | 'android';
  entryFile?: string;
  hermes: HermesMode;
  /** An empty folder: bundle/ (what is published) and maps/ (never published) go in it. */
  outDir: string;
  /** One line per step on stderr. */
  log: (line: string) => void;
  /**
   * Whose Metro bundles: React Native's (`react-native bundle`), or Expo's (`expo export:embed`,
   * the same command line with the app's Expo Metro config, as Expo's own native builds run it).
   */
  bundler?: 'react-native' | 'expo';
  /** An Expo app's jsEngine for this platform, from its resolved Expo config (expo-config.ts). */
  expoJsEngine?: string;
}

export interface ReactNativeBuild {
  /** The folder to publish: the launch file and the assets. */
  bundleDir: string;
  launch: string;
  /** The source map of the launch file (composed with Hermes' own map when compiled). */
  sourcemap: string;
  reactNativeVersion: string;
  /** The Hermes bytecode version, or null for a plain JavaScript bundle. */
  hermesBytecodeVersion: number | null;
}

const LAUNCH = { android: 'index.android.bundle', ios: 'main.jsbundle' } as const;
const HERMES_MAGIC = Buffer.from([0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f]);

export async function buildReactNative(input: ReactNativeBuildInput): Promise<ReactNativeBuild> {
  const { appDir, platform, log } = input;
  const rnDir = resolvePackageDir(appDir, 'react-native');
  if (!rnDir) {
    throw new CliError(
      'bad-input',
      `no react-native package is installed for ${appDir}: run npm install in the app, or pass the app's folder as <dir>`,
    );
  }
  const reactNativeVersion = (JSON.parse(readFileSync(join(rnDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const expoCli = input.bundler === 'expo' ? findExpoCli(appDir) : null;
  const entry =
    input.entryFile ??
    (expoCli ? expoEntry(appDir) : null) ??
    [`index.${platform}.js`, 'index.js', 'index.ts', 'index.tsx'].find((f) => existsSync(join(appDir, f)));
  if (!entry || !existsSync(join(appDir, entry))) {
    throw new CliError(
      'bad-input',
      `the entry file ${entry ?? 'index.js'} is not in ${appDir}; pass --entry-file <file>`,
    );
  }
  const hermes = input.hermes === 'auto' ? appUsesHermes(appDir, platform, input.expoJsEngine) : input.hermes === 'on';
  const hermesc = hermes ? findHermesc(rnDir) : null;
  if (hermes && !hermesc) {
    throw new CliError(
      'bad-input',
      `the app uses Hermes but react-native ${reactNativeVersion} brings no hermesc for this machine (hermes-compiler or react-native/sdks/hermesc); pass --hermes off to publish plain JavaScript`,
    );
  }

  const bundleDir = join(input.outDir, 'bundle');
  const mapsDir = join(input.outDir, 'maps');
  await mkdir(bundleDir, { recursive: true });
  await mkdir(mapsDir, { recursive: true });
  const launch = LAUNCH[platform];
  const bundle = join(bundleDir, launch);
  const packagerMap = join(mapsDir, `${launch}.packager.map`);
  log(
    `bundling ${entry} with the app's ${expoCli ? 'Expo ' : ''}Metro (react-native ${reactNativeVersion}, ${platform})…`,
  );
  await runTool(
    expoCli ? 'expo export:embed' : 'react-native bundle',
    process.execPath,
    [
      ...(expoCli ? [expoCli, 'export:embed'] : [join(rnDir, 'cli.js'), 'bundle']),
      '--platform',
      platform,
      '--dev',
      'false',
      // Hermes minifies itself; a minified input only loses it names (what React Native's builds do).
      '--minify',
      String(!hermes),
      '--entry-file',
      entry,
      '--bundle-output',
      bundle,
      '--assets-dest',
      bundleDir,
      '--sourcemap-output',
      packagerMap,
    ],
    appDir,
  );
  if (!hermesc) {
    const sourcemap = join(mapsDir, `${launch}.map`);
    await rename(packagerMap, sourcemap);
    return { bundleDir, launch, sourcemap, reactNativeVersion, hermesBytecodeVersion: null };
  }

  log(`compiling to Hermes bytecode with ${relative(appDir, hermesc)}…`);
  const hbc = join(mapsDir, `${launch}.hbc`);
  await runTool(
    'hermesc',
    hermesc,
    ['-w', '-emit-binary', '-max-diagnostic-width=80', '-out', hbc, bundle, '-O', '-output-source-map'],
    appDir,
  );
  const sourcemap = join(mapsDir, `${launch}.map`);
  await runTool(
    'compose-source-maps',
    process.execPath,
    [join(rnDir, 'scripts/compose-source-maps.js'), packagerMap, `${hbc}.map`, '-o', sourcemap],
    appDir,
  );
  await rename(hbc, bundle);
  await rm(packagerMap);
  await rm(`${hbc}.map`);
  const head = readFileSync(bundle).subarray(0, 12);
  if (!head.subarray(0, 8).equals(HERMES_MAGIC)) {
    throw new CliError('build-failed', `hermesc wrote ${launch} without Hermes' magic number; nothing was published`);
  }
  return { bundleDir, launch, sourcemap, reactNativeVersion, hermesBytecodeVersion: head.readUInt32LE(8) };
}

/** Where `name` is installed for the app: its own node_modules or a parent's (workspaces). */
export function resolvePackageDir(fromDir: string, name: string): string | null {
  try {
    return dirname(createRequire(join(fromDir, 'package.json')).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * Hermes is React Native's default engine (and the only one since 0.82's JavaScriptCore
 * removal); an app opts out in android/gradle.properties (hermesEnabled=false), its Podfile
 * (:hermes_enabled => false) or, for an Expo app without native folders, its Expo config
 * (`expoJsEngine`: jsEngine "jsc", resolved by expo-config.ts; prebuild writes it into the
 * native files, so those come first).
 */
export function appUsesHermes(appDir: string, platform: 'ios' | 'android', expoJsEngine?: string): boolean {
  const read = (path: string) => (existsSync(join(appDir, path)) ? readFileSync(join(appDir, path), 'utf8') : '');
  if (platform === 'android' && /^\s*hermesEnabled\s*=\s*false\s*$/m.test(read('android/gradle.properties')))
    return false;
  if (platform === 'ios' && /:hermes_enabled\s*=>\s*false/.test(read('ios/Podfile'))) return false;
  return expoJsEngine !== 'jsc';
}

/** The app's own Expo CLI (`expo`'s bin), wherever npm hoisted it. */
export function findExpoCli(appDir: string): string {
  const dir = resolvePackageDir(appDir, 'expo');
  const bin = dir ? (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: unknown }).bin : null;
  const cli = typeof bin === 'string' ? bin : (bin as Record<string, string> | null)?.['expo'];
  if (!dir || !cli) {
    throw new CliError(
      'bad-input',
      `no expo package is installed for ${appDir}: run npm install in the app (npx expo install expo), or pass the app's folder as <dir>`,
    );
  }
  return join(dir, cli);
}

/** Expo apps start at package.json's main (expo/AppEntry.js, expo-router/entry…), when it is a file of the app. */
function expoEntry(appDir: string): string | null {
  const main = (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { main?: unknown }).main;
  return typeof main === 'string' && existsSync(join(appDir, main)) ? main : null;
}

function findHermesc(rnDir: string): string | null {
  const os = process.platform === 'darwin' ? 'osx-bin' : process.platform === 'win32' ? 'win64-bin' : 'linux64-bin';
  const exe = process.platform === 'win32' ? 'hermesc.exe' : 'hermesc';
  const candidates = [join(rnDir, 'sdks/hermesc', os, exe)];
  const compiler = resolvePackageDir(rnDir, 'hermes-compiler');
  if (compiler) candidates.unshift(join(compiler, 'hermesc', os, exe));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/**
 * Runs a build tool and resolves with what it printed on stdout; on failure, its own last lines
 * of output are the error (`failure` words the message around them).
 */
export function runTool(
  name: string,
  command: string,
  args: string[],
  cwd: string,
  failure: (shown: string, code: number | null) => string = (shown, code) =>
    `${name} failed (exit ${code}); nothing was published:\n${shown}`,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let output = '';
    let stdout = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', (d: Buffer) => {
      keep(d);
      // Bounded: what callers read from stdout (`expo config --json`) is small; build logs are not.
      stdout = (stdout + d.toString()).slice(-4_000_000);
    });
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new CliError('build-failed', `${name} could not start: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const lines = output
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '');
      const errorAt = lines.findIndex((l) => /error/i.test(l));
      const shown = (errorAt >= 0 ? lines.slice(errorAt, errorAt + 12) : lines.slice(-12)).join('\n');
      reject(new CliError('build-failed', failure(shown, code)));
    });
  });
}
