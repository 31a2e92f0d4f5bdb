import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectRun, type Run } from './child-run.js';

/**
 * A real React Native app for the tests that need React Native's own tools (codegen,
 * autolinking, Metro, hermesc, the Expo config plugins), those of @updraft/react-native and the
 * end-to-end build of `updraft publish --build react-native`: packages/react-native/test/fixture-app/
 * holds its sources and its lockfile, and `installedFixtureApp()` runs `npm ci` for it once per machine and lockfile
 * (a folder in the temp dir, shared by every test file of a run). React Native stays out of the
 * repository's own dependencies on purpose: every `npm install` of Updraft would pay for it.
 */

/** The @updraft/react-native package folder (packed by `packedPackage`). */
export const REACT_NATIVE_ROOT = fileURLToPath(new URL('../../react-native/', import.meta.url));
export const FIXTURE_SOURCES = join(REACT_NATIVE_ROOT, 'test/fixture-app');
/**
 * An app with only the `expo` package (its CLI and @expo/config, without react-native): for the
 * tests of what Updraft reads through Expo's own tools (`expo config`); test/fixtures/expo-app.
 */
export const EXPO_FIXTURE_SOURCES = fileURLToPath(new URL('../../../test/fixtures/expo-app/', import.meta.url));

/** React Native 0.88's tools need Node 22.13+. */
function isRecentEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/**
 * The Node that runs React Native's tools: this one when it is recent enough, else the binary
 * named by UPDRAFT_TEST_NODE22 (so a Node 20 run can still exercise them). The reason to skip
 * otherwise (CI runs the suite on Node 20 and on Node 24: these tests run in the second pass).
 */
export function reactNativeNode(): { node: string; skip?: undefined } | { node?: undefined; skip: string } {
  if (isRecentEnough(process.version)) return { node: process.execPath };
  const other = process.env['UPDRAFT_TEST_NODE22'];
  if (other && existsSync(other)) return { node: other };
  return {
    skip: `React Native 0.88's tools need Node 22.13+ (this is ${process.version}); set UPDRAFT_TEST_NODE22 to a newer node binary to run them here`,
  };
}

export type { Run } from './child-run.js';

/** Runs a command with `node` first on PATH (npm and React Native's scripts start `node`). */
export async function runWith(
  node: string,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return collectRun(
    spawn(command, args, {
      cwd,
      env: { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

function fixtureKey(sources: string): string {
  const h = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) h.update(readFileSync(join(sources, f)));
  // npm's settings change what `npm ci` installs (the Expo fixture leaves out its peers).
  if (existsSync(join(sources, '.npmrc'))) h.update(readFileSync(join(sources, '.npmrc')));
  return h.digest('hex').slice(0, 16);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The fixture app's folder with node_modules installed from its lockfile (`npm ci`). Test files
 * run in parallel processes: the first takes a lock folder and installs, the others wait for
 * its `.installed` mark. `sources` is another fixture's folder (package.json and lockfile), such
 * as EXPO_FIXTURE_SOURCES.
 */
export async function installedFixtureApp(node: string, sources = FIXTURE_SOURCES): Promise<string> {
  const dir = join(tmpdir(), `updraft-rn-app-${fixtureKey(sources)}`);
  const mark = join(dir, '.installed');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(mark)) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
    } catch {
      const holder = Number(readFileSyncOr(join(lock, 'pid')));
      if (holder && !alive(holder)) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test holds ${lock} for too long`);
      else await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (existsSync(mark)) break;
      await rm(dir, { recursive: true, force: true });
      await cp(sources, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
      // The Expo fixture's lockfile lacks optional per-platform packages (expo-modules-macros')
      // that were not on the registry it was made against: `npm ci` refuses such a lockfile,
      // `npm install --no-save` follows it and fetches what it lacks where the registry has it.
      const how = sources === FIXTURE_SOURCES ? ['ci'] : ['install', '--no-save'];
      const r = await runWith(node, 'npm', [...how, '--no-audit', '--no-fund', '--loglevel=error'], dir);
      if (r.code !== 0) throw new Error(`npm ${how[0]} of the fixture app failed:\n${r.stderr.slice(-3000)}`);
      await writeFile(mark, new Date().toISOString());
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** `npm pack` of @updraft/react-native (built dist/ included), into `dest`; the tarball's path. */
export async function packedPackage(node: string, dest: string): Promise<string> {
  await mkdir(dest, { recursive: true });
  const r = await runWith(node, 'npm', ['pack', '--json', '--pack-destination', dest], REACT_NATIVE_ROOT);
  if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string }[];
  return join(dest, info!.filename);
}

/**
 * A fresh app skeleton at `dir` as `npx @react-native-community/cli init` lays it out: a
 * package.json depending on react-native and on the packed @updraft/react-native, ios/ and
 * android/ from a template package (React Native's by default), and node_modules holding the installed fixture's
 * packages (linked) plus the tarball unpacked (its own dependencies are not needed by the
 * native tools, and @updraft/* are not on the registry for npm to fetch).
 */
export async function appSkeleton(
  node: string,
  app: string,
  tarball: string,
  dir: string,
  template = join(app, 'node_modules/@react-native-community/template/template'),
): Promise<void> {
  await cp(join(template, 'ios'), join(dir, 'ios'), { recursive: true });
  await cp(join(template, 'android'), join(dir, 'android'), { recursive: true });
  const modules = join(dir, 'node_modules');
  await mkdir(modules, { recursive: true });
  for (const name of await readdir(join(app, 'node_modules'))) {
    if (!name.startsWith('@')) {
      await symlink(join(app, 'node_modules', name), join(modules, name));
      continue;
    }
    await mkdir(join(modules, name), { recursive: true });
    for (const sub of await readdir(join(app, 'node_modules', name))) {
      await symlink(join(app, 'node_modules', name, sub), join(modules, name, sub));
    }
  }
  const own = join(modules, '@updraft/react-native');
  await mkdir(own, { recursive: true });
  const untar = await runWith(node, 'tar', ['xzf', tarball, '-C', own, '--strip-components=1'], dir);
  if (untar.code !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  const fixture = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'skeleton',
        private: true,
        dependencies: { ...fixture.dependencies, '@updraft/react-native': `file:${tarball}` },
      },
      null,
      2,
    ),
  );
}
