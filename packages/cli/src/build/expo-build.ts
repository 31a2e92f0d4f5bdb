import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../output.js';
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

/** `updates.url` of app.json (app.config.js is code: not read, pass --update-client). */
function updatesUrl(appDir: string): string | null {
  const path = join(appDir, 'app.json');
  if (!existsSync(path)) return null;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { expo?: { updates?: { url?: unknown } } };
    const url = json.expo?.updates?.url;
    return typeof url === 'string' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Decides from the app: `@updraft/react-native` in its dependencies → an Updraft release;
 * `expo-updates` with app.json's updates.url on this server's /expo/<appId> route (or no url
 * there) → an Expo update. Returns the choice and why, for the output.
 */
export function decideUpdateClient(
  appDir: string,
  flag: string | undefined,
  server: string | undefined,
  appId: string,
): { client: UpdateClient; why: string } {
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
    const url = updatesUrl(appDir);
    const ours = `/expo/${appId}`;
    if (url !== null && !url.replace(/\/+$/, '').endsWith(ours)) {
      throw new CliError(
        'bad-input',
        `app.json's updates.url is ${url}, not this server's ${server ?? '<server>'}${ours}: devices would not see the update; set updates.url, or pass --update-client expo-updates to publish anyway`,
      );
    }
    return { client: 'expo-updates', why: `the app uses expo-updates${url ? ` (updates.url ${url})` : ''}` };
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
