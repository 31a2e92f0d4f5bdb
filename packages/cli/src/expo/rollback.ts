import { ErrorCode, type expoApi } from '@updraft/api';
import { randomUUID } from 'node:crypto';
import {
  buildExpoManifest,
  expoRollBackToEmbeddedDirective,
  isExpoPlatform,
  parseExpoManifest,
} from '@updraft/protocol';
import type { AdminApi } from '../api-client.js';
import { CliError } from '../output.js';
import { registerExpoUpdate } from './publish-expo.js';
import { assertSigningMatches, signExpoBody, type ExpoSigner } from './signing.js';

/**
 * Rollbacks for expo-updates devices, which only ever move forward in time: rolling back to
 * an earlier update re-signs its manifest with a new id and a newer createdAt (as
 * `eas update:rollback` does); rolling back to the embedded update is a signed
 * rollBackToEmbedded directive whose commitTime is later than the served update.
 */

/** Before the rollback publishes: the earlier release's Expo update (null when it has none), and signing checked. */
export async function prepareExpoCopy(
  api: AdminApi,
  appId: string,
  fromReleaseId: string,
  signer: ExpoSigner | null,
): Promise<expoApi.ExpoUpdate | null> {
  let from: expoApi.ExpoUpdate;
  try {
    from = await api.call('GET /v1/apps/:appId/expo/updates/:releaseId', {
      params: { appId, releaseId: fromReleaseId },
    });
  } catch (err) {
    if (err instanceof CliError && err.code === ErrorCode.expoUpdateNotFound) {
      if (signer) {
        throw new CliError(
          'bad-input',
          `release ${fromReleaseId} has no Expo update, so --expo-key has nothing to sign`,
        );
      }
      return null;
    }
    throw err;
  }
  await assertSigningMatches(api, appId, signer);
  return from;
}

/** After the rollback published `toReleaseId`: the earlier manifest, re-issued with a new id and createdAt. */
export async function attachExpoCopy(
  api: AdminApi,
  appId: string,
  toReleaseId: string,
  from: expoApi.ExpoUpdate,
  signer: ExpoSigner | null,
): Promise<{ updateId: string; createdAt: string; signed: boolean }> {
  const earlier = parseExpoManifest(from.manifest);
  const manifest = buildExpoManifest({ ...earlier, id: randomUUID(), createdAt: new Date().toISOString() });
  return registerExpoUpdate(api, appId, toReleaseId, manifest, signer);
}

export async function rollBackToEmbedded(
  api: AdminApi,
  input: { appId: string; channel: string; platform: string; runtimeVersion: string; signer: ExpoSigner | null },
): Promise<{ commitTime: string; signed: boolean }> {
  if (!isExpoPlatform(input.platform)) {
    throw new CliError('usage', `--platform must be ios or android with --to-embedded, not "${input.platform}"`, {
      exitCode: 2,
    });
  }
  await assertSigningMatches(api, input.appId, input.signer);
  const directive = expoRollBackToEmbeddedDirective(new Date().toISOString());
  const { commitTime } = await api.call('POST /v1/apps/:appId/expo/rollbacks', {
    params: { appId: input.appId },
    body: {
      channel: input.channel,
      platform: input.platform,
      runtimeVersion: input.runtimeVersion,
      directive,
      ...signExpoBody(directive, input.signer),
    },
  });
  return { commitTime, signed: input.signer !== null };
}
