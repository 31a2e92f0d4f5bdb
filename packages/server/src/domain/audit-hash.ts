import { createHash } from 'node:crypto';
import { canonicalize } from '@updraft/protocol';
import type { AuditRecord } from '../persistence/persistence.js';

/** How an audit entry's hash is made (its own file so the chain and anchor checks share it). */

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  appId?: string | null;
  action: string;
  target: string;
  releaseId?: string | null;
  manifestSha256?: string | null;
  signingKeyIds?: string[];
  details?: Record<string, unknown>;
}

export type AuditEntry = AuditRecord;

export type Unhashed = Omit<AuditRecord, 'hash'>;

/** sha256 over the canonical JSON of every field but the hash itself. */
export function auditEntryHash(e: Unhashed): string {
  const content = {
    orgId: e.orgId,
    seq: e.seq,
    appId: e.appId,
    actorId: e.actorId,
    actorName: e.actorName,
    actorRole: e.actorRole,
    actorKind: e.actorKind,
    action: e.action,
    target: e.target,
    releaseId: e.releaseId,
    manifestSha256: e.manifestSha256,
    signingKeyIds: e.signingKeyIds,
    details: e.details,
    requestId: e.requestId,
    at: e.at,
    prevHash: e.prevHash,
    appPrevHash: e.appPrevHash,
  };
  return createHash('sha256').update(canonicalize(content), 'utf8').digest('hex');
}
