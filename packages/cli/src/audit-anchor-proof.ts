import type { auditApi } from '@updraft/api';
import {
  AUDIT_HEAD_ENTRY_TYPE,
  logEntryLeafHash,
  openCheckpoint,
  parseInclusionProof,
  parseVerifierKey,
  verifyInclusion,
} from '@updraft/protocol/transparency';

/**
 * What `updraft audit verify` checks itself of the anchor the server reports: the checkpoint
 * is signed by the `_audit` log's key (pinned with --log-key, else the one the server names)
 * and the anchor entry it rebuilds from the reported head is included in that checkpoint. So
 * the verdict rests on an anchor the log committed to, not on the server's word about it.
 */

/** An anchor of the organization's log with its proof, as GET /v1/audit/verify reports it. */
export type AnchorEvidence = NonNullable<auditApi.AuditVerification['anchor']>;

/** null when the proof holds, else why not. */
export function anchorProofProblem(anchor: AnchorEvidence, pinnedKey: string | undefined): string | null {
  try {
    const logKey = parseVerifierKey(pinnedKey ?? anchor.logKey);
    const cp = openCheckpoint(anchor.checkpoint, { origin: logKey.name, logKey, witnesses: [], witnessThreshold: 0 });
    if (cp.size !== anchor.treeSize)
      return `the proof is for tree size ${anchor.treeSize}, the checkpoint has ${cp.size}`;
    const proof = parseInclusionProof({ leafIndex: anchor.index, treeSize: anchor.treeSize, hashes: anchor.inclusion });
    const leaf = logEntryLeafHash({
      type: AUDIT_HEAD_ENTRY_TYPE,
      source: anchor.source,
      size: anchor.size,
      head: anchor.head,
      time: anchor.time,
    });
    if (!verifyInclusion(anchor.index, cp.size, leaf, proof.hashes, cp.rootHash)) {
      return `anchor #${anchor.index} is not included in the audit log's checkpoint of size ${cp.size}`;
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
