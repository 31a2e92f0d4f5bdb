import {
  DIRECTOR_ROLE,
  RELEASES_ROLE,
  roleFileName,
  TARGETS_ROLE,
  delegatedSigned,
  pointerTargetPath,
  serializeEnvelope,
  snapshotSigned,
  timestampSigned,
  type JsonObject,
  type MetaEntry,
  type SignedEnvelope,
  type TargetEntry,
  SNAPSHOT_ROLE,
  TIMESTAMP_ROLE,
} from '@updraft/protocol';
import { logMetadataVersion } from './transparency-log-service.js';
import { withResignRetry } from './resign-retry.js';
import type { MetadataRole, OnlineRole, Ports, StoredMetadata, Transactional } from '../persistence/persistence.js';
import {
  expiresAfter,
  localSigner,
  withDefaults,
  metaEntryFor,
  signMetadata,
  type KeyFile,
  type ExpiryPolicy,
} from '@updraft/signing';

/**
 * The roles the server signs with its online keys: director (channel pointers), snapshot and
 * timestamp. Every function takes a transaction-bound store so a new director, snapshot and
 * timestamp are stored together with the change that caused them.
 */

export type OnlineKeys = Record<OnlineRole, KeyFile>;

/** Serialises, hashes and stores one signed version. The stored bytes are what snapshot/timestamp hash. */
export async function storeEnvelope(
  tx: Ports<'trust' | 'transparencyLog'>,
  appId: string,
  role: MetadataRole,
  envelope: SignedEnvelope,
  nowMs: number,
): Promise<StoredMetadata> {
  const bytes = serializeEnvelope(envelope);
  const version = envelope.signed['version'] as number;
  const meta = metaEntryFor(bytes, version);
  const stored: StoredMetadata = {
    appId,
    role,
    version,
    bytes,
    sha256: meta.sha256,
    length: meta.length,
    expiresAt: String(envelope.signed['expires']),
    createdAt: new Date(nowMs).toISOString(),
  };
  await tx.trust.putMetadata(stored);
  await logMetadataVersion(tx, stored, nowMs);
  return stored;
}

/** The app's lifetimes: what it set, defaults for the rest. */
export async function expiryPolicyOf(tx: Ports<'trust'>, appId: string): Promise<ExpiryPolicy> {
  return withDefaults(await tx.trust.getExpiryPolicy(appId));
}

async function nextVersion(tx: Ports<'trust'>, appId: string, role: MetadataRole): Promise<number> {
  return ((await tx.trust.getLatestMetadata(appId, role))?.version ?? 0) + 1;
}

/**
 * One director target per pointer (docs/protocol.md §3.3): the manifest's length and hash,
 * and where it points. A halted rollout is signed as 0 basis points (everyone outside, so
 * devices get `previous`); the intended percentage stays stored for resume.
 */
async function directorTargets(tx: Ports<'releases' | 'rollout'>, appId: string): Promise<Record<string, TargetEntry>> {
  const targets: Record<string, TargetEntry> = {};
  for (const p of await tx.rollout.listPointers(appId)) {
    const release = await tx.releases.getRelease(appId, p.releaseId);
    if (!release)
      throw new Error(`pointer ${p.channel}/${p.platform}/${p.runtimeVersion} names missing release ${p.releaseId}`);
    const previous = p.previousReleaseId ? await tx.releases.getRelease(appId, p.previousReleaseId) : null;
    const previousRef: JsonObject | null = previous
      ? {
          releaseId: previous.releaseId,
          versionCode: previous.versionCode,
          length: previous.manifestLength,
          sha256: previous.manifestSha256,
        }
      : null;
    if (previousRef && p.previousTargeting) previousRef['targeting'] = p.previousTargeting as JsonObject;
    const updraft: JsonObject = {
      channel: p.channel,
      platform: p.platform,
      runtimeVersion: p.runtimeVersion,
      releaseId: release.releaseId,
      versionCode: release.versionCode,
      mandatory: p.mandatory,
      rollout: { basisPoints: p.haltedAt ? 0 : p.basisPoints, salt: p.salt },
      previous: previousRef,
    };
    if (p.targeting) updraft['targeting'] = p.targeting as JsonObject;
    targets[pointerTargetPath(p.channel, p.platform, p.runtimeVersion)] = {
      length: release.manifestLength,
      sha256: release.manifestSha256,
      custom: { updraft },
    };
  }
  return targets;
}

/** Signs the next director version from the current pointers. */
export async function signDirector(
  tx: Ports<'trust' | 'releases' | 'rollout' | 'transparencyLog'>,
  appId: string,
  keys: OnlineKeys,
  nowMs: number,
): Promise<StoredMetadata> {
  const signed = delegatedSigned({
    version: await nextVersion(tx, appId, DIRECTOR_ROLE),
    expires: expiresAfter(nowMs, (await expiryPolicyOf(tx, appId)).director),
    targets: await directorTargets(tx, appId),
  });
  return storeEnvelope(tx, appId, DIRECTOR_ROLE, await signMetadata(signed, [localSigner(keys.director)]), nowMs);
}

async function latestMeta(tx: Ports<'trust'>, appId: string, role: MetadataRole): Promise<MetaEntry> {
  const m = await tx.trust.getLatestMetadata(appId, role);
  if (!m) throw new Error(`${appId} has no ${role} metadata to list in snapshot`);
  return { version: m.version, length: m.length, sha256: m.sha256 };
}

