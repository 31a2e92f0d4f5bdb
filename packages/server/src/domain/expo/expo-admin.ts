import type { expoApi } from '@updraft/api';
import {
  expoAssetSha256Hex,
  isExpoKeyId,
  isExpoPlatform,
  isUpdraftError,
  parseExpoManifest,
  parseJsonObject,
  parseManifest,
  type ExpoManifest,
} from '@updraft/protocol';
import { appNotFound, badRequest, conflict, notFound } from '../api-error.js';
import type { BlobStore } from '../../blobs/blobs.js';
import { assertMayChangeChannel, type Actor } from '../access.js';
import { appendAudit } from '../audit-service.js';
import type { Transactional } from '../../persistence/persistence.js';
import type { ExpoUpdate } from '../../persistence/expo/expo-store.js';

/** What the publisher sends for a release: the manifest bytes and its offline signatures. */
export type ExpoUpdateInput = expoApi.RegisterUpdateBody;

export type ExpoRollbackInput = expoApi.RollBackToEmbeddedBody;

export type ExpoUpdateView = expoApi.ExpoUpdate;

const BASE64 = /^[A-Za-z0-9+/]{16,2048}={0,2}$/;

const view = (u: ExpoUpdate): ExpoUpdateView => ({
  releaseId: u.releaseId,
  updateId: u.updateId,
  platform: u.platform,
  runtimeVersion: u.runtimeVersion,
  createdAt: u.createdAt,
  signed: u.signature !== null,
  keyId: u.keyId,
  manifest: u.manifest,
});

function malformed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
    throw err;
  }
}

/** Checks a signature and key id pair: both or neither, base64 and a printable key id. */
function signature(input: { signature: string | null; keyId: string | null }, what: string): void {
  if ((input.signature === null) !== (input.keyId === null)) {
    throw badRequest('invalid-request', `${what}: send signature and keyId together, or neither`);
  }
  if (input.signature !== null && !BASE64.test(input.signature)) {
    throw badRequest('invalid-request', `${what}: the signature must be base64`);
  }
  if (input.keyId !== null && !isExpoKeyId(input.keyId)) {
    throw badRequest('invalid-request', `${what}: keyId must be 1-64 printable ASCII characters`);
  }
}

const unsignedRefused = (appId: string) =>
  conflict(
    'expo-unsigned',
    `app ${appId} publishes signed Expo updates, and apps with updates.codeSigningCertificate reject unsigned ones; pass --expo-key <private key PEM>`,
  );

