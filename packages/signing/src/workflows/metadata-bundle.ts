import {
  countValidSignatures,
  parseRoot,
  parseTargets,
  RELEASES_ROLE,
  type RoleKeys,
  type RootSigned,
  type SignedEnvelope,
  type TargetsSigned,
  type TufKey,
} from '@updraft/protocol';
import type { Signer } from '../keys.js';
import { addSignatures } from '../sign.js';

/**
 * New offline metadata on its way to the server: built by a rotation or a renewal, possibly
 * written to a file, signed by several key holders, then uploaded. The server accepts root,
 * targets and releases together, so a rotation never passes through a state devices would
 * reject.
 */

/**
 * The app's current root and targets, verified from the publisher's trust anchor (the CLI's
 * verified repository satisfies it): who must sign a new version of each offline role.
 */
export interface CurrentTrust {
  root: CurrentRole<RootSigned>;
  targets: CurrentRole<TargetsSigned>;
}

/** Root, targets and releases as verified, for renewing or rotating them. */
export interface OfflineMetadata extends CurrentTrust {
  releases: CurrentRole<TargetsSigned>;
}

/** One role's verified metadata: parsed, and the bytes it was verified from. */
export interface CurrentRole<T> {
  signed: T;
  bytes: Uint8Array;
}

export interface MetadataBundle {
  appId: string;
  root?: SignedEnvelope;
  targets?: SignedEnvelope;
  releases?: SignedEnvelope;
}

export type BundleRole = 'root' | 'targets' | 'releases';
export const BUNDLE_ROLES: readonly BundleRole[] = ['root', 'targets', 'releases'];

export interface SignatureNeed {
  role: BundleRole;
  /** Whose threshold: e.g. "root 3's root keys". */
  by: string;
  have: number;
  need: number;
  keyids: string[];
}

interface Authority {
  by: string;
  keys: Record<string, TufKey>;
  role: RoleKeys;
}

/** Who must sign each envelope of the bundle, given the app's current verified metadata. */
function authorities(bundle: MetadataBundle, current: CurrentTrust): Partial<Record<BundleRole, Authority[]>> {
  const out: Partial<Record<BundleRole, Authority[]>> = {};
  let root = current.root.signed;
  if (bundle.root) {
    const next = parseRoot(bundle.root).signed;
    out.root = [
      { by: `root ${root.version}'s root keys`, keys: root.keys, role: root.roles.root },
      { by: `root ${next.version}'s own root keys`, keys: next.keys, role: next.roles.root },
    ];
    root = next;
  }
  let targets = current.targets.signed;
  if (bundle.targets) {
    out.targets = [{ by: `root ${root.version}'s targets keys`, keys: root.keys, role: root.roles.targets }];
    targets = parseTargets(bundle.targets).signed;
  }
  if (bundle.releases) {
    const role = targets.delegations?.roles.find((r) => r.name === RELEASES_ROLE);
    if (role) {
      out.releases = [{ by: `targets ${targets.version}'s releases keys`, keys: targets.delegations!.keys, role }];
    }
  }
  return out;
}

/** Signatures still missing, empty when the bundle is ready to push. */
export function missingSignatures(bundle: MetadataBundle, current: CurrentTrust): SignatureNeed[] {
  const needs: SignatureNeed[] = [];
  for (const [role, list] of Object.entries(authorities(bundle, current)) as [BundleRole, Authority[]][]) {
    const env = bundle[role]!;
    for (const a of list) {
      const have = countValidSignatures(env.signed, env.signatures, a.keys, a.role);
      if (have < a.role.threshold) {
        needs.push({ role, by: a.by, have, need: a.role.threshold, keyids: a.role.keyids });
      }
    }
  }
  return needs;
}

/** Adds the signatures of the signers whose keys each envelope's authorities list. */
export async function signBundle(
  bundle: MetadataBundle,
  current: CurrentTrust,
  signers: Signer[],
): Promise<MetadataBundle> {
  const out: MetadataBundle = { ...bundle };
  for (const [role, list] of Object.entries(authorities(bundle, current)) as [BundleRole, Authority[]][]) {
    const ids = new Set(list.flatMap((a) => a.role.keyids));
    const relevant = signers.filter((s) => ids.has(s.keyId));
    if (relevant.length > 0) out[role] = await addSignatures(out[role]!, relevant);
  }
  return out;
}

export function describeNeeds(needs: SignatureNeed[]): string {
  return needs.map((n) => `${n.role} has ${n.have} of the ${n.need} signatures needed from ${n.by}`).join('; ');
}
