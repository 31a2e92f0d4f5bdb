import { isIdentifier, type ExpoPlatform } from '@updraft/protocol';
import type { ExpoAppConfig } from '../build/expo-config.js';

/**
 * Does the runtime version a publish is for match the one the app's builds report? An
 * expo-updates device sends its build's runtime version (`expo-runtime-version`) and only ever
 * gets updates published for exactly that, so a mismatch publishes an update no device sees.
 * The build's runtime version comes from the Expo config: a string, or a policy that derives it
 * from other fields. This resolves them as @expo/config-plugins does (getRuntimeVersionAsync),
 * except the fingerprint policy, a hash of the native project that only a build computes.
 */

/** What the config says one platform's builds report: a value, or why it cannot say. */
type Expected = { value: string; how: string } | { value: null; how: string };

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function expected(config: ExpoAppConfig, platform: ExpoPlatform): Expected | null {
  const own = config[platform]?.runtimeVersion;
  const rv = own ?? config.runtimeVersion;
  const field = own !== undefined ? `${platform}.runtimeVersion` : 'runtimeVersion';
  if (rv === undefined || rv === null) return null;
  if (typeof rv === 'string') return { value: rv, how: `${field} "${rv}"` };
  const policy = typeof rv === 'object' ? (rv as { policy?: unknown }).policy : undefined;
  const named = `${field} {"policy": "${String(policy)}"}`;
  switch (policy) {
    case 'appVersion': {
      const value = text(config[platform]?.version) ?? text(config.version) ?? '1.0.0';
      return { value, how: `${named}, the app version` };
    }
    case 'nativeVersion': {
      const version = text(config[platform]?.version) ?? text(config.version) ?? '1.0.0';
      const build =
        platform === 'ios' ? (text(config.ios?.buildNumber) ?? '1') : String(config.android?.versionCode ?? 1);
      return { value: `${version}(${build})`, how: `${named}, the version and build number` };
    }
    case 'sdkVersion': {
      const sdk = text(config.sdkVersion);
      return sdk ? { value: `exposdk:${sdk}`, how: `${named}, the Expo SDK version` } : { value: null, how: named };
    }
    case 'fingerprint':
      return {
        value: null,
        how: `${named}, a hash of the native project that only a build computes (\`npx expo-updates runtimeversion:resolve --platform ${platform}\` in the app prints it)`,
      };
    default:
      return { value: null, how: `${field} ${JSON.stringify(rv)}, which Expo does not accept` };
  }
}

const NEVER = 'devices built with another runtime version will never see this update';

/**
 * What to tell the publisher about `--runtime-version` against the app's config `file`
 * (`config` null when the file is code that was not evaluated): nothing when they agree.
 */
export function runtimeVersionWarnings(
  found: { file: string; config: ExpoAppConfig | null },
  platforms: readonly ExpoPlatform[],
  runtimeVersion: string,
): string[] {
  if (found.config === null) {
    return [
      `${found.file} is code, so its runtime version was not checked against --runtime-version ${runtimeVersion} (${NEVER}): ` +
        `\`npx expo config --type public\` in the app prints the runtimeVersion it sets (for a policy, \`npx expo-updates runtimeversion:resolve --platform <ios|android>\` prints the value), ` +
        `or publish with \`updraft publish <app> --build expo\`, which evaluates it and checks`,
    ];
  }
  const config = found.config;
  const out: string[] = [];
  const said = new Map<string, ExpoPlatform[]>();
  for (const platform of platforms) {
    const e = expected(config, platform);
    const message =
      e === null
        ? `${found.file} sets no runtimeVersion, so --runtime-version ${runtimeVersion} was not checked against it (${NEVER}); set runtimeVersion to "${runtimeVersion}" or {"policy": "appVersion"} (an app whose native folders are not made from the config reports the one in Expo.plist / AndroidManifest.xml)`
        : e.value === null
          ? `${found.file} sets ${e.how}: --runtime-version ${runtimeVersion} could not be checked against it (${NEVER})`
          : e.value === runtimeVersion
            ? null
            : !isIdentifier(e.value)
              ? `${found.file} sets ${e.how}: "${e.value}", which is not an Updraft identifier (letters, digits, ".", "_", "-"), so these builds get no updates from Updraft; set runtimeVersion to a literal such as "${runtimeVersion}" or {"policy": "appVersion"} and ship new builds`
              : `${found.file} sets ${e.how}: builds made from it report runtime version "${e.value}", not --runtime-version ${runtimeVersion}; ${NEVER}. Publish with --runtime-version ${e.value} for them, or go on if this update is for builds made before the config changed`;
    if (message === null) continue;
    said.set(message, [...(said.get(message) ?? []), platform]);
  }
  for (const [message, which] of said) {
    out.push(platforms.length > 1 && which.length < platforms.length ? `${which.join(', ')}: ${message}` : message);
  }
  return out;
}

/**
 * What to tell the publisher when no Expo config was found in the folders `searched` (as the
 * publisher would name them): --runtime-version could not be checked, and how to check it.
 */
export function noConfigWarning(searched: string, runtimeVersion: string): string {
  return (
    `no Expo config (app.json, app.config.json or app.config.js/ts) ${searched}, so --runtime-version ${runtimeVersion} was not checked against the runtime version the app's builds report (${NEVER}): ` +
    `publish from the app's folder (or with the export folder inside it) to have it checked, or run \`npx expo config --type public\` in the app, which prints the runtimeVersion it sets`
  );
}
