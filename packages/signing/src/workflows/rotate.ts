import {
  envelopeSigned,
  KeyChangeError,
  nextRoot,
  nextTargets,
  RELEASES_ROLE,
  renewed,
  type KeyChange,
} from '@updraft/protocol';
import { SigningError } from '../errors.js';
import { expiresAfter, type ExpiryPolicy } from '../expiry.js';
import type { RotatableRole } from '../vocabulary.js';
import type { CurrentTrust, MetadataBundle, OfflineMetadata } from './metadata-bundle.js';

/**
 * Key rotation: a key change of any role as the next root (root, targets, snapshot,
 * timestamp) or the next targets (the delegated releases and director), which devices follow
 * over the air. The bundle comes unsigned; signBundle adds the signatures of the keys at hand.
 */

export const ROOT_LISTED_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export { ROTATABLE_ROLES, type RotatableRole } from '../vocabulary.js';
type RootListedRole = (typeof ROOT_LISTED_ROLES)[number];

function listedInRoot(role: RotatableRole): role is RootListedRole {
  return (ROOT_LISTED_ROLES as readonly string[]).includes(role);
}

/** The key ids the role lists now. */
export function roleKeyIds(current: CurrentTrust, role: RotatableRole): string[] {
  if (listedInRoot(role)) return current.root.signed.roles[role].keyids;
  return current.targets.signed.delegations!.roles.find((r) => r.name === role)!.keyids;
}

export interface RotationInput {
  appId: string;
  /** The app's current offline metadata, verified from the publisher's trust anchor. */
  current: OfflineMetadata;
  policy: ExpiryPolicy;
  role: RotatableRole;
  change: KeyChange;
  /**
   * The new key's private half is at hand: a new targets key then signs targets at once (and
   * a new releases key releases), so the old key can go when the rotation finishes.
   */
  newPrivateKey: boolean;
  nowMs: number;
  /** Root only: the release epoch the new root allows. */
  epoch?: number;
}

/** The new, unsigned metadata a key change needs. */
export function rotationBundle(input: RotationInput): MetadataBundle {
  try {
    return buildRotation(input);
  } catch (err) {
    if (!(err instanceof KeyChangeError)) throw err;
    // A targets without the delegation it verified with is the server's doing, not the publisher's.
    throw new SigningError(err.code === 'no-delegation' ? 'untrusted-server' : 'bad-input', err.message);
  }
}

function buildRotation(input: RotationInput): MetadataBundle {
  const { current, policy, role, change, nowMs } = input;
  const bundle: MetadataBundle = { appId: input.appId };
  if (listedInRoot(role)) {
    bundle.root = {
      signed: nextRoot(envelopeSigned(current.root), role, change, expiresAfter(nowMs, policy.root), input.epoch),
      signatures: [],
    };
    if (role === 'targets' && input.newPrivateKey)
      bundle.targets = {
        signed: renewed(envelopeSigned(current.targets), expiresAfter(nowMs, policy.targets)),
        signatures: [],
      };
  } else {
    bundle.targets = {
      signed: nextTargets(envelopeSigned(current.targets), role, change, expiresAfter(nowMs, policy.targets)),
      signatures: [],
    };
    if (role === RELEASES_ROLE && input.newPrivateKey) {
      bundle.releases = {
        signed: renewed(envelopeSigned(current.releases), expiresAfter(nowMs, policy.releases)),
        signatures: [],
      };
    }
  }
  return bundle;
}
