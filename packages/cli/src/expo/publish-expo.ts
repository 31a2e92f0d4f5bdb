import { randomUUID } from 'node:crypto';
import { dirname, extname, join, relative, resolve } from 'node:path';
import {
  buildExpoManifest,
  EXPO_NO_UPDATE_DIRECTIVE,
  expoAssetHash,
  expoAssetPath,
  expoContentType,
  type ExpoAsset,
  formatBytes,
} from '@updraft/protocol';
import { requireServer, type AdminApi } from '../api-client.js';
import type { LocalFile } from '../files.js';
import { DEFAULT_MAX_FILE_BYTES } from '../publish-defaults.js';
import { defaultKeysDir, readRoleKey } from '@updraft/signing';
import { CliError, colour } from '../output.js';
import { defaultBuilderKeyPath, loadOrCreateBuilderKey } from '../provenance.js';
import type { GlobalOptions } from '../run.js';
import { assertKeysFolderFor } from '../trust/app-context.js';
import { anchorEpoch } from '../trust/epoch.js';
import { uploadMissing } from '../upload.js';
import type { DeployFlags } from '../commands/deploy-options.js';
import { assertCliIdentifier, deployPlan, droppedReleasesLine, publishSigned } from '../sign-release.js';
import { parseKeepReleases } from '../keep-releases.js';
import { readStaticExpoConfig, type ExpoAppConfig, type ResolvedExpoConfig } from '../build/expo-config.js';
import { readExpoExport, type ExportedPlatform } from './export-dir.js';
import { noConfigWarning, runtimeVersionWarnings } from './runtime-version.js';
import { assertSigningMatches, loadExpoSigner, signExpoBody, type ExpoSigner } from './signing.js';

export interface ExpoPublishOptions extends GlobalOptions, DeployFlags {
  app: string;
  channel: string;
  runtimeVersion: string;
  /** ios, android or all (default). */
  platform?: string;
  keys?: string;
  allowChannels?: string;
  maxFileSize?: string;
  notes?: string;
  builderKey?: string;
  provenance?: boolean;
  createChannel?: boolean;
  expoKey?: string;
  expoKeyId?: string;
  /** Where devices fetch assets (a CDN in front of this server); default the server URL. */
  expoBaseUrl?: string;
  /** `--keep-releases` as typed (default DEFAULT_KEEP_RELEASES). */
  keepReleases?: string;
}

/** The app an Expo publish comes from: its folder, and its config when the caller read it. */
export interface ExpoAppSource {
  dir: string;
  config?: ResolvedExpoConfig | null;
}

export interface ExpoPublished {
  platform: string;
  releaseId: string;
  versionCode: number;
  updateId: string;
  createdAt: string;
  signed: boolean;
  /** Releases this platform's new signed listing no longer has. */
  droppedReleases: string[];
}

/** What `publish --expo` did: the `--json` document, and the same for a person. */
export interface ExpoPublishOutcome {
  result: { releases: ExpoPublished[]; bytesUploaded: number; warnings: string[] };
  human: () => string;
}

/** The absolute origin (and path prefix) asset URLs start with: frozen into the signed manifest. */
export function expoBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError('usage', `--expo-base-url ${value} is not an absolute URL such as https://updates.example.com`, {
      exitCode: 2,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError('usage', '--expo-base-url must be an http(s) URL', { exitCode: 2 });
  }
  return url.href.replace(/\/+$/, '');
}

function asset(appId: string, base: string, file: LocalFile, ext: string): ExpoAsset {
  return {
    hash: expoAssetHash(file.sha256),
    key: file.sha256,
    contentType: expoContentType(ext),
    fileExtension: `.${ext}`,
    url: `${base}${expoAssetPath(appId, file.sha256, ext)}`,
  };
}

/** The manifest bytes of one platform, frozen here: asset URLs are absolute and immutable. */
export function expoManifestText(input: {
  appId: string;
  base: string;
  runtimeVersion: string;
  exported: ExportedPlatform;
  expoConfig: Record<string, unknown> | null;
  id: string;
  createdAt: string;
}): string {
  const { bundle, assets } = input.exported;
  const bundleExt = extname(bundle.path).slice(1) || 'js';
  const launch = asset(input.appId, input.base, bundle, bundleExt);
  delete launch.fileExtension; // expo-updates ignores it for the launch asset
  launch.contentType = 'application/javascript';
  return buildExpoManifest({
    id: input.id,
    createdAt: input.createdAt,
    runtimeVersion: input.runtimeVersion,
    launchAsset: launch,
    assets: assets.map((a) => asset(input.appId, input.base, a.file, a.ext)),
    metadata: {},
    extra: input.expoConfig ? { expoClient: input.expoConfig } : {},
  });
}

/**
 * Where the app's Expo config is: `--build` knows the app folder (and has the config when it
 * read it, evaluated if it is code); `publish DIR --expo` looks beside DIR (`npx expo export`
 * writes dist/ in the app) and then in the current folder. Only a static config is read here.
 * None found: `searched` names the folders looked in, as the publisher would.
 */
function findAppConfig(
  root: string,
  app: ExpoAppSource | undefined,
): { file: string; config: ExpoAppConfig | null } | { searched: string } {
  if (app?.config) return app.config;
  for (const dir of app ? [app.dir] : [dirname(root), process.cwd()]) {
    const found = readStaticExpoConfig(dir);
    if (found) return { file: relative(process.cwd(), join(dir, found.file)) || found.file, config: found.config };
  }
  const beside = relative(process.cwd(), app ? app.dir : dirname(root)) || '.';
  return {
    searched: app
      ? `in ${beside}`
      : beside === '.'
        ? 'in the current folder (beside the export folder)'
        : `beside the export folder (in ${beside}) nor in the current folder`,
  };
}

