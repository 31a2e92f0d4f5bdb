import type { Kysely, Selectable } from 'kysely';
import type { AccessStore, AuditRecord } from '../access-store.js';
import type { AuditLogTable, Tables } from '../schema.js';
import { StoreConflictError } from '../database.js';
import { isUniqueViolation } from './table-util.js';

type AuditAccess = Pick<AccessStore, 'lastAudit' | 'lastAuditOfApp' | 'insertAudit' | 'listAudit'>;

/** Audit rows are read back to be verified: a hand-edited, unparseable cell must fail verification, not crash it. */
function tolerantJson<T>(text: string, fallback: (raw: string) => T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback(text);
  }
}

/** The hash-chained audit log, one chain per organization (and one per app within it). */
export class AuditQueries implements AuditAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async lastAudit(orgId: string): Promise<AuditRecord | null> {
    const r = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toAudit(r) : null;
  }

  async lastAuditOfApp(orgId: string, appId: string): Promise<AuditRecord | null> {
    const r = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('app_id', '=', appId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toAudit(r) : null;
  }

  async insertAudit(e: AuditRecord): Promise<void> {
    try {
      await this.insertRow(e);
    } catch (err) {
      // Another writer appended this seq first (two changes of one organization at once).
      if (isUniqueViolation(err))
        throw new StoreConflictError(`audit entry ${e.seq} of ${e.orgId} already exists`, { cause: err });
      throw err;
    }
  }

  private async insertRow(e: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        org_id: e.orgId,
        seq: e.seq,
        app_id: e.appId,
        actor_id: e.actorId,
        actor_name: e.actorName,
        actor_role: e.actorRole,
        actor_kind: e.actorKind,
        action: e.action,
        target: e.target,
        release_id: e.releaseId,
        manifest_sha256: e.manifestSha256,
        signing_key_ids: JSON.stringify(e.signingKeyIds),
        details: JSON.stringify(e.details),
        request_id: e.requestId,
        at: e.at,
        prev_hash: e.prevHash,
        app_prev_hash: e.appPrevHash,
        hash: e.hash,
      })
      .execute();
  }

  async listAudit(orgId: string, filter: { appId?: string; afterSeq?: number; limit?: number }) {
    let q = this.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
    if (filter.appId !== undefined) q = q.where('app_id', '=', filter.appId);
    if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
    q = q.orderBy('seq');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map(toAudit);
  }
}

function toAudit(r: Selectable<AuditLogTable>): AuditRecord {
  return {
    orgId: r.org_id,
    seq: Number(r.seq),
    appId: r.app_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    actorKind: r.actor_kind,
    action: r.action,
    target: r.target,
    releaseId: r.release_id,
    manifestSha256: r.manifest_sha256,
    signingKeyIds: tolerantJson<string[]>(r.signing_key_ids, (raw) => [`unparseable:${raw}`]),
    details: tolerantJson<Record<string, unknown>>(r.details, (raw) => ({ unparseable: raw })),
    requestId: r.request_id,
    at: r.at,
    prevHash: r.prev_hash,
    appPrevHash: r.app_prev_hash,
    hash: r.hash,
  };
}
