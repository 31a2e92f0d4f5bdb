import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  deviceSyncArgs,
  publishArgs,
  runCli,
  startServerProcess,
  tempDir,
  type ServerProcess,
  type ServerProcessOptions,
} from './cli.js';

/** One `updraft serve` process for the tests of a file (read it once `before` has run). */
export interface ServerForFile {
  /** The file's own temporary folder. */
  readonly work: { path: string; cleanup(): Promise<void> };
  readonly server: ServerProcess;
  /** UPDRAFT_SERVER and UPDRAFT_API_KEY (the owner key) for runCli. */
  readonly env: Record<string, string>;
}

/** And one app created on it. */
export interface AppOnServer extends ServerForFile {
  readonly app: string;
  /** The folder `apps create --keys` wrote the app's keys to (root.json among them). */
  readonly keys: string;
}

export interface ServerForFileOptions<F = ServerForFile> {
  /** The server's data folder inside the work folder ('data' unless said). */
  dataDir?: string;
  server?: ServerProcessOptions;
  /** The file's own setup, in the same `before` once the rest is ready (see register). */
  setUp?: (fixture: F) => Promise<void>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// One `before` each, doing everything in order: Node 20 starts a file's top-level `before`
// hooks without waiting for the one before, so a second hook could not rely on the first.
function register<T extends ServerForFile>(
  prefix: string,
  opts: ServerForFileOptions<T>,
  fixture: Mutable<T>,
  then: () => Promise<void>,
): T {
  before(async () => {
    fixture.work = await tempDir(prefix);
    fixture.server = await startServerProcess(join(fixture.work.path, opts.dataDir ?? 'data'), opts.server);
    fixture.env = { UPDRAFT_SERVER: fixture.server.url, UPDRAFT_API_KEY: fixture.server.adminKey };
    await then();
    await opts.setUp?.(fixture);
  });
  after(async () => {
    // Optional chaining: `before` may have failed part-way.
    await fixture.server?.stop();
    await fixture.work?.cleanup();
  });
  return fixture;
}

/**
 * Registers the file's `before` and `after`: a temporary folder and a server with its data in
 * it; then the server stopped and the folder removed.
 */
export function serverForFile(prefix: string, opts: ServerForFileOptions = {}): ServerForFile {
  return register(prefix, opts, {} as Mutable<ServerForFile>, async () => {});
}

/** As serverForFile, and `app` created with its keys in `<folder>/keys`. */
export function appOnServer(app: string, prefix: string, opts: ServerForFileOptions<AppOnServer> = {}): AppOnServer {
  const fixture = { app } as Mutable<AppOnServer>;
  return register(prefix, opts, fixture, async () => {
    fixture.keys = join(fixture.work.path, 'keys');
    const created = await runCli(['apps', 'create', app, '--keys', fixture.keys, '--json'], fixture.env);
    assert.equal(created.code, 0, created.stderr);
  });
}

/**
 * Publishes `content` as the one file (main.jsbundle) of a fresh bundle folder under the work
 * folder, asserts the CLI succeeded, and answers its --json output.
 */
export async function publishContent(
  f: ServerForFile,
  app: string,
  keys: string,
  content: string,
): Promise<{ releaseId: string; versionCode: number }> {
  const dir = join(f.work.path, 'bundles', app, content.replace(/\W/g, ''));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'main.jsbundle'), content);
  const r = await runCli(publishArgs({ dir, app, keys }), f.env);
  assert.equal(r.code, 0, r.stderr);
  return r.json as { releaseId: string; versionCode: number };
}

/** `updraft device sync --json` (trusting the app's root.json in `keys`) and its output. */
export async function syncDevice(
  f: ServerForFile,
  app: string,
  keys: string,
  device: string,
  extra: string[] = [],
): Promise<{ status: string; release: string | null; reason?: string; message?: string }> {
  const r = await runCli(
    deviceSyncArgs({ server: f.server.url, app, root: join(keys, 'root.json'), dir: device, extra }),
    f.env,
  );
  return r.json as { status: string; release: string | null; reason?: string; message?: string };
}
