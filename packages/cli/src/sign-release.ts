import { ErrorCode } from '@updraft/api';
import { randomBytes } from 'node:crypto';
import {
  assertIdentifier,
  canonicalBytes,
  checkThreshold,
  delegatedSigned,
  type FilePatch,
  type JsonObject,
  MANIFEST_SCHEMA,
  manifestTargetPath,
  parseReleaseCustom,
  parseTargets,
  type ReleaseCustom,
  type ReleaseManifest,
  sha256Hex,
  type SignedEnvelope,
  type TargetEntry,
} from '@updraft/protocol';
import { type ProvenanceRef } from '@updraft/protocol/transparency';
import {
  expiresAfter,
  isoSeconds,
  localSigner,
  publicKeyOf,
  signMetadata,
  type readRoleKey,
  withDefaults,
  type ExpiryPolicy,
} from '@updraft/signing';
import type { AdminApi } from './api-client.js';
import type { LocalFile } from './files.js';
import { CliError } from './output.js';
import { deployBody, type DeployFlags } from './commands/deploy-options.js';

/**
 * Signing a release with the publisher's releases key and publishing it: what `updraft
 * publish` does for every kind of bundle folder (plain, CodePush, Expo).
 */

const MAX_ATTEMPTS = 3;

export interface PublishResult {
  releaseId: string;
  versionCode: number;
  channel: string;
  platform: string;
  runtimeVersion: string;
  createdAt: string;
}

export function assertCliIdentifier(value: string, flag: string): string {
  try {
    return assertIdentifier(value, flag);
  } catch (err) {
    throw new CliError('usage', (err as Error).message, { exitCode: 2 });
  }
}

/**
 * What a publish asks of the channel (rollout, mandatory, targeting, start time, notes,
 * channel creation) and the channels the release may ever be served on: `--allow-channels`,
 * always with `--channel`.
 */
export function deployPlan(
  opts: DeployFlags & { notes?: string; createChannel?: boolean; allowChannels?: string },
  channel: string,
): { deploy: Record<string, unknown>; channels: string[] } {
  const deploy = deployBody(opts);
  if (opts.notes !== undefined) deploy['notes'] = opts.notes;
  if (opts.createChannel) deploy['createChannel'] = true;
  const channels = (opts.allowChannels ?? channel)
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of channels) if (c !== '*') assertCliIdentifier(c, '--allow-channels');
  if (!channels.includes('*') && !channels.includes(channel)) channels.push(channel);
  return { deploy, channels };
}

export interface SignInput {
  appId: string;
  platform: string;
  runtimeVersion: string;
  channel: string;
  channels: string[];
  launch: string;
  files: LocalFile[];
  patches: Map<string, FilePatch[]>;
  releasesKey: Awaited<ReturnType<typeof readRoleKey>>;
  /** Signs and uploads the build provenance; its reference goes into the signed release target. */
  provenance: ((releaseId: string, manifestSha256: string) => Promise<ProvenanceRef>) | null;
  /** Rollout, mandatory, targeting, notes, start time (deploy-options.ts). */
  deploy: Record<string, unknown>;
  /** The release epoch the app's newest root allows. */
  epoch: number;
}

/**
 * The signed releases targets carried into the next releases version, and the versionCode the
 * new release of this platform and runtime version takes (one more than any before it).
 */
export function nextReleaseTargets(
  signedTargets: Record<string, { length: number; hashes: Record<string, string>; custom?: Record<string, unknown> }>,
  platform: string,
  runtimeVersion: string,
): { versionCode: number; targets: Record<string, TargetEntry> } {
  let versionCode = 1;
  const targets: Record<string, TargetEntry> = {};
  for (const [path, t] of Object.entries(signedTargets)) {
    const custom = parseReleaseCustom(t.custom, path);
    if (custom.platform === platform && custom.runtimeVersion === runtimeVersion) {
      versionCode = Math.max(versionCode, custom.versionCode + 1);
    }
    targets[path] = { length: t.length, sha256: t.hashes['sha256']!, custom: t.custom as JsonObject };
  }
  return { versionCode, targets };
}

/**
 * Builds the manifest, adds it as a target to the current releases metadata and signs that
 * with the publisher's releases key. The server's copy is checked against our own key first,
 * so a tampering server cannot make us sign targets we did not publish.
 */
export async function signAndPublish(api: AdminApi, input: SignInput): Promise<PublishResult> {
  const app = encodeURIComponent(input.appId);
  const current = await api.request<SignedEnvelope>('GET', `/v1/apps/${app}/releases-metadata`);
  const parsed = parseTargets(current, 'releases');
  const releasesPublic = publicKeyOf(input.releasesKey);
  try {
    checkThreshold(
      current.signed,
      parsed.signatures,
      { [input.releasesKey.keyid]: releasesPublic },
      { keyids: [input.releasesKey.keyid], threshold: 1 },
      'releases',
    );
  } catch {
    throw new CliError(
      'untrusted-server',
      'the server returned releases metadata that your releases key did not sign; do not publish to this server until you have checked it',
    );
  }

  const { versionCode, targets } = nextReleaseTargets(parsed.signed.targets, input.platform, input.runtimeVersion);

  const releaseId = `r${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const createdAt = isoSeconds(Date.now());
  const manifest: ReleaseManifest = {
    schema: MANIFEST_SCHEMA,
    appId: input.appId,
    releaseId,
    platform: input.platform,
    runtimeVersion: input.runtimeVersion,
    versionCode,
    epoch: input.epoch,
    launch: input.launch,
    createdAt,
    files: input.files.map((f) => {
      const patches = input.patches.get(f.path);
      return {
        path: f.path,
        sha256: f.sha256,
        length: f.length,
        contentType: f.contentType,
        ...(patches ? { patches } : {}),
      };
    }),
  };
  const manifestBytes = canonicalBytes(manifest);
  const manifestSha = sha256Hex(manifestBytes);
  await api.request('PUT', `/v1/apps/${app}/blobs/${manifestSha}`, undefined, manifestBytes);

  const custom: ReleaseCustom = {
    appId: input.appId,
    releaseId,
    platform: input.platform,
    runtimeVersion: input.runtimeVersion,
    versionCode,
    epoch: input.epoch,
    channels: input.channels,
    createdAt,
  };
  const provenance = input.provenance ? await input.provenance(releaseId, manifestSha) : null;
  targets[manifestTargetPath(releaseId)] = {
    length: manifestBytes.length,
    sha256: manifestSha,
    custom: {
      updraft: {
        ...(custom as unknown as JsonObject),
        ...(provenance ? { provenance: provenance as unknown as JsonObject } : {}),
      },
    },
  };
  const releases = await signMetadata(
    delegatedSigned({
      version: parsed.signed.version + 1,
      expires: expiresAfter(
        Date.now(),
        withDefaults(await api.request<Partial<ExpiryPolicy>>('GET', `/v1/apps/${app}/expiry`)).releases,
      ),
      targets,
    }),
    [localSigner(input.releasesKey)],
  );
  return api.request<PublishResult>('POST', `/v1/apps/${app}/releases`, {
    releases,
    releaseId,
    channel: input.channel,
    ...input.deploy,
  });
}

/** signAndPublish, again when another publish changed the releases metadata meanwhile. */
export async function publishWithRetry(api: AdminApi, input: SignInput): Promise<PublishResult> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      return await signAndPublish(api, input);
    } catch (err) {
      lastError = err;
      if (!(err instanceof CliError && err.code === ErrorCode.releasesChanged)) throw err;
    }
  }
  throw lastError;
}
