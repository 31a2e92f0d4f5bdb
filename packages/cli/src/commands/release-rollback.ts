import { ErrorCode } from '@updraft/api';
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  canonicalBytes,
  checkThreshold,
  consistentTargetPath,
  delegatedSigned,
  EXPO_DEFAULT_KEY_ID,
  type JsonObject,
  manifestTargetPath,
  parseJsonObject,
  parseManifest,
  parseReleaseCustom,
  parseTargets,
  type ReleaseCustom,
  type ReleaseManifest,
  repositoryBaseUrl,
  sha256Hex,
  type SignedEnvelope,
} from '@updraft/protocol';
import {
  defaultKeysDir,
  expiresAfter,
  type ExpiryPolicy,
  isoSeconds,
  type KeyFile,
  localSigner,
  nextReleaseTargets,
  publicKeyOf,
  readRoleKey,
  signMetadata,
  withDefaults,
} from '@updraft/signing';
import { requireServer, type AdminApi } from '../api-client.js';
import { CliError, colour, emit } from '../output.js';
import { run, type GlobalOptions } from '../run.js';
import { anchorEpoch } from '../trust/epoch.js';
import { retryingFetch } from '@updraft/client/node';
import { copyCodePush } from '../codepush-package.js';
import { assertKeysFolderFor } from '../trust/app-context.js';
import { attachExpoCopy, prepareExpoCopy, rollBackToEmbedded } from '../expo/rollback.js';
import { loadExpoSigner } from '../expo/signing.js';

/**
 * `updraft release rollback <releaseId>`: a rollback is a step forward. It signs a NEW release
 * (next versionCode) whose manifest lists the earlier release's files, so devices that already
 * run something newer install it (their floor only lets versionCode go up), and nothing is
 * uploaded again: the server already holds every file by hash.
 */

interface RollbackOptions extends GlobalOptions {
  app: string;
  channel: string;
  keys?: string;
  toEmbedded?: boolean;
  platform?: string;
  runtimeVersion?: string;
  expoKey?: string;
  expoKeyId?: string;
}

interface Published {
  releaseId: string;
  versionCode: number;
  channel: string;
  platform: string;
  runtimeVersion: string;
  createdAt: string;
}

const MAX_ATTEMPTS = 3;

export function registerReleaseRollback(program: Command): void {
  const release = program.commands.find((c) => c.name() === 'release') ?? program.command('release');
  release
    .command('rollback [releaseId]')
    .description(
      "publish a new versionCode that runs an earlier release's files (no re-upload); --to-embedded: Expo devices go back to the update inside their binary",
    )
    .requiredOption('--app <appId>', 'the app')
    .requiredOption('--channel <name>', 'the channel to point at the new release')
    .option('--keys <dir>', 'folder with the offline keys (default ./updraft-keys/<appId>)')
    .option(
      '--to-embedded',
      'Expo: serve a signed rollBackToEmbedded directive (with --platform and --runtime-version)',
    )
    .option('--platform <platform>', 'Expo --to-embedded: ios | android')
    .option('--runtime-version <rv>', 'Expo --to-embedded: the runtime version')
    .option('--expo-key <file>', 'Expo: sign the re-issued manifest or the directive with this RSA private key (PEM)')
    .option('--expo-key-id <id>', `Expo: the keyid of updates.codeSigningMetadata (default ${EXPO_DEFAULT_KEY_ID})`)
    .action(
      run<[string | undefined], RollbackOptions>(async (releaseId, opts) => {
        const api = requireServer(opts);
        const signer = await loadExpoSigner(opts.expoKey, opts.expoKeyId);
        if (opts.toEmbedded) {
          if (releaseId !== undefined || !opts.platform || !opts.runtimeVersion) {
            throw new CliError(
              'usage',
              'release rollback --to-embedded takes no release id, and needs --platform ios|android and --runtime-version',
              { exitCode: 2 },
            );
          }
          const r = await rollBackToEmbedded(api, {
            appId: opts.app,
            channel: opts.channel,
            platform: opts.platform,
            runtimeVersion: opts.runtimeVersion,
            signer,
          });
          const result = { channel: opts.channel, platform: opts.platform, runtimeVersion: opts.runtimeVersion, ...r };
          emit(opts, { rolledBackToEmbedded: result }, () =>
            [
              `${colour.green('rolled back')} Expo devices on ${opts.channel}/${opts.platform} ${opts.runtimeVersion} to their embedded update (${r.signed ? 'signed' : colour.yellow('unsigned')} directive, commitTime ${r.commitTime})`,
              'a newer publish to this channel supersedes it',
            ].join('\n'),
          );
          return;
        }
        if (releaseId === undefined) {
          throw new CliError('usage', 'name the release to roll back to, or pass --to-embedded', { exitCode: 2 });
        }
        const expoFrom = await prepareExpoCopy(api, opts.app, releaseId, signer);
        const keysDir = resolve(opts.keys ?? defaultKeysDir(opts.app));
        await assertKeysFolderFor(keysDir, opts.app);
        const releasesKey = await readRoleKey(keysDir, 'releases');
        const epoch = await anchorEpoch(keysDir);
        let lastError: unknown;
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          try {
            const result = await rollback(api, opts.app, opts.channel, releaseId, releasesKey, epoch);
            const codepush = await copyCodePush(
              api,
              opts.app,
              releaseId,
              result.releaseId,
              opts.channel,
              result.platform,
            );
            const expo = expoFrom ? await attachExpoCopy(api, opts.app, result.releaseId, expoFrom, signer) : null;
            emit(
              opts,
              { ...result, rolledBackTo: releaseId, ...(codepush ? { codepush } : {}), ...(expo ? { expo } : {}) },
              () =>
                [
                  `${colour.green('rolled back')} ${opts.channel} to the files of ${releaseId}: new release ${colour.bold(result.releaseId)} (versionCode ${result.versionCode})`,
                  `next: updraft release list --app ${opts.app} --channel ${opts.channel}`,
                ].join('\n'),
            );
            return;
          } catch (err) {
            lastError = err;
            if (!(err instanceof CliError && err.code === ErrorCode.releasesChanged)) throw err;
          }
        }
        throw lastError;
      }),
    );
}

