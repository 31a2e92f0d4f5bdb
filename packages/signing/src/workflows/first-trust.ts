import {
  delegatedSigned,
  keyId,
  rootSigned,
  targetsSigned,
  type JsonObject,
  type RoleKeySet,
  type SignedEnvelope,
  type TufKey,
} from '@updraft/protocol';
import type { Signer } from '../keys.js';
import { signMetadata } from '../sign.js';
import { DEFAULT_EXPIRY_DAYS, expiresAt } from '../time.js';

/**
 * An app's first trust: root, targets and releases version 1, signed by the publisher's offline
 * keys, over the online keys the server generated for the app (snapshot, timestamp, director).
 * What `updraft apps create` uploads (PUT /v1/apps/:appId/trust) and ships as the trust anchor.
 */

/** The online public keys the server answers when it creates the app. */
export interface OnlineKeys {
  snapshot: TufKey;
  timestamp: TufKey;
  director: TufKey;
}

/** An offline role: the keys root (or targets) lists for it and its threshold, and who signs version 1. */
export interface OfflineRoleSetup extends RoleKeySet {
  signers: Signer[];
}

export interface FirstTrustInput {
  online: OnlineKeys;
  root: OfflineRoleSetup;
  targets: OfflineRoleSetup;
  releases: OfflineRoleSetup;
  /** Fields root's `signed` part carries besides the TUF ones (the transparency log pin). */
  rootExtra?: JsonObject;
  nowMs: number;
}

export interface FirstTrust {
  root: SignedEnvelope;
  targets: SignedEnvelope;
  releases: SignedEnvelope;
}

export async function firstTrust(input: FirstTrustInput): Promise<FirstTrust> {
  const { online, nowMs } = input;
  const one = (k: TufKey): RoleKeySet => ({ keys: [k], threshold: 1 });
  const keySet = (r: OfflineRoleSetup): RoleKeySet => ({ keys: r.keys, threshold: r.threshold });
  const root = await signMetadata(
    {
      ...rootSigned({
        version: 1,
        expires: expiresAt(nowMs, DEFAULT_EXPIRY_DAYS.root),
        roles: {
          root: keySet(input.root),
          targets: keySet(input.targets),
          snapshot: one(online.snapshot),
          timestamp: one(online.timestamp),
        },
        keyIdOf: keyId,
      }),
      ...input.rootExtra,
    },
    input.root.signers,
  );
  const targets = await signMetadata(
    targetsSigned({
      version: 1,
      expires: expiresAt(nowMs, DEFAULT_EXPIRY_DAYS.targets),
      releases: keySet(input.releases),
      director: one(online.director),
      keyIdOf: keyId,
    }),
    input.targets.signers,
  );
  const releases = await signMetadata(
    delegatedSigned({ version: 1, expires: expiresAt(nowMs, DEFAULT_EXPIRY_DAYS.releases), targets: {} }),
    input.releases.signers,
  );
  return { root, targets, releases };
}
