import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createNodeClient } from '@updraft/client/node';
import { collectFiles, guessLaunch } from '../files.js';
import { DEFAULT_MAX_FILE_BYTES } from '../publish-defaults.js';
import {
  assertDeviceAttributes,
  assertIdentifier,
  checkUrlAllowed,
  isLoopbackHost,
  parseUrl,
  type DeviceAttributes,
} from '@updraft/protocol';
import { isTransparencyPolicy, type TransparencyPolicy } from '@updraft/protocol/transparency';
import { CliError, colour, emit } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { readAnchor } from '../trust/app-context.js';

/**
 * `updraft device`: the real Node client engine as a command, with DEVICE_DIR as the
 * device's storage. What an Electron/Node app does in-process, for demos and black-box tests.
 */

interface DeviceConfigFile {
  server: string;
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  allowInsecureLocalhost: boolean;
  deviceId?: string;
  /** The trust anchor the device was set up with (root.json shipped with the app). */
  root: string;
  /** Folder of the bundle "shipped inside the app binary": its files are reused and patched against. */
  embedded?: string;
  transparency?: TransparencyPolicy;
  /** Device attributes that targeting rules in the channel pointer are evaluated against. */
  attributes?: DeviceAttributes;
}

const CONFIG_FILE = 'device.json';

export interface SyncOptions extends GlobalOptions {
  app: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  root: string;
  dir: string;
  deviceId?: string;
  allowInsecureLocalhost?: boolean;
  embedded?: string;
  transparency?: string;
  appVersion?: string;
  osVersion?: string;
  rnVersion?: string;
  arch?: string;
  attr?: string[];
}

export interface DirOptions extends GlobalOptions {
  dir: string;
}

/** Builds the targeting attributes from the sync flags; checked by the same validator the client uses. */
function attributesFrom(opts: SyncOptions): { attributes?: DeviceAttributes } {
  const attributes: DeviceAttributes = {};
  if (opts.appVersion) attributes.appVersion = opts.appVersion;
  if (opts.osVersion) attributes.osVersion = opts.osVersion;
  if (opts.rnVersion) attributes.reactNativeVersion = opts.rnVersion;
  if (opts.arch) attributes.arch = opts.arch;
  for (const pair of opts.attr ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError('usage', `--attr must be key=value, not "${pair}"`, { exitCode: 2 });
    attributes.custom = { ...attributes.custom, [pair.slice(0, eq)]: pair.slice(eq + 1) };
  }
  if (Object.keys(attributes).length === 0) return {};
  try {
    return { attributes: assertDeviceAttributes(attributes, 'device attributes') };
  } catch (err) {
    throw new CliError('usage', (err as Error).message, { exitCode: 2 });
  }
}

async function readConfig(dir: string): Promise<DeviceConfigFile> {
  try {
    return JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8')) as DeviceConfigFile;
  } catch {
    throw new CliError(
      'no-device',
      `${dir} is not a device folder yet; run 'updraft device sync --dir ${dir} …' first`,
    );
  }
}

/** The embedded bundle as the client config describes it: every file by path, hash and absolute location. */
async function embeddedConfig(folder: string, platform: string) {
  const files = await collectFiles(folder, DEFAULT_MAX_FILE_BYTES);
  const launch = guessLaunch(files, platform) ?? files[0]!.path;
  return {
    launchPath: join(folder, launch),
    files: files.map((f) => ({ path: f.path, sha256: f.sha256, location: f.absolutePath })),
  };
}

async function clientFor(dir: string, config: DeviceConfigFile) {
  return createNodeClient({
    ...(config.embedded ? { embedded: await embeddedConfig(config.embedded, config.platform) } : {}),
    dir,
    server: config.server,
    appId: config.appId,
    platform: config.platform,
    runtimeVersion: config.runtimeVersion,
    channel: config.channel,
    trustedRoot: new TextEncoder().encode(config.root),
    allowInsecureLocalhost: config.allowInsecureLocalhost,
    ...(config.deviceId ? { deviceId: config.deviceId } : {}),
    ...(config.transparency ? { transparency: config.transparency } : {}),
    ...(config.attributes ? { attributes: config.attributes } : {}),
  });
}

/**
 * The client refuses plain http unless the app opted in (allowInsecureLocalhost); for the
 * command, name the flag that opts in. Null when the URL itself is allowed (a redirect was not).
 */
function insecureUrlMessage(server: string, allowInsecureLocalhost: boolean): string | null {
  try {
    checkUrlAllowed(server, allowInsecureLocalhost);
    return null;
  } catch {
    // Refused: say why below.
  }
  const parsed = parseUrl(server);
  if (!parsed) return `--server "${server}" is not a valid absolute URL (for example https://updates.example.com)`;
  if (parsed.protocol === 'http' && isLoopbackHost(parsed.host)) {
    return `${server} uses http; use https, or pass --allow-insecure-localhost for a development server on this machine`;
  }
  return `${server} uses ${parsed.protocol}; devices use https only (plain http only for a development server on this machine, with --allow-insecure-localhost)`;
}

function identifier(value: string, flag: string): string {
  try {
    return assertIdentifier(value, flag);
  } catch (err) {
    throw new CliError('usage', (err as Error).message, { exitCode: 2 });
  }
}

