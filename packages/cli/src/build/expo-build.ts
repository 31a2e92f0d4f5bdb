import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../output.js';
import { configUpdatesUrl, readExpoConfig, type ResolvedExpoConfig } from './expo-config.js';
import { findExpoCli, runTool } from './react-native.js';

/**
 * `updraft publish --build expo`: which client the Expo app updates with, and `npx expo export`
 * for apps on expo-updates (the Updraft-client path bundles like a native build instead:
 * `expo export:embed`, in react-native.ts).
 */

export type UpdateClient = 'expo-updates' | 'updraft';
export const UPDATE_CLIENTS: readonly UpdateClient[] = ['expo-updates', 'updraft'];

interface AppPackage {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Decides from the app: `@updraft/react-native` in its dependencies → an Updraft release;
 * `expo-updates` with the Expo config's updates.url on this server's /expo/<appId> route (or no
 * url there) → an Expo update. Returns the choice and why, for the output.
 */
export async function decideUpdateClient(
  appDir: string,
  flag: string | undefined,
  server: string | undefined,
  appId: string,
): Promise<{ client: UpdateClient; why: string; config?: ResolvedExpoConfig | null }> {
  if (flag !== undefined) {
    if (!(UPDATE_CLIENTS as readonly string[]).includes(flag)) {
      throw new CliError('usage', `--update-client must be one of ${UPDATE_CLIENTS.join(', ')}, not "${flag}"`, {
        exitCode: 2,
      });
    }
    return { client: flag as UpdateClient, why: '--update-client' };
  }
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as AppPackage;
  const deps = { ...pkg.devDependencies, ...pkg.dependencies };
  const updraft = '@updraft/react-native' in deps;
  const expoUpdates = 'expo-updates' in deps;
  if (updraft && !expoUpdates) return { client: 'updraft', why: 'the app depends on @updraft/react-native' };
  if (expoUpdates && !updraft) {
    const expo = await readExpoConfig(
      appDir,
      'pass --update-client expo-updates to publish without reading it (the updates.url check is then skipped)',
    );
    const url = expo ? configUpdatesUrl(expo.config) : null;
    const ours = `/expo/${appId}`;
    if (expo && url !== null && !url.replace(/\/+$/, '').endsWith(ours)) {
      throw new CliError(
        'bad-input',
        `${expo.file}'s updates.url is ${url}, not this server's ${server ?? '<server>'}${ours}: devices would not see the update; set updates.url${expo.dynamic ? ` (${expo.file} was evaluated with this shell's environment and the app's .env files: check the variables it reads)` : ''}, or pass --update-client expo-updates to publish anyway`,
      );
    }
    return {
      client: 'expo-updates',
      why: `the app uses expo-updates${url ? ` (updates.url ${url})` : ''}`,
      config: expo,
    };
  }
  throw new CliError(
    'usage',
    updraft
      ? 'the app depends on both expo-updates and @updraft/react-native; pass --update-client expo-updates or updraft'
      : 'the app depends on neither expo-updates nor @updraft/react-native; pass --update-client expo-updates or updraft',
    { exitCode: 2 },
  );
}

/** Runs the app's own `expo export` into outDir (with source maps beside the bundles). */
export async function exportExpo(input: {
  appDir: string;
  platforms: ('ios' | 'android')[];
  outDir: string;
  log: (line: string) => void;
}): Promise<void> {
  const cli = findExpoCli(input.appDir);
  input.log(`exporting with the app's Expo CLI (expo export, ${input.platforms.join(' and ')})…`);
  await runTool(
    'expo export',
    process.execPath,
    [
      cli,
      'export',
      '--output-dir',
      input.outDir,
      '--source-maps',
      ...input.platforms.flatMap((p) => ['--platform', p]),
    ],
    input.appDir,
  );
}

/** The source map `expo export --source-maps` wrote beside a platform's bundle, if any. */
export async function exportedSourcemap(distDir: string, platform: string): Promise<string | null> {
  const metadata = JSON.parse(await readFile(join(distDir, 'metadata.json'), 'utf8')) as {
    fileMetadata?: Record<string, { bundle?: string }>;
  };
  const bundle = metadata.fileMetadata?.[platform]?.bundle;
  const map = bundle ? join(distDir, `${bundle}.map`) : null;
  return map && existsSync(map) ? map : null;
}
