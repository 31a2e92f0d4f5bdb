import type { Command } from 'commander';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { buildReactNative, HERMES_MODES, type HermesMode } from '../build/react-native.js';
import { CliError } from '../output.js';

/** `updraft publish --build …`: build the bundle with the app's own tools, then publish it. */

export interface BuildFlags {
  build?: string;
  entryFile?: string;
  hermes: string;
  sourcemapDir?: string;
  platform: string;
  json?: boolean;
}

export interface BuiltBundle {
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
  if (kind === 'expo') {
    throw new CliError(
      'usage',
      '--build expo is not available in this version; run npx expo export and publish its output folder (updraft publish <dist> --launch <the .hbc file>)',
      { exitCode: 2 },
    );
  }
  if (!(HERMES_MODES as readonly string[]).includes(flags.hermes)) {
    throw new CliError('usage', `--hermes must be one of ${HERMES_MODES.join(', ')}, not "${flags.hermes}"`, {
      exitCode: 2,
    });
  }
  if (flags.platform !== 'ios' && flags.platform !== 'android') {
    throw new CliError('usage', `--build react-native needs --platform ios or android, not "${flags.platform}"`, {
      exitCode: 2,
    });
  }
  const appDir = resolve(dir ?? '.');
  const outDir = await mkdtemp(join(tmpdir(), 'updraft-build-'));
  const log = (line: string) => {
    if (!flags.json) process.stderr.write(`${line}\n`);
  };
  try {
    const built = await buildReactNative({
      appDir,
      platform: flags.platform,
      ...(flags.entryFile ? { entryFile: flags.entryFile } : {}),
      hermes: flags.hermes as HermesMode,
      outDir,
      log,
    });
    log('hashing the bundle and its assets…');
    return {
      bundleDir: built.bundleDir,
      launch: built.launch,
      summary: {
        kind,
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

/** `--sourcemap-dir`: a local copy of the maps as well, in <dir>/<releaseId>/. */
export async function copySourcemaps(dir: string, releaseId: string, files: string[]): Promise<string> {
  const dest = join(resolve(dir), releaseId);
  await mkdir(dest, { recursive: true });
  for (const f of files) await cp(f, join(dest, basename(f)));
  return dest;
}
