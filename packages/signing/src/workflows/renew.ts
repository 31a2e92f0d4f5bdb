import { envelopeSigned, renewed, type SignedEnvelope } from '@updraft/protocol';
import { expiresAfter, type ExpiryPolicy } from '../expiry.js';
import type { Signer } from '../keys.js';
import type { OfflineRole } from '../key-folder.js';
import { missingSignatures, signBundle, type MetadataBundle, type OfflineMetadata } from './metadata-bundle.js';

/**
 * Offline renewal: root, targets and releases are signed by keys the server never holds, so
 * only the publisher can keep them from expiring. Each one within the warning window gets its
 * next version with a new expiry, signed by the given keys, all in one bundle for one upload.
 */

export interface RenewInput {
  appId: string;
  /** The app's current offline metadata, verified from the publisher's trust anchor. */
  current: OfflineMetadata;
  policy: ExpiryPolicy;
  /** The keys at hand (the key folder's); a role they cannot sign to its threshold is left out. */
  signers: Signer[];
  nowMs: number;
}

export async function renewOffline(input: RenewInput): Promise<{ bundle: MetadataBundle; roles: OfflineRole[] }> {
  const { current, policy, nowMs } = input;
  const due = (expires: string) => Date.parse(expires) - nowMs < policy.warnBefore * 1000;
  let bundle: MetadataBundle = { appId: input.appId };
  const roles: OfflineRole[] = [];
  for (const role of ['root', 'targets', 'releases'] as const) {
    if (!due(current[role].signed.expires)) continue;
    const next: SignedEnvelope = {
      signed: renewed(envelopeSigned(current[role]), expiresAfter(nowMs, policy[role])),
      signatures: [],
    };
    const candidate = await signBundle({ ...bundle, [role]: next }, current, input.signers);
    // A role these keys cannot sign to its threshold is left to its key holders; expiry warnings say so.
    if (missingSignatures(candidate, current).length > 0) continue;
    bundle = candidate;
    roles.push(role);
  }
  return { bundle, roles };
}
