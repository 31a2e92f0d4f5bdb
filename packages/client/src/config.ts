import { assertDeviceAttributes, assertIdentifier, type DeviceAttributes } from '@updraft/protocol';
import { isTransparencyPolicy, type TransparencyPolicy } from '@updraft/protocol/transparency';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface UpdraftClientConfig {
  /** Server (or static host) URL without the `/repo/<appId>` suffix, e.g. https://updates.example.com */
  server: string;
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  /** Bytes of the root.json shipped inside the app binary: the anchor of all trust. */
  trustedRoot: Uint8Array;
  /** Allows http:// to a loopback host, for development only. */
  allowInsecureLocalhost?: boolean;
  /** Fixes the rollout identity; otherwise a random one is created once and kept in state. */
  deviceId?: string;
  /** Stall timeout of each request, in ms. */
  timeoutMs?: number;
  /**
   * The bundle inside the app binary, launched when no downloaded release can be. `files`
   * lists what it ships, so an update reuses those files (and patches against them) instead
   * of downloading them; `updraft embedded manifest <dir>` writes the list.
   */
  embedded?: { launchPath: string; files?: EmbeddedFile[] };
  /**
   * Transparency log check (docs/protocol.md §9.4): `enforce` installs a release only when its
   * releases metadata is provably in the log pinned in root; `warn` reports and goes on. The
   * stricter of this and root's pinned policy applies. Default `off` (root may still enforce).
   */
  transparency?: TransparencyPolicy;
  /**
   * How long a trial launch may take to call notifyAppReady() before it is rolled back,
   * in ms (default 10 s). 0 disables the deadline; a trial that never confirms is then
   * rolled back only at the next launch.
   */
  readyTimeoutMs?: number;
  /**
   * Launches a new release gets to call notifyAppReady() before it is rolled back
   * (default 1: the first launch that crashes rolls back). Raise it only when a crash on
   * first start may be unrelated to the bundle.
   */
  maxLaunchAttempts?: number;
  /**
   * Set by bindings whose native code chooses the bundle before any JavaScript runs
   * (React Native): the engine then writes the boot pointer (boot.json) with every state
   * change, and launch() adopts the native decision instead of making its own.
   */
  nativeBoot?: boolean;
  /** Release files downloaded at the same time (default 4; 1 = one after the other). */
  downloadConcurrency?: number;
  /**
   * What this device reports for the release's signed targeting rules (docs/protocol.md §5.1):
   * appVersion (the binary's version), osVersion, reactNativeVersion, arch, custom key=value.
   */
  attributes?: DeviceAttributes;
}

/** A file of the embedded bundle: its path in the bundle, SHA-256, and where the platform reads it. */
export interface EmbeddedFile {
  path: string;
  sha256: string;
  /** Passed to Storage.readExternal (an absolute path in Node). */
  location: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_READY_TIMEOUT_MS = 10_000;

export interface ResolvedConfig {
  server: string;
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  trustedRoot: Uint8Array;
  allowInsecureLocalhost: boolean;
  deviceId: string | null;
  timeoutMs: number;
  embeddedLaunchPath: string | null;
  embeddedFiles: EmbeddedFile[];
  transparency: TransparencyPolicy;
  readyTimeoutMs: number;
  maxLaunchAttempts: number;
  nativeBoot: boolean;
  downloadConcurrency: number;
  attributes: DeviceAttributes;
}

/**
 * Mistakes here are the app developer's, so they throw at construction with the field
 * named, instead of surfacing later as a failed update on a user's phone.
 */
export function resolveConfig(config: UpdraftClientConfig): ResolvedConfig {
  if (typeof config.server !== 'string' || config.server === '') {
    throw new TypeError('Updraft config: server must be the update server URL, e.g. https://updates.example.com');
  }
  if (!(config.trustedRoot instanceof Uint8Array) || config.trustedRoot.length === 0) {
    throw new TypeError('Updraft config: trustedRoot must be the bytes of the root.json shipped with the app');
  }
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('Updraft config: timeoutMs must be a positive number of milliseconds');
  }
  if (config.deviceId !== undefined && (typeof config.deviceId !== 'string' || config.deviceId === '')) {
    throw new TypeError('Updraft config: deviceId must be a non-empty string when given');
  }
  if (config.transparency !== undefined && !isTransparencyPolicy(config.transparency)) {
    throw new TypeError('Updraft config: transparency must be "off", "warn" or "enforce"');
  }
  const readyTimeoutMs = config.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (!Number.isFinite(readyTimeoutMs) || readyTimeoutMs < 0) {
    throw new TypeError('Updraft config: readyTimeoutMs must be 0 (no deadline) or a positive number of milliseconds');
  }
  const maxLaunchAttempts = config.maxLaunchAttempts ?? 1;
  if (!Number.isSafeInteger(maxLaunchAttempts) || maxLaunchAttempts < 1 || maxLaunchAttempts > 10) {
    throw new TypeError('Updraft config: maxLaunchAttempts must be an integer from 1 to 10');
  }
  const downloadConcurrency = config.downloadConcurrency ?? 4;
  if (!Number.isSafeInteger(downloadConcurrency) || downloadConcurrency < 1 || downloadConcurrency > 16) {
    throw new TypeError('Updraft config: downloadConcurrency must be an integer from 1 to 16');
  }
  return {
    server: config.server,
    appId: assertIdentifier(config.appId, 'Updraft config: appId'),
    platform: assertIdentifier(config.platform, 'Updraft config: platform'),
    runtimeVersion: assertIdentifier(config.runtimeVersion, 'Updraft config: runtimeVersion'),
    channel: assertIdentifier(config.channel, 'Updraft config: channel'),
    trustedRoot: config.trustedRoot,
    allowInsecureLocalhost: config.allowInsecureLocalhost === true,
    deviceId: config.deviceId ?? null,
    timeoutMs,
    embeddedLaunchPath: config.embedded?.launchPath ?? null,
    embeddedFiles: checkEmbeddedFiles(config.embedded?.files),
    transparency: config.transparency ?? 'off',
    readyTimeoutMs,
    maxLaunchAttempts,
    nativeBoot: config.nativeBoot === true,
    downloadConcurrency,
    attributes: resolveAttributes(config.attributes),
  };
}

function checkEmbeddedFiles(files: EmbeddedFile[] | undefined): EmbeddedFile[] {
  if (files === undefined) return [];
  if (!Array.isArray(files)) throw new TypeError('Updraft config: embedded.files must be an array');
  files.forEach((f, i) => {
    if (typeof f?.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) {
      throw new TypeError(`Updraft config: embedded.files[${i}].sha256 must be a lower-case hex SHA-256`);
    }
    if (typeof f.location !== 'string' || f.location === '') {
      throw new TypeError(`Updraft config: embedded.files[${i}].location must name where the file is`);
    }
  });
  return files;
}

function resolveAttributes(value: unknown): DeviceAttributes {
  if (value === undefined) return {};
  try {
    return assertDeviceAttributes(value, 'Updraft config: attributes');
  } catch (err) {
    throw new TypeError((err as Error).message);
  }
}
