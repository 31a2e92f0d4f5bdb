import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectRun } from './child-run.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'packages/cli/dist/bin.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
}

/** Runs the real `updraft` binary as a child process. */
export async function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const run = await collectRun(
    spawn(process.execPath, [CLI, ...args], {
      cwd: cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { ...run, json };
}

/**
 * Where a release goes or a device asks. Most e2e cases use one ios/1.0.0 production target,
 * so those are the defaults; a case names only what differs.
 */
export interface TargetArgs {
  app: string;
  /** Default `ios`; null leaves `--platform` out (a build that publishes every platform, e.g. `--build expo`). */
  platform?: string | null;
  runtimeVersion?: string;
  channel?: string;
}

function targetArgs(t: TargetArgs): string[] {
  return [
    '--app',
    t.app,
    ...(t.platform === null ? [] : ['--platform', t.platform ?? 'ios']),
    '--runtime-version',
    t.runtimeVersion ?? '1.0.0',
    '--channel',
    t.channel ?? 'production',
  ];
}

export interface PublishArgs extends TargetArgs {
  /** The bundle folder. */
  dir: string;
  /** --keys: the app's key folder (omitted: the CLI's default). */
  keys?: string;
  /** --json (default true). */
  json?: boolean;
  /** Anything else, appended as is. */
  extra?: string[];
}

/** `updraft publish DIR --app … --platform … --runtime-version … --channel … [--keys K] [--json] …extra`. */
export function publishArgs(p: PublishArgs): string[] {
  return [
    'publish',
    p.dir,
    ...targetArgs(p),
    ...(p.keys !== undefined ? ['--keys', p.keys] : []),
    ...(p.json === false ? [] : ['--json']),
    ...(p.extra ?? []),
  ];
}

export interface DeviceSyncArgs extends TargetArgs {
  server: string;
  /** --root: the root metadata the device ships with. */
  root: string;
  /** --dir: the device folder. */
  dir: string;
  /** --allow-insecure-localhost (default true: test servers speak plain http on 127.0.0.1). */
  insecure?: boolean;
  /** Anything else, appended as is. */
  extra?: string[];
}

/** `updraft device sync --json --server … <target> --root … --dir … [--allow-insecure-localhost] …extra`. */
export function deviceSyncArgs(d: DeviceSyncArgs): string[] {
  return [
    'device',
    'sync',
    '--json',
    '--server',
    d.server,
    ...targetArgs(d),
    '--root',
    d.root,
    '--dir',
    d.dir,
    ...(d.insecure === false ? [] : ['--allow-insecure-localhost']),
    ...(d.extra ?? []),
  ];
}

export interface ServerProcess {
  url: string;
  adminKey: string;
  adminKeyPath: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the server wrote to stdout so far (its log, when UPDRAFT_LOG_LEVEL allows). */
  stdout(): string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Extra `updraft serve` arguments (e.g. --database, --blobs). */
  args?: string[];
  env?: Record<string, string>;
  /** The owner key when another instance created it (this one's data dir has no admin.key). */
  adminKey?: string;
}

/** Starts `updraft serve` on a free 127.0.0.1 port with its own data dir; stop() kills it by PID. */
export async function startServerProcess(dataDir: string, opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const args = [CLI, 'serve', '--port', '0', '--data', dataDir, '--json', ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // Quiet unless a test asks for logs (UPDRAFT_LOG_LEVEL in opts.env); the first line is then the JSON.
    env: { ...process.env, NO_COLOR: '1', UPDRAFT_LOG_LEVEL: 'silent', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // The serve --json line; log lines (when a test turns them on) may come before it.
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that starts after the test gave up would keep the test process alive.
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 45 s: ${stderr}`));
    }, 45_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.includes('"adminKeyPath"'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const info = JSON.parse(first) as { url: string; adminKey: string | null; adminKeyPath: string };
  const { readFile } = await import('node:fs/promises');
  const adminKey = info.adminKey ?? opts.adminKey ?? (await readFile(info.adminKeyPath, 'utf8')).trim();
  return {
    url: info.url,
    adminKey,
    adminKeyPath: info.adminKeyPath,
    dataDir,
    child,
    stdout: () => stdout,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(child.pid!, 'SIGTERM');
      }),
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `updraft-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