/** Expo updates and directives: what `updraft publish --expo` and `updraft release rollback` register. */
export class ExpoAdminService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'expo'>;
      blobs: BlobStore;
      now: () => number;
    },
  ) {}

  /** Whether the app's Expo updates are signed, and under which key ids (newest first). */
  async status(appId: string): Promise<{ signed: boolean; keyIds: string[] }> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const keys = await store.expo.listSigningKeys(appId);
    return { signed: keys.length > 0, keyIds: keys.map((k) => k.keyId) };
  }

  async getUpdate(appId: string, releaseId: string): Promise<ExpoUpdateView> {
    const u = await this.deps.store.expo.getUpdate(appId, releaseId);
    if (!u) throw notFound('expo-update-not-found', `release ${releaseId} of ${appId} has no Expo update`);
    return view(u);
  }

  /**
   * Stores the Expo update of a published release: the manifest must be for the release's
   * runtime version and name only files of the release (so every asset URL the server
   * answers is a blob of this app), and is kept byte for byte with its signature.
   */
  async registerUpdate(
    actor: Actor,
    appId: string,
    releaseId: string,
    input: ExpoUpdateInput,
  ): Promise<ExpoUpdateView> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const release = await store.releases.getRelease(appId, releaseId);
    if (!release) throw notFound('release-not-found', `app ${appId} has no release "${releaseId}"`);
    signature(input, 'the manifest');
    if (input.signature !== null && input.noUpdateSignature === null) {
      throw badRequest('invalid-request', 'a signed manifest comes with noUpdateSignature, signed by the same key');
    }
    if (input.noUpdateSignature !== null)
      signature({ signature: input.noUpdateSignature, keyId: input.keyId }, 'noUpdateSignature');
    const existing = await store.expo.getUpdate(appId, releaseId);
    if (existing) {
      if (existing.manifest === input.manifest && existing.signature === input.signature) return view(existing);
      throw conflict('expo-update-exists', `release ${releaseId} already has a different Expo update`);
    }
    const manifest = malformed(() => parseExpoManifest(input.manifest));
    if (!isExpoPlatform(release.platform)) {
      throw badRequest(
        'invalid-request',
        `release ${releaseId} is for ${release.platform}; Expo updates are for ios or android`,
      );
    }
    if (manifest.runtimeVersion !== release.runtimeVersion) {
      throw badRequest(
        'invalid-request',
        `the manifest's runtimeVersion "${manifest.runtimeVersion}" is not release ${releaseId}'s (${release.runtimeVersion})`,
      );
    }
    await this.assertAssetsOfRelease(manifest, release.manifestSha256, releaseId);
    const keys = await store.expo.listSigningKeys(appId);
    if (input.signature === null && keys.length > 0) throw unsignedRefused(appId);
    for (const p of (await store.rollout.listPointers(appId)).filter((x) => x.releaseId === releaseId)) {
      assertMayChangeChannel(actor, appId, await store.rollout.getChannel(appId, p.channel));
    }
    const nowMs = this.deps.now();
    const u: ExpoUpdate = {
      appId,
      releaseId,
      updateId: manifest.id,
      platform: release.platform,
      runtimeVersion: release.runtimeVersion,
      createdAt: manifest.createdAt,
      manifest: input.manifest,
      signature: input.signature,
      keyId: input.keyId,
    };
    await store.transaction(async (tx) => {
      if (!(await tx.expo.insertUpdate(u))) {
        throw conflict('expo-update-exists', `update id ${u.updateId} is already used by another release of ${appId}`);
      }
      if (input.keyId !== null && input.noUpdateSignature !== null) {
        await tx.expo.putSigningKey({
          appId,
          keyId: input.keyId,
          noUpdateSignature: input.noUpdateSignature,
          updatedAt: new Date(nowMs).toISOString(),
        });
      }
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'expo.update',
          target: `release:${releaseId}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          details: { updateId: u.updateId, createdAt: u.createdAt, signed: u.signature !== null, keyId: u.keyId },
        },
        nowMs,
      );
    });
    return view(u);
  }

  /** Stores a rollBackToEmbedded directive the publisher signed for a channel, platform and runtime version. */
  async rollBackToEmbedded(actor: Actor, appId: string, input: ExpoRollbackInput): Promise<{ commitTime: string }> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    signature(input, 'the directive');
    const commitTime = malformed(() => rollbackCommitTime(input.directive));
    const channel = await store.rollout.getChannel(appId, input.channel);
    if (!channel) throw notFound('channel-not-found', `app ${appId} has no channel "${input.channel}"`);
    assertMayChangeChannel(actor, appId, channel);
    if (input.signature === null && (await store.expo.listSigningKeys(appId)).length > 0) {
      throw unsignedRefused(appId);
    }
    const pointer = (await store.rollout.listPointers(appId)).find(
      (p) => p.channel === input.channel && p.platform === input.platform && p.runtimeVersion === input.runtimeVersion,
    );
    const served = pointer ? await store.expo.getUpdate(appId, pointer.releaseId) : null;
    if (served && Date.parse(commitTime) <= Date.parse(served.createdAt)) {
      throw conflict(
        'expo-rollback-too-old',
        `the directive's commitTime ${commitTime} is not later than the served update's createdAt ${served.createdAt}; devices would ignore it`,
      );
    }
    const nowMs = this.deps.now();
    await store.transaction(async (tx) => {
      await tx.expo.putRollback({ appId, ...input, commitTime });
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'expo.rollback-to-embedded',
          target: `channel:${input.channel}`,
          details: {
            platform: input.platform,
            runtimeVersion: input.runtimeVersion,
            commitTime,
            signed: input.signature !== null,
          },
        },
        nowMs,
      );
    });
    return { commitTime };
  }

  private async assertAssetsOfRelease(manifest: ExpoManifest, manifestSha256: string, releaseId: string) {
    const bytes = await this.deps.blobs.get(manifestSha256);
    if (!bytes) throw new Error(`release manifest ${manifestSha256} is missing from the blob store`);
    const files = new Set(parseManifest(parseJsonObject(bytes, 'release manifest')).files.map((f) => f.sha256));
    for (const a of [manifest.launchAsset, ...manifest.assets]) {
      const sha = expoAssetSha256Hex(a.hash)!;
      if (!files.has(sha)) {
        throw badRequest(
          'invalid-request',
          `the manifest's asset ${a.key} (${a.hash}) is not a file of release ${releaseId}`,
        );
      }
    }
  }
}

/** The commitTime of a rollBackToEmbedded directive body, checked for shape. */
function rollbackCommitTime(directive: string): string {
  let value: unknown;
  try {
    value = JSON.parse(directive);
  } catch {
    throw badRequest('invalid-request', 'the directive is not JSON');
  }
  const o = value as { type?: unknown; parameters?: { commitTime?: unknown } } | null;
  const commitTime = o?.parameters?.commitTime;
  if (o?.type !== 'rollBackToEmbedded' || typeof commitTime !== 'string' || Number.isNaN(Date.parse(commitTime))) {
    throw badRequest(
      'invalid-request',
      'the directive must be {"type":"rollBackToEmbedded","parameters":{"commitTime":"<ISO time>"}}',
    );
  }
  return commitTime;
}
