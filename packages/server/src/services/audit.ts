import { createHash } from 'node:crypto';
import { canonicalize } from '@updraft/protocol';
import type { AuditRecord, MetadataStore } from '../store/index.js';
import type { Actor } from './access.js';

/**
 * The append-only, hash-chained audit log. Each entry's hash commits to its content and to
 * the previous entry's hash in the organization (prevHash), and to the previous entry of the
 * same app (appPrevHash), so `verify` finds an edited, inserted or deleted row in the whole
 * organization's log or in one app's. Entries are written in the same transaction as the
 * change they record: no change without its entry.
 *
 * A chain alone cannot reveal a truncated tail or a wholesale rewrite by someone who
 * recomputes every hash; compare the head hash `verify` prints with one recorded elsewhere.
 */

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

type Unhashed = Omit<AuditRecord, 'hash'>;

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

/** Appends one entry; call inside the transaction of the change it records. */
export async function appendAudit(
  tx: MetadataStore,
  actor: Actor,
  input: AuditInput,
  nowMs: number,
): Promise<AuditRecord> {
  const last = await tx.control.lastAudit(actor.orgId);
  const appId = input.appId ?? null;
  const lastOfApp = appId ? await tx.control.lastAuditOfApp(actor.orgId, appId) : null;
  const entry: Unhashed = {
    orgId: actor.orgId,
    seq: (last?.seq ?? 0) + 1,
    appId,
    actorId: actor.id,
    actorName: actor.name,
    actorRole: actor.role,
    actorKind: actor.kind,
    action: input.action,
    target: input.target,
    releaseId: input.releaseId ?? null,
    manifestSha256: input.manifestSha256 ?? null,
    signingKeyIds: [...new Set(input.signingKeyIds ?? [])].sort(),
    details: input.details ?? {},
    requestId: actor.requestId,
    at: new Date(nowMs).toISOString(),
    prevHash: last?.hash ?? GENESIS_HASH,
    appPrevHash: appId ? (lastOfApp?.hash ?? GENESIS_HASH) : null,
  };
  const record = { ...entry, hash: auditEntryHash(entry) };
  await tx.control.insertAudit(record);
  return record;
}

export interface AuditProblem {
  seq: number;
  problem: 'edited' | 'chain-broken' | 'sequence-gap';
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  orgId: string;
  appId: string | null;
  entries: number;
  /** The last entry's hash: record it elsewhere to detect a truncated or rewritten log later. */
  head: string;
  problems: AuditProblem[];
}

export class AuditService {
  constructor(private readonly deps: { store: MetadataStore }) {}

  async list(actor: Actor, filter: { appId?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    return this.deps.store.control.listAudit(actor.orgId, filter);
  }

  /** Walks the organization's chain (or one app's chain) and reports every break. */
  async verify(actor: Actor, appId?: string): Promise<AuditVerification> {
    const entries = await this.deps.store.control.listAudit(actor.orgId, appId ? { appId } : {});
    const problems: AuditProblem[] = [];
    let prev: AuditRecord | null = null;
    for (const e of entries) {
      const { hash, ...rest } = e;
      if (auditEntryHash(rest) !== hash) {
        problems.push({
          seq: e.seq,
          problem: 'edited',
          message: `entry ${e.seq} does not match its hash: it was changed after it was written`,
        });
      }
      const expectedPrev = prev?.hash ?? GENESIS_HASH;
      const linked = appId ? e.appPrevHash : e.prevHash;
      if (linked !== expectedPrev) {
        problems.push({
          seq: e.seq,
          problem: 'chain-broken',
          message: `entry ${e.seq} does not follow ${prev ? `entry ${prev.seq}` : 'the start of the log'}: an entry before it was deleted, inserted or changed`,
        });
      }
      if (!appId && e.seq !== (prev?.seq ?? 0) + 1) {
        problems.push({
          seq: e.seq,
          problem: 'sequence-gap',
          message: `entry ${e.seq} follows entry ${prev?.seq ?? 0}: numbering has a gap`,
        });
      }
      prev = e;
    }
    return {
      ok: problems.length === 0,
      orgId: actor.orgId,
      appId: appId ?? null,
      entries: entries.length,
      head: prev?.hash ?? GENESIS_HASH,
      problems,
    };
  }
}
