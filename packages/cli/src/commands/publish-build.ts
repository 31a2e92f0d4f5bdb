import type { Command } from 'commander';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { buildReactNative, HERMES_MODES, type HermesMode } from '../build/react-native.js';
import { CliError } from '../output.js';
import { decideUpdateClient, exportExpo, exportedSourcemap, UPDATE_CLIENTS } from '../build/expo-build.js';
import { configJsEngine, readExpoConfig } from '../build/expo-config.js';
import type { ExpoAppSource } from '../expo/publish-expo.js';

/** `updraft publish --build …`: build the bundle with the app's own tools, then publish it. */

export interface BuildFlags {
  build?: string;
  updateClient?: string;
  app: string;
  server?: string;
  entryFile?: string;
  hermes: string;
  sourcemapDir?: string;
  platform: string;
  json?: boolean;
}

export interface BuiltBundle {
  /** An `expo export` folder to publish as Expo updates (expo-updates apps), not a bundle folder. */
  expoExport?: { sourcemapOf(platform: string): Promise<string | null>; app: ExpoAppSource };
  bundleDir: string;
  launch: string;
  /** The build's source maps: kept on the server beside the release, never in it. */
  sourcemaps: string[];
  summary: Record<string, unknown>;
  cleanup(): Promise<void>;
}

const KINDS = ['react-native', 'expo'] as const;

export function addBuildOptions(cmd: Command): Command {
  return cmd
    .option(
      '--build <kind>',
      `build first with the app's own tools, then publish: ${KINDS.join(' | ')}; <dir> is then the app's folder (default .)`,
    )
    .option('--entry-file <file>', '--build: the app entry file (default index.<platform>.js or index.js)')
    .option(
      '--update-client <client>',
      `--build expo: ${UPDATE_CLIENTS.join(' | ')} (default: from the app's dependencies and the updates.url of its Expo config, app.json or app.config.* as \`expo config\` resolves it)`,
    )
    .option('--hermes <mode>', `--build react-native: compile to Hermes bytecode, ${HERMES_MODES.join(' | ')}`, 'auto')
    .option(
      '--sourcemap-dir <dir>',
      '--build: also keep a copy of the source maps here, per release (the server keeps them in any case)',
    );
}

export async function buildBeforePublish(dir: string | undefined, flags: BuildFlags): Promise<BuiltBundle> {
  const kind = flags.build!;
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new CliError('usage', `--build must be one of ${KINDS.join(', ')}, not "${kind}"`, { exitCode: 2 });
  }
  const appDir = resolve(dir ?? '.');
  const log = (line: string) => {
    if (!flags.json) process.stderr.write(`${line}\n`);
  };
  const client =
    kind === 'expo'
      ? await decideUpdateClient(appDir, flags.updateClient, flags.server ?? process.env['UPDRAFT_SERVER'], flags.app)
      : null;
  if (client) log(`publishing for ${client.client} (${client.why})`);
  if (client?.client === 'expo-updates') {
    return buildExpoExport(
      { dir: appDir, ...(client.config !== undefined ? { config: client.config } : {}) },
      flags,
      log,
    );
  }
  if (!(HERMES_MODES as readonly string[]).includes(flags.hermes)) {
    throw new CliError('usage', `--hermes must be one of ${HERMES_MODES.join(', ')}, not "${flags.hermes}"`, {
      exitCode: 2,
    });
  }
  if (flags.platform !== 'ios' && flags.platform !== 'android') {
    throw new CliError('usage', `--build ${kind} needs --platform ios or android, not "${flags.platform}"`, {
      exitCode: 2,
    });
  }
  const platform = flags.platform;
  const expoJsEngine =
    kind === 'expo' && flags.hermes === 'auto'
      ? await readExpoConfig(appDir, 'pass --hermes on or off to bundle without reading it').then((expo) =>
          expo ? configJsEngine(expo.config, platform) : undefined,
        )
      : undefined;
  const outDir = await mkdtemp(join(tmpdir(), 'updraft-build-'));
  try {
    const built = await buildReactNative({
      appDir,
      platform,
      ...(flags.entryFile ? { entryFile: flags.entryFile } : {}),
      hermes: flags.hermes as HermesMode,
      outDir,
      log,
      bundler: kind === 'expo' ? 'expo' : 'react-native',
      ...(expoJsEngine ? { expoJsEngine } : {}),
    });
    log('hashing the bundle and its assets…');
    return {
      bundleDir: built.bundleDir,
      launch: built.launch,
      summary: {
        kind,
        ...(client ? { updateClient: client.client } : {}),
        reactNativeVersion: built.reactNativeVersion,
        hermesBytecodeVersion: built.hermesBytecodeVersion,
      },
      sourcemaps: [built.sourcemap],
      cleanup: () => rm(outDir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

/** expo-updates apps: `expo export` (with source maps), published as `publish --expo` does. */
async function buildExpoExport(
  app: ExpoAppSource,
  flags: BuildFlags,
  log: (line: string) => void,
): Promise<BuiltBundle> {
  const appDir = app.dir;
  const platform = (flags.platform as string | undefined) ?? 'all';
  if (platform !== 'all' && platform !== 'ios' && platform !== 'android') {
    throw new CliError('usage', `--build expo needs --platform ios, android or all, not "${platform}"`, {
      exitCode: 2,
    });
  }
  const outDir = await mkdtemp(join(tmpdir(), 'updraft-build-'));
  const dist = join(outDir, 'dist');
  try {
    await exportExpo({ appDir, platforms: platform === 'all' ? ['ios', 'android'] : [platform], outDir: dist, log });
    log('hashing the export and its assets…');
    return {
      expoExport: { sourcemapOf: (p) => exportedSourcemap(dist, p), app },
      bundleDir: dist,
      launch: '',
      sourcemaps: [],
      summary: { kind: 'expo', updateClient: 'expo-updates' },
      cleanup: () => rm(outDir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

/** `--sourcemap-dir`: a local copy of the maps as well, in <dir>/<releaseId>/. */
export async function copySourcemaps(dir: string, releaseId: string, files: string[]): Promise<string> {
  const dest = join(resolve(dir), releaseId);
  await mkdir(dest, { recursive: true });
  for (const f of files) await cp(f, join(dest, basename(f)));
  return dest;
}