export async function syncDevice(opts: SyncOptions): Promise<void> {
  if (opts.transparency !== undefined && !isTransparencyPolicy(opts.transparency)) {
    throw new CliError('usage', '--transparency must be off, warn or enforce', { exitCode: 2 });
  }
  const server = opts.server ?? process.env['UPDRAFT_SERVER'];
  if (!server) throw new CliError('usage', 'no server given; pass --server URL or set UPDRAFT_SERVER', { exitCode: 2 });
  const appId = identifier(opts.app, '--app');
  const root = new TextDecoder().decode(await readAnchor(resolve(opts.root), appId));
  const dir = resolve(opts.dir);
  const config: DeviceConfigFile = {
    server,
    appId,
    platform: identifier(opts.platform, '--platform'),
    runtimeVersion: identifier(opts.runtimeVersion, '--runtime-version'),
    channel: identifier(opts.channel, '--channel'),
    allowInsecureLocalhost: Boolean(opts.allowInsecureLocalhost),
    root,
    ...(opts.deviceId ? { deviceId: opts.deviceId } : {}),
    ...(opts.embedded ? { embedded: resolve(opts.embedded) } : {}),
    ...(opts.transparency ? { transparency: opts.transparency as TransparencyPolicy } : {}),
    ...attributesFrom(opts),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  const result = await (await clientFor(dir, config)).sync();
  if (result.status === 'rejected' || result.status === 'failed') {
    process.exitCode = 1;
    if (result.reason === 'insecure-url') {
      result.message = insecureUrlMessage(server, config.allowInsecureLocalhost) ?? result.message;
    }
    // Said once: the result as JSON on stdout with --json, else one line on stderr.
    if (opts.json) return emit(opts, result, () => '');
    process.stderr.write(
      `${colour.red('error:')} update ${result.status} (${result.reason}): ${result.message ?? ''}; the device keeps its current bundle\n`,
    );
    return;
  }
  emit(opts, result, () => {
    const rel = result.release ? ` ${result.release} (versionCode ${result.versionCode})` : '';
    if (result.status === 'updated') {
      return `${colour.green('updated')}:${rel} staged, ${result.bytesDownloaded} bytes downloaded${result.delta ? ` (${result.delta.filesPatched} patched, ${result.delta.filesReused} reused, ${result.delta.filesDownloaded} full${result.delta.patchFailures.length ? `, ${result.delta.patchFailures.length} patch failures` : ''})` : ''}; it runs at the next launch`;
    }
    if (result.failedBefore) {
      const f = result.failedBefore;
      return [
        `${colour.yellow('not updated')}: the channel offers release ${f.releaseId} (versionCode ${f.versionCode}), but it failed its trial on this device (rolled back), so it is not downloaded again`,
        `  the device keeps running${rel || ' its embedded bundle'}`,
        `  to allow it again: updraft device clear-failed --dir ${opts.dir} --release ${f.releaseId}`,
      ].join('\n');
    }
    return `${colour.green('up to date')}${rel}`;
  });
}

export async function launchDevice(opts: DirOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const result = await (await clientFor(dir, await readConfig(dir))).launch();
  emit(opts, result, () =>
    result.launchPath
      ? `launch ${result.launchPath} (release ${result.releaseId}, versionCode ${result.versionCode})${result.rolledBack ? colour.yellow(` — rolled back ${result.rolledBack.releaseId}`) : ''}`
      : 'no downloaded bundle: the app runs its embedded bundle',
  );
}

export async function readyDevice(opts: DirOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const client = await clientFor(dir, await readConfig(dir));
  const before = await client.status();
  await client.notifyAppReady();
  const status = await client.status();
  const show = (r: { releaseId: string; versionCode: number }) => `${r.releaseId} (versionCode ${r.versionCode})`;
  emit(opts, { confirmed: status.confirmed, wasTrial: before.trial }, () => {
    if (before.trial && status.confirmed) return `confirmed ${show(status.confirmed)}`;
    const running = status.confirmed
      ? `${show(status.confirmed)} is already confirmed`
      : 'the app runs its embedded bundle';
    const pending = status.pending
      ? `; ${show(status.pending)} is downloaded and becomes the trial at the next 'updraft device launch --dir ${opts.dir}'`
      : '';
    return `nothing on trial to confirm: ${running}${pending}`;
  });
}

export async function clearFailedReleases(opts: DirOptions & { release?: string }): Promise<void> {
  const dir = resolve(opts.dir);
  const client = await clientFor(dir, await readConfig(dir));
  await client.clearFailed(opts.release);
  const { failed } = await client.status();
  emit(opts, { failed }, () =>
    failed.length
      ? `still failed: ${failed.map((f) => f.releaseId).join(', ')}`
      : `no failed releases: the next 'updraft device sync' may download them again`,
  );
}

export async function deviceStatus(opts: DirOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const status = await (await clientFor(dir, await readConfig(dir))).status();
  const show = (r: { releaseId: string; versionCode: number } | null) =>
    r ? `${r.releaseId} (v${r.versionCode})` : '-';
  emit(opts, status, () =>
    [
      `confirmed: ${show(status.confirmed)}`,
      `pending:   ${show(status.pending)}`,
      `trial:     ${show(status.trial)}`,
      `failed:    ${status.failed.length ? status.failed.map(show).join(', ') : '-'}`,
    ].join('\n'),
  );
}
