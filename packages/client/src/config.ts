import { assertIdentifier } from '@updraft/protocol';

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
  /** The bundle inside the app binary, launched when no downloaded release can be. */
  embedded?: { launchPath: string };
}

export const DEFAULT_TIMEOUT_MS = 30_000;

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
  };
}