/** The server's releases metadata, accepted only if the publisher's own releases key signed it. */
async function currentReleases(api: AdminApi, appId: string, key: KeyFile) {
  const current = await api.request<SignedEnvelope>('GET', `/v1/apps/${encodeURIComponent(appId)}/releases-metadata`);
  const parsed = parseTargets(current, 'releases');
  try {
    checkThreshold(
      current.signed,
      parsed.signatures,
      { [key.keyid]: publicKeyOf(key) },
      { keyids: [key.keyid], threshold: 1 },
      'releases',
    );
  } catch {
    throw new CliError(
      'untrusted-server',
      'the server returned releases metadata that your releases key did not sign; do not publish to this server until you have checked it',
    );
  }
  return parsed.signed;
}

/** The earlier release's manifest, fetched from the repository and checked against its signed hash. */
async function earlierManifest(
  server: string,
  appId: string,
  releaseId: string,
  sha256: string,
  length: number,
): Promise<ReleaseManifest> {
  const url = `${repositoryBaseUrl(server.replace(/\/+$/, ''), appId)}/targets/${consistentTargetPath(manifestTargetPath(releaseId), sha256)}`;
  let bytes: Uint8Array;
  try {
    const res = await retryingFetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new CliError(
      'server-error',
      `cannot download the manifest of ${releaseId} from ${url} (${(err as Error).message})`,
    );
  }
  if (bytes.length !== length || sha256Hex(bytes) !== sha256) {
    throw new CliError(
      'untrusted-server',
      `the manifest of ${releaseId} the server sent does not match its signed hash; do not publish to this server until you have checked it`,
    );
  }
  return parseManifest(parseJsonObject(bytes, 'release manifest'));
}

async function rollback(
  api: AdminApi,
  appId: string,
  channel: string,
  fromId: string,
  key: KeyFile,
  epoch: number,
): Promise<Published> {
  const app = encodeURIComponent(appId);
  const releases = await currentReleases(api, appId, key);
  const from = releases.targets[manifestTargetPath(fromId)];
  if (!from)
    throw new CliError(
      'not-found',
      `release ${fromId} is not in ${appId}'s signed releases; see updraft release list --app ${appId}`,
    );
  const fromCustom = parseReleaseCustom(from.custom, fromId);
  const old = await earlierManifest(api.server, appId, fromId, from.hashes['sha256']!, from.length);

  const { versionCode, targets } = nextReleaseTargets(releases.targets, fromCustom.platform, fromCustom.runtimeVersion);
  const releaseId = `r${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const createdAt = isoSeconds(Date.now());
  const manifest: ReleaseManifest = { ...old, releaseId, versionCode, epoch, createdAt };
  const manifestBytes = canonicalBytes(manifest);
  const manifestSha = sha256Hex(manifestBytes);
  await api.request('PUT', `/v1/apps/${app}/blobs/${manifestSha}`, undefined, manifestBytes);

  const custom: ReleaseCustom = {
    appId,
    releaseId,
    platform: old.platform,
    runtimeVersion: old.runtimeVersion,
    versionCode,
    epoch,
    channels: [channel],
    createdAt,
  };
  targets[manifestTargetPath(releaseId)] = {
    length: manifestBytes.length,
    sha256: manifestSha,
    custom: { updraft: custom as unknown as JsonObject },
  };
  const policy = withDefaults(await api.request<Partial<ExpiryPolicy>>('GET', `/v1/apps/${app}/expiry`));
  const signed = await signMetadata(
    delegatedSigned({ version: releases.version + 1, expires: expiresAfter(Date.now(), policy.releases), targets }),
    [localSigner(key)],
  );
  return api.request<Published>('POST', `/v1/apps/${app}/releases`, { releases: signed, releaseId, channel });
}
