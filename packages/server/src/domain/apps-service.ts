import type { appsApi } from '@updraft/api';
import { OFFLINE_ROLES, ROOT_ROLE, type SignedEnvelope, type TufKey } from '@updraft/protocol';
import { appNotFound, conflict } from './api-error.js';
import { ONLINE_ROLES, type OnlineRole, StoreConflictError, type Transactional } from '../persistence/persistence.js';
import { generateKeyFile, publicKeyOf, type KeyFile } from '@updraft/signing';
import type { Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { signDirector, signSnapshotAndTimestamp, storeEnvelope } from './online-signing.js';
import { checkTrust, type TrustInput } from './trust-check.js';
import { ensureLogKey } from './transparency-log-service.js';

export type CreatedApp = appsApi.CreatedApp & {
  /** False when the app existed (trust not yet set) and its keys were returned again. */
  created: boolean;
};
export type AppSummary = appsApi.AppSummary;
export type AppDetails = appsApi.AppDetails;

function publicKeys(keys: Record<OnlineRole, KeyFile>): Record<OnlineRole, TufKey> {
  return {
    snapshot: publicKeyOf(keys.snapshot),
    timestamp: publicKeyOf(keys.timestamp),
    director: publicKeyOf(keys.director),
  };
}

/** The channels a new app has (CodePush's two deployments); others are created on purpose. */
export const DEFAULT_CHANNELS = ['production', 'staging'] as const;

/** Creating apps and accepting their root of trust. */
export class AppsService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog'>;
      now: () => number;
    },
  ) {}

  /**
   * Generates the app's online keys. Repeatable until the trust is set, so a publisher whose
   * first attempt failed half-way gets the same keys (which its root may already name).
   */
  async createApp(actor: Actor, appId: string): Promise<CreatedApp> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const keys = Object.fromEntries(ONLINE_ROLES.map((r) => [r, generateKeyFile('ed25519')])) as Record<
      OnlineRole,
      KeyFile
    >;
    const at = new Date(nowMs).toISOString();
    const created = await store.transaction(async (tx) => {
      if (!(await tx.trust.createApp({ appId, createdAt: at, onlineKeys: keys }))) return false;
      await tx.access.setAppOrg(appId, actor.orgId);
      // Publishing never creates a channel by accident (channels-service.ts): every app starts with these two.
      for (const channel of DEFAULT_CHANNELS) await tx.rollout.createChannel(appId, channel, false, at);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'app.create',
          target: `app:${appId}`,
          signingKeyIds: ONLINE_ROLES.map((r) => keys[r].keyid),
          details: {
            onlineKeyIds: Object.fromEntries(ONLINE_ROLES.map((r) => [r, keys[r].keyid])),
            channels: DEFAULT_CHANNELS,
          },
        },
        nowMs,
      );
      return true;
    });
    const logKey = await ensureLogKey(store, appId, this.deps.now());
    const log = { origin: logKey.origin, key: logKey.verifierKey };
    if (created) return { created: true, appId, onlineKeys: publicKeys(keys), log };
    const app = await store.trust.getApp(appId);
    const existing = await store.trust.getOnlineKeys(appId);
    if (!app || !existing) throw new Error(`app ${appId} exists without its online keys`);
    // Another organization's app: the same answer as an app with trust, revealing nothing more.
    if (app.trustInitializedAt || (await store.access.getAppOrg(appId)) !== actor.orgId) {
      throw conflict('app-exists', `app "${appId}" already exists and has its root of trust; choose another appId`);
    }
    return { created: false, appId, onlineKeys: publicKeys(existing), log };
  }

  /** The apps of one organization. */
  async listApps(orgId: string): Promise<AppSummary[]> {
    const mine = new Set(await this.deps.store.access.listAppIds(orgId));
    return (await this.deps.store.trust.listApps())
      .filter((a) => mine.has(a.appId))
      .map((a) => ({ appId: a.appId, createdAt: a.createdAt }));
  }

  async getApp(appId: string): Promise<AppDetails> {
    const { store } = this.deps;
    const app = await store.trust.getApp(appId);
    if (!app) throw appNotFound(appId);
    const root = await store.trust.getLatestMetadata(appId, ROOT_ROLE);
    const pointers = await store.rollout.listPointers(appId);
    const channels = (await store.rollout.listChannels(appId)).map((c) => ({
      name: c.name,
      protected: c.protected,
      createdAt: c.createdAt,
      pointers: pointers
        .filter((p) => p.channel === c.name)
        .map((p) => ({
          platform: p.platform,
          runtimeVersion: p.runtimeVersion,
          releaseId: p.releaseId,
          basisPoints: p.basisPoints,
        })),
    }));
    return {
      appId,
      createdAt: app.createdAt,
      rootVersion: root?.version ?? null,
      trustInitialized: app.trustInitializedAt !== null,
      channels,
    };
  }

  /**
   * Stores the publisher's root, targets and releases v1 and signs the first director,
   * snapshot and timestamp, all in one transaction: an app is either fully servable or
   * untouched.
   */
  async acceptTrust(actor: Actor, appId: string, input: TrustInput): Promise<{ appId: string; rootVersion: number }> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const app = await store.trust.getApp(appId);
    if (!app) throw appNotFound(appId);
    const keys = await store.trust.getOnlineKeys(appId);
    if (!keys) throw new Error(`app ${appId} has no online keys`);
    const trustExists = () =>
      conflict(
        'trust-exists',
        `app "${appId}" already has its root of trust; rotate keys with a new root version instead`,
      );
    if (app.trustInitializedAt) throw trustExists();
    checkTrust(input, keys, nowMs);

    try {
      await store.transaction(async (tx) => {
        if ((await tx.trust.getApp(appId))?.trustInitializedAt) throw trustExists();
        // JSON.stringify of the parsed body: the signatures cover canonical(signed), which
        // re-serialising does not change, and these exact bytes are what snapshot hashes.
        for (const role of OFFLINE_ROLES) {
          await storeEnvelope(tx, appId, role, input[role] as SignedEnvelope, nowMs);
        }
        await signDirector(tx, appId, keys, nowMs);
        await signSnapshotAndTimestamp(tx, appId, keys, nowMs);
        await tx.trust.markTrustInitialized(appId, new Date(nowMs).toISOString());
        const offlineKeyIds = OFFLINE_ROLES.flatMap((role) =>
          (input[role] as SignedEnvelope).signatures.map((s) => s.keyid),
        );
        await appendAudit(
          tx,
          actor,
          {
            appId,
            action: 'app.trust',
            target: `app:${appId}`,
            signingKeyIds: [...offlineKeyIds, keys.director.keyid, keys.snapshot.keyid, keys.timestamp.keyid],
            details: { rootVersion: 1 },
          },
          nowMs,
        );
      });
    } catch (err) {
      // Another acceptTrust stored the first versions first (not a deadlock, which leaves the app as it was).
      if (err instanceof StoreConflictError && (await store.trust.getApp(appId))?.trustInitializedAt) {
        throw trustExists();
      }
      throw err;
    }
    return { appId, rootVersion: 1 };
  }
}
