import { ErrorCode, type codepushApi } from '@updraft/api';
import { createSign, type KeyObject } from 'node:crypto';
import { codePushPackageHash, codePushSignatureClaims } from '@updraft/protocol';
import type { AdminApi } from './api-client.js';
import { CliError } from './output.js';
import { readRsaPrivateKey } from './rsa-key.js';

/**
 * The publisher's side of CodePush compatibility: the package hash over the release's files
 * (exactly as the device computes it) and the `.codepushrelease` RS256 JWT signed here,
 * offline, with the app's CodePush private key. The server never sees the key.
 */

export interface CodePushResult {
  label: string | null;
  packageHash: string;
  signed: boolean;
}

/** What the publisher registers for a release: the package hash, its signature, the binary version it targets. */
export type PreparedCodePush = codepushApi.RegisterPackageBody;

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** A compact RS256 JWT, as the CodePush CLI's `jsonwebtoken` makes it (with `iat`). */
export function signCodePushRelease(packageHash: string, key: KeyObject, nowMs = Date.now()): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ ...codePushSignatureClaims(packageHash), iat: Math.floor(nowMs / 1000) }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

export function readCodePushKey(path: string): Promise<KeyObject> {
  return readRsaPrivateKey(
    path,
    '--codepush-key',
    'the RSA private key whose public half your binaries hold as CodePushPublicKey',
  );
}

/** The publish flags, as prepareCodePush takes them. */
export function codePushFlags(opts: { codepushKey?: string; targetAppVersion?: string }): {
  keyPath?: string;
  targetAppVersion?: string;
} {
  return {
    ...(opts.codepushKey !== undefined ? { keyPath: opts.codepushKey } : {}),
    ...(opts.targetAppVersion !== undefined ? { targetAppVersion: opts.targetAppVersion } : {}),
  };
}

/**
 * Before publishing: is there a CodePush deployment for this channel and platform, and may
 * this package go there (signed where earlier ones were)? Null when there is none and no
 * CodePush flag was given. Refuses before anything is published.
 */
export async function prepareCodePush(
  api: AdminApi,
  input: {
    appId: string;
    channel: string;
    platform: string;
    files: readonly { path: string; sha256: string }[];
    keyPath?: string;
    targetAppVersion?: string;
  },
): Promise<PreparedCodePush | null> {
  const { deployments } = await api.call('GET /v1/apps/:appId/codepush/deployments', {
    params: { appId: input.appId },
  });
  const here = deployments.filter((d) => d.channel === input.channel && d.platform === input.platform);
  if (here.length === 0) {
    if (input.keyPath === undefined) return null;
    throw new CliError(
      'no-codepush-deployment',
      `--codepush-key needs a CodePush deployment for ${input.channel}/${input.platform}; add one with: updraft codepush deployment add <name> --app ${input.appId} --channel ${input.channel} --platform ${input.platform}`,
    );
  }
  if (input.keyPath === undefined && here.some((d) => d.signed)) {
    throw new CliError(
      'codepush-unsigned',
      `earlier CodePush packages on ${input.channel}/${input.platform} were signed, and binaries that embed a CodePushPublicKey reject unsigned ones; pass --codepush-key <private key PEM>`,
    );
  }
  const packageHash = codePushPackageHash(input.files);
  const signature = input.keyPath ? signCodePushRelease(packageHash, await readCodePushKey(input.keyPath)) : null;
  return { packageHash, signature, targetAppVersion: input.targetAppVersion ?? null };
}

/** After publishing: the server zips the release as a CodePush package and labels it. */
export async function attachCodePush(
  api: AdminApi,
  appId: string,
  releaseId: string,
  channel: string,
  platform: string,
  prepared: PreparedCodePush,
): Promise<CodePushResult> {
  let view: codepushApi.CodePushPackage;
  try {
    view = await api.call('PUT /v1/apps/:appId/codepush/packages/:releaseId', {
      params: { appId, releaseId },
      body: prepared,
    });
  } catch (err) {
    if (err instanceof CliError) {
      throw new CliError(
        err.code,
        `release ${releaseId} is published for Updraft devices, but its CodePush package failed: ${err.message}`,
        err.details ? { details: err.details } : {},
      );
    }
    throw err;
  }
  const label = view.labels.find((l) => l.channel === channel && l.platform === platform)?.label ?? null;
  return { label, packageHash: view.packageHash, signed: view.signed };
}

/**
 * A rollback serves an earlier release's files as a new release: its CodePush package is the
 * earlier one's (same hash, so the publisher's signature still holds) under a new label.
 */
export async function copyCodePush(
  api: AdminApi,
  appId: string,
  fromReleaseId: string,
  toReleaseId: string,
  channel: string,
  platform: string,
): Promise<CodePushResult | null> {
  let from: codepushApi.CodePushPackage;
  try {
    from = await api.call('GET /v1/apps/:appId/codepush/packages/:releaseId', {
      params: { appId, releaseId: fromReleaseId },
    });
  } catch (err) {
    if (err instanceof CliError && err.code === ErrorCode.codepushPackageNotFound) return null;
    throw err;
  }
  return attachCodePush(api, appId, toReleaseId, channel, platform, {
    packageHash: from.packageHash,
    signature: from.signature,
    targetAppVersion: from.targetAppVersion,
  });
}
