import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../output.js';
import { findExpoCli, runTool } from './react-native.js';

/**
 * The app's Expo config, resolved the way Expo's own tools resolve it: a dynamic config
 * (app.config.ts/.js/…, often a function extending app.json's config) is code, so the app's own
 * Expo CLI evaluates it (`expo config --json --type public`, with this shell's environment and
 * the app's .env files, as `expo export` does); an app with only app.json (or app.config.json)
 * is read here, with no subprocess. Every part of `publish --build expo` that needs the Expo
 * config reads it here.
 */

/** The fields of Expo's public config that Updraft reads (Expo's ExpoConfig has many more). */
export interface ExpoAppConfig {
  updates?: { url?: unknown };
  jsEngine?: unknown;
  /** A string, or a policy object such as {"policy": "appVersion"} (the platform's own first). */
  runtimeVersion?: unknown;
  version?: unknown;
  sdkVersion?: unknown;
  ios?: { jsEngine?: unknown; runtimeVersion?: unknown; version?: unknown; buildNumber?: unknown };
  android?: { jsEngine?: unknown; runtimeVersion?: unknown; version?: unknown; versionCode?: unknown };
}

export interface ResolvedExpoConfig {
  config: ExpoAppConfig;
  /** The file it comes from, for messages: app.json, app.config.ts… */
  file: string;
  /** True when the file is code (app.config.js/.ts…): the environment may decide what it says. */
  dynamic: boolean;
}

// @expo/config's order (getDynamicConfigFilePath, getStaticConfigFilePath).
const DYNAMIC_FILES = ['.ts', '.mts', '.cts', '.mjs', '.cjs', '.js'].map((ext) => `app.config${ext}`);
const STATIC_FILES = ['app.config.json', 'app.json'];

/**
 * The app's public Expo config, or null when it has none (no app.config.* nor app.json).
 * `otherwise` ends the error when the config cannot be read: what the user can pass instead.
 */
export async function readExpoConfig(appDir: string, otherwise: string): Promise<ResolvedExpoConfig | null> {
  const dynamicFile = DYNAMIC_FILES.find((f) => existsSync(join(appDir, f)));
  const staticFile = STATIC_FILES.find((f) => existsSync(join(appDir, f)));
  if (!dynamicFile && !staticFile) return null;
  if (!dynamicFile && staticFile) {
    const config = staticConfig(join(appDir, staticFile));
    // Expo reads static configs as JSON5 (comments, trailing commas): what JSON.parse refuses,
    // Expo's own reader decides.
    if (config) return { config, file: staticFile, dynamic: false };
  }
  const file = (dynamicFile ?? staticFile)!;
  const cli = findExpoCli(appDir);
  const stdout = await runTool(
    'expo config',
    process.execPath,
    [cli, 'config', '--json', '--type', 'public'],
    appDir,
    (shown, code) =>
      `the app's Expo config (${file}) could not be evaluated: expo config failed (exit ${code}, Node ${process.version}), Expo says:\n${shown}\n` +
      `Fix ${file} (\`npx expo config\` in the app shows the same error), or ${otherwise}`,
  );
  // `--json` prints the config as one line; a config's own console.log may come before it.
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.trimStart().startsWith('{'));
  try {
    const config = JSON.parse(line ?? '') as unknown;
    if (config && typeof config === 'object' && !Array.isArray(config)) {
      return { config: config as ExpoAppConfig, file, dynamic: dynamicFile !== undefined };
    }
  } catch {
    // Reported below.
  }
  throw new CliError(
    'build-failed',
    `expo config --json printed no config for ${file} (its output ended: ${stdout.trim().slice(-300) || 'nothing'}); ${otherwise}`,
  );
}

/**
 * The app's config without running anything: the static one (app.json, app.config.json), or,
 * when a dynamic one decides instead, only its name (`config` null: it is code, not read here).
 * Null when the folder has no Expo config, or its static config is not JSON.
 */
export function readStaticExpoConfig(appDir: string): ResolvedExpoConfig | { file: string; config: null } | null {
  const dynamicFile = DYNAMIC_FILES.find((f) => existsSync(join(appDir, f)));
  if (dynamicFile) return { file: dynamicFile, config: null };
  const staticFile = STATIC_FILES.find((f) => existsSync(join(appDir, f)));
  const config = staticFile ? staticConfig(join(appDir, staticFile)) : null;
  return staticFile && config ? { config, file: staticFile, dynamic: false } : null;
}

/** app.json's `expo` object (or the whole file, as Expo reads a file without one); null if not JSON. */
function staticConfig(path: string): ExpoAppConfig | null {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { expo?: unknown } | null;
    const config = json && typeof json === 'object' && json.expo !== undefined ? json.expo : json;
    return config && typeof config === 'object' ? (config as ExpoAppConfig) : {};
  } catch {
    return null;
  }
}

/** `updates.url`, when the config sets one. */
export function configUpdatesUrl(config: ExpoAppConfig): string | null {
  const url = config.updates?.url;
  return typeof url === 'string' ? url : null;
}

/** The JavaScript engine the config asks for on a platform (the platform's own setting first). */
export function configJsEngine(config: ExpoAppConfig, platform: 'ios' | 'android'): string | undefined {
  const engine = config[platform]?.jsEngine ?? config.jsEngine;
  return typeof engine === 'string' ? engine : undefined;
}