/** Registers a release's Expo update: the manifest bytes and the signatures made here. */
export async function registerExpoUpdate(
  api: AdminApi,
  appId: string,
  releaseId: string,
  manifest: string,
  signer: ExpoSigner | null,
): Promise<{ updateId: string; createdAt: string; signed: boolean }> {
  const body = {
    manifest,
    ...signExpoBody(manifest, signer),
    noUpdateSignature: signExpoBody(EXPO_NO_UPDATE_DIRECTIVE, signer).signature,
  };
  try {
    return await api.call('PUT /v1/apps/:appId/expo/updates/:releaseId', { params: { appId, releaseId }, body });
  } catch (err) {
    if (err instanceof CliError) {
      throw new CliError(
        err.code,
        `release ${releaseId} is published for Updraft devices, but its Expo update failed: ${err.message}`,
        err.details ? { details: err.details } : {},
      );
    }
    throw err;
  }
}

/**
 * `updraft publish DIR --expo`: every platform of an `npx expo export` folder becomes one
 * Updraft release (TUF-signed with the releases key, as any publish) and its Expo update (a
 * manifest signed with the Expo code-signing key). Both keys stay on this machine. The caller
 * prints the outcome (`--build expo` adds the source maps it keeps to it).
 */
export async function publishExpo(
  dir: string,
  opts: ExpoPublishOptions,
  app?: ExpoAppSource,
): Promise<ExpoPublishOutcome> {
  const startedOn = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const appId = assertCliIdentifier(opts.app, '--app');
  const channel = assertCliIdentifier(opts.channel, '--channel');
  const runtimeVersion = assertCliIdentifier(opts.runtimeVersion, '--runtime-version');
  const maxFileBytes = Number(opts.maxFileSize ?? DEFAULT_MAX_FILE_BYTES);
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes <= 0) {
    throw new CliError('usage', '--max-file-size must be a positive number of bytes', { exitCode: 2 });
  }
  const keep = parseKeepReleases(opts.keepReleases);
  const root = resolve(dir);
  const exported = await readExpoExport(root, opts.platform ?? 'all', maxFileBytes);
  const appConfig = findAppConfig(root, app);
  const warnings =
    'searched' in appConfig
      ? [noConfigWarning(appConfig.searched, runtimeVersion)]
      : runtimeVersionWarnings(
          appConfig,
          exported.platforms.map((p) => p.platform),
          runtimeVersion,
        );
  // Before the upload, so a person can stop a publish no device would see.
  if (!opts.json) for (const w of warnings) process.stderr.write(`${colour.yellow(`warning: ${w}`)}\n`);
  const signer = await loadExpoSigner(opts.expoKey, opts.expoKeyId);
  const api = requireServer(opts);
  const base = expoBaseUrl(opts.expoBaseUrl ?? api.server);
  const keysDir = resolve(opts.keys ?? defaultKeysDir(appId));
  await assertKeysFolderFor(keysDir, appId);
  const releasesKey = await readRoleKey(keysDir, 'releases');
  await assertSigningMatches(api, appId, signer);
  const builderKey =
    opts.provenance !== false
      ? await loadOrCreateBuilderKey(resolve(opts.builderKey ?? defaultBuilderKeyPath(keysDir)))
      : null;
  const { deploy, channels } = await deployPlan(opts, channel);

  const releaseFiles = (p: ExportedPlatform) => [p.bundle, ...p.assets.map((a) => a.file)];
  const uploaded = await uploadMissing(api, appId, exported.platforms.flatMap(releaseFiles), !opts.json);
  const epoch = await anchorEpoch(keysDir);
  const out: ExpoPublished[] = [];
  for (const p of exported.platforms) {
    const files = releaseFiles(p);
    const result = await publishSigned(api, {
      appId,
      platform: p.platform,
      runtimeVersion,
      channel,
      channels,
      launch: p.bundle,
      files,
      patches: new Map(),
      releasesKey,
      builderKey,
      sourceDir: root,
      startedOn,
      deploy,
      epoch,
      keep,
    });
    const manifest = expoManifestText({
      appId,
      base,
      runtimeVersion,
      exported: p,
      expoConfig: exported.expoConfig,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
    });
    const update = await registerExpoUpdate(api, appId, result.releaseId, manifest, signer);
    out.push({
      platform: p.platform,
      releaseId: result.releaseId,
      versionCode: result.versionCode,
      updateId: update.updateId,
      createdAt: update.createdAt,
      signed: update.signed,
      droppedReleases: result.droppedReleases,
    });
  }
  return {
    result: { releases: out, bytesUploaded: uploaded, warnings },
    human: () =>
      [
        ...out.map(
          (r) =>
            `${colour.green('published')} Expo update ${colour.bold(r.updateId)} (${r.signed ? 'signed' : colour.yellow('unsigned')}) for ${r.platform} ${runtimeVersion} on ${channel}: release ${r.releaseId}`,
        ),
        ...droppedReleasesLine(
          out.flatMap((r) => r.droppedReleases),
          appId,
          channel,
        ),
        `  ${formatBytes(uploaded)} uploaded; devices ask ${api.server.replace(/\/+$/, '')}/expo/${appId}`,
        `next: updraft release list --app ${appId} --channel ${channel}`,
      ].join('\n'),
  };
}