/** Signs the next snapshot (latest targets, releases, director) and the timestamp naming it. */
export async function signSnapshotAndTimestamp(
  tx: Ports<'trust' | 'transparencyLog'>,
  appId: string,
  keys: OnlineKeys,
  nowMs: number,
): Promise<void> {
  const snapshot = snapshotSigned({
    version: await nextVersion(tx, appId, SNAPSHOT_ROLE),
    expires: expiresAfter(nowMs, (await expiryPolicyOf(tx, appId)).snapshot),
    meta: {
      [roleFileName(TARGETS_ROLE)]: await latestMeta(tx, appId, TARGETS_ROLE),
      [roleFileName(RELEASES_ROLE)]: await latestMeta(tx, appId, RELEASES_ROLE),
      [roleFileName(DIRECTOR_ROLE)]: await latestMeta(tx, appId, DIRECTOR_ROLE),
    },
  });
  const storedSnapshot = await storeEnvelope(
    tx,
    appId,
    SNAPSHOT_ROLE,
    await signMetadata(snapshot, [localSigner(keys.snapshot)]),
    nowMs,
  );
  await signTimestamp(tx, appId, keys, nowMs, storedSnapshot);
}

async function signTimestamp(
  tx: Ports<'trust' | 'transparencyLog'>,
  appId: string,
  keys: OnlineKeys,
  nowMs: number,
  snapshot: StoredMetadata,
): Promise<void> {
  const timestamp = timestampSigned({
    version: await nextVersion(tx, appId, TIMESTAMP_ROLE),
    expires: expiresAfter(nowMs, (await expiryPolicyOf(tx, appId)).timestamp),
    snapshot: { version: snapshot.version, length: snapshot.length, sha256: snapshot.sha256 },
  });
  await storeEnvelope(tx, appId, TIMESTAMP_ROLE, await signMetadata(timestamp, [localSigner(keys.timestamp)]), nowMs);
}

/** Re-sign a role once less than this share of its lifetime is left, so devices never see it expire. */
const RESIGN_WHEN_REMAINING = 0.5;

function isDue(m: StoredMetadata | null, lifetimeSeconds: number, nowMs: number): boolean {
  if (!m) return false;
  return Date.parse(m.expiresAt) - nowMs < lifetimeSeconds * 1000 * RESIGN_WHEN_REMAINING;
}

/** Runs in the re-signing transaction with the roles it signed (only when it signed some): the audit entry. */
export type OnResigned = (tx: Ports<'trust' | 'access'>, roles: OnlineRole[]) => Promise<void>;

/**
 * Re-signs director, snapshot and timestamp that are close to expiry (and whatever must
 * follow: a new director needs a new snapshot, a new snapshot a new timestamp). Returns the
 * roles it signed. Meant for the scheduled job; safe to call at any time.
 */
export async function resignExpiring(
  store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog'>,
  appId: string,
  nowMs: number,
  onResigned?: OnResigned,
): Promise<OnlineRole[]> {
  return withResignRetry(store, appId, async (tx) => {
    const app = await tx.trust.getApp(appId);
    const keys = await tx.trust.getOnlineKeys(appId);
    if (!app?.trustInitializedAt || !keys) return [];
    const policy = await expiryPolicyOf(tx, appId);
    const signedRoles: OnlineRole[] = [];
    if (isDue(await tx.trust.getLatestMetadata(appId, DIRECTOR_ROLE), policy.director, nowMs)) {
      await signDirector(tx, appId, keys, nowMs);
      signedRoles.push(DIRECTOR_ROLE);
    }
    if (
      signedRoles.length > 0 ||
      isDue(await tx.trust.getLatestMetadata(appId, SNAPSHOT_ROLE), policy.snapshot, nowMs)
    ) {
      await signSnapshotAndTimestamp(tx, appId, keys, nowMs);
      signedRoles.push(SNAPSHOT_ROLE, TIMESTAMP_ROLE);
    } else if (isDue(await tx.trust.getLatestMetadata(appId, TIMESTAMP_ROLE), policy.timestamp, nowMs)) {
      const snapshot = await tx.trust.getLatestMetadata(appId, SNAPSHOT_ROLE);
      if (!snapshot) throw new Error(`${appId} has a timestamp but no snapshot`);
      await signTimestamp(tx, appId, keys, nowMs, snapshot);
      signedRoles.push(TIMESTAMP_ROLE);
    }
    if (signedRoles.length > 0) await onResigned?.(tx, signedRoles);
    return signedRoles;
  });
}

/**
 * Re-signs director, snapshot and timestamp now, whatever their expiry: after a change of the
 * app's lifetimes or online keys, so the change shows at once. Returns the roles it signed.
 * Takes the caller's transaction.
 */
export async function resignOnlineRolesIn(
  tx: Ports<'trust' | 'releases' | 'rollout' | 'transparencyLog'>,
  appId: string,
  nowMs: number,
): Promise<OnlineRole[]> {
  const app = await tx.trust.getApp(appId);
  const keys = await tx.trust.getOnlineKeys(appId);
  if (!app?.trustInitializedAt || !keys) return [];
  await signDirector(tx, appId, keys, nowMs);
  await signSnapshotAndTimestamp(tx, appId, keys, nowMs);
  return [DIRECTOR_ROLE, SNAPSHOT_ROLE, TIMESTAMP_ROLE];
}
