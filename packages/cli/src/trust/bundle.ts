import { readFile, writeFile } from 'node:fs/promises';
import {
  countValidSignatures,
  parseRoot,
  parseTargets,
  RELEASES_ROLE,
  type RoleKeys,
  type SignedEnvelope,
  type TufKey,
} from '@updraft/protocol';
import { addSignatures, type Signer } from '@updraft/signing';
import { CliError } from '../output.js';
import type { VerifiedRepo } from './verified-repo.js';

/**
 * New offline metadata on its way to the server: built by `keys rotate`, possibly written to
 * a file, signed by several key holders (`keys sign`), then uploaded (`keys push`). The
 * server accepts root, targets and releases together, so a rotation never passes through a
 * state devices would reject.
 */

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
function authorities(bundle: MetadataBundle, repo: VerifiedRepo): Partial<Record<BundleRole, Authority[]>> {
  const out: Partial<Record<BundleRole, Authority[]>> = {};
  let root = repo.root.signed;
  if (bundle.root) {
    const next = parseRoot(bundle.root).signed;
    out.root = [
      { by: `root ${root.version}'s root keys`, keys: root.keys, role: root.roles.root },
      { by: `root ${next.version}'s own root keys`, keys: next.keys, role: next.roles.root },
    ];
    root = next;
  }
  let targets = repo.targets.signed;
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
export function missingSignatures(bundle: MetadataBundle, repo: VerifiedRepo): SignatureNeed[] {
  const needs: SignatureNeed[] = [];
  for (const [role, list] of Object.entries(authorities(bundle, repo)) as [BundleRole, Authority[]][]) {
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
  repo: VerifiedRepo,
  signers: Signer[],
): Promise<MetadataBundle> {
  const out: MetadataBundle = { ...bundle };
  for (const [role, list] of Object.entries(authorities(bundle, repo)) as [BundleRole, Authority[]][]) {
    const ids = new Set(list.flatMap((a) => a.role.keyids));
    const relevant = signers.filter((s) => ids.has(s.keyId));
    if (relevant.length > 0) out[role] = await addSignatures(out[role]!, relevant);
  }
  return out;
}

export function describeNeeds(needs: SignatureNeed[]): string {
  return needs.map((n) => `${n.role} has ${n.have} of the ${n.need} signatures needed from ${n.by}`).join('; ');
}

export async function readBundle(path: string): Promise<MetadataBundle> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new CliError('bad-input', `${path} is not a metadata file written by 'updraft keys rotate --out'`);
  }
  const b = json as Partial<MetadataBundle> | null;
  if (!b || typeof b.appId !== 'string' || !BUNDLE_ROLES.some((r) => b[r] !== undefined)) {
    throw new CliError('bad-input', `${path} is not a metadata file written by 'updraft keys rotate --out'`);
  }
  return b as MetadataBundle;
}

export async function writeBundle(path: string, bundle: MetadataBundle): Promise<void> {
  await writeFile(path, JSON.stringify(bundle, null, 2) + '\n');
}
