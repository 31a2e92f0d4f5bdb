import type { auditApi, webhooksApi } from '@updraft/api';
import { badRequest } from './api-error.js';
import type { AuditRecord, Ports, Transactional } from '../persistence/persistence.js';
import type { Actor } from './access.js';
import { auditEntryHash, GENESIS_HASH, type AuditInput, type Unhashed } from './audit-hash.js';
import { latestAnchor, listAnchors, type AnchorDeparture, type AuditAnchor } from './audit-anchor-service.js';
import { departureFromAnchors, orgAnchorSource, orgAuditSource } from './audit-departure.js';
import { AUDIT_LOG_ID, type TransparencyLogService } from './transparency-log-service.js';
import { deliveryView, webhookUrlProblem, type WebhookOptions } from './webhook.js';

/**
 * The append-only, hash-chained audit log. Each entry's hash commits to its content and to
 * the previous entry's hash in the organization (prevHash), and to the previous entry of the
 * same app (appPrevHash), so `verify` finds an edited, inserted or deleted row in the whole
 * organization's log or in one app's. Entries are written in the same transaction as the
 * change they record: no change without its entry.
 *
 * A chain alone cannot reveal a truncated tail or a wholesale rewrite by someone who
 * recomputes every hash: the organization's head is therefore anchored in the `_audit`
 * transparency log (audit-anchor-service.ts), and `verify` checks the table against those anchors.
 */

export { auditEntryHash, GENESIS_HASH, type AuditInput, type AuditEntry } from './audit-hash.js';

/** Appends one entry; call inside the transaction of the change it records. */
export async function appendAudit(
  tx: Ports<'access'>,
  actor: Actor,
  input: AuditInput,
  nowMs: number,
): Promise<AuditRecord> {
  // The organization's next seq is taken by one writer at a time: two changes of its apps at
  // once would both take the same one (on PostgreSQL), and one would fail.
  await tx.access.lockOrg(actor.orgId);
  const last = await tx.access.lastAudit(actor.orgId);
  const appId = input.appId ?? null;
  const lastOfApp = appId ? await tx.access.lastAuditOfApp(actor.orgId, appId) : null;
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
  await tx.access.insertAudit(record);
  return record;
}

/** What verify reports (the API contract declares it with its schema). */
export type AuditVerification = auditApi.AuditVerification;
type AuditProblem = AuditVerification['problems'][number];
type AnchorEvidence = NonNullable<AuditVerification['anchor']>;

export class AuditService {
  constructor(
    private readonly deps: {
      store: Transactional<'access' | 'transparencyLog' | 'insight'>;
      transparencyLog: TransparencyLogService;
      now: () => number;
      webhook?: WebhookOptions;
    },
  ) {}

  async list(actor: Actor, filter: { appId?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    return this.deps.store.access.listAudit(actor.orgId, filter);
  }

  /** Where audit alerts (a head that does not extend the last anchor) are posted; audited. */
  async setWebhook(actor: Actor, url: string | null): Promise<{ webhookUrl: string | null }> {
    if (url !== null) {
      const problem = webhookUrlProblem(url, this.deps.webhook);
      if (problem) throw badRequest('bad-webhook-url', `the webhook URL ${problem}`);
    }
    await this.deps.store.transaction(async (tx) => {
      await tx.access.setAuditWebhook(actor.orgId, url);
      const details = { host: url === null ? null : new URL(url).host };
      await appendAudit(tx, actor, { action: 'audit.webhook', target: `org:${actor.orgId}`, details }, this.deps.now());
    });
    return { webhookUrl: url };
  }

  async getWebhook(actor: Actor): Promise<{ webhookUrl: string | null }> {
    return { webhookUrl: await this.deps.store.access.getAuditWebhook(actor.orgId) };
  }

  /** The audit webhook's last deliveries, newest first (kept WEBHOOK_RETENTION_DAYS once settled). */
  async webhookDeliveries(actor: Actor, limit: number): Promise<webhooksApi.WebhookDelivery[]> {
    const rows = await this.deps.store.insight.listWebhooks({ orgId: actor.orgId, appId: null, limit });
    return rows.map(deliveryView);
  }

  /**
   * Whether the log still extends its latest anchor (what the dashboard's banner shows on
   * every page): reads only the records after that anchor, not the whole log.
   */
  async anchorStatus(actor: Actor): Promise<{
    status: 'ok' | 'unanchored' | AnchorDeparture['status'];
    departure: AnchorDeparture | null;
    anchor: AuditAnchor | null;
  }> {
    const source = await orgAuditSource(this.deps.store, actor.orgId);
    const anchor = await latestAnchor(this.deps.store, source.name);
    if (!anchor) return { status: 'unanchored', departure: null, anchor: null };
    const departure = (await source.departure?.(anchor)) ?? null;
    return { status: departure?.status ?? 'ok', departure, anchor };
  }

  /**
   * Walks the organization's chain (or one app's chain) and reports every break; the whole
   * organization's log is also checked against every anchor of it in the `_audit` log.
   */
  async verify(actor: Actor, appId?: string): Promise<AuditVerification> {
    const { store } = this.deps;
    const entries = await store.access.listAudit(actor.orgId, appId ? { appId } : {});
    const problems = chainProblems(entries, appId !== undefined);
    let anchor: AnchorEvidence | null = null;
    let departed: AuditProblem | null = null;
    if (!appId) {
      const source = await orgAnchorSource(store, actor.orgId);
      const anchors = await listAnchors(store, source);
      const departure = departureFromAnchors(entries, anchors);
      if (departure) departed = { seq: departure.firstBadSeq, problem: departure.status, message: departure.message };
      const latest = anchors.at(-1);
      if (latest) anchor = await this.evidence(source, latest);
    }
    if (departed) problems.unshift(departed);
    const firstBad = problems.length > 0 ? Math.min(...problems.map((p) => p.seq)) : null;
    return {
      ok: problems.length === 0,
      status: departed ? (departed.problem as 'truncated' | 'rewritten') : problems.length > 0 ? 'broken' : 'ok',
      firstBadSeq: departed ? departed.seq : firstBad,
      orgId: actor.orgId,
      appId: appId ?? null,
      entries: entries.length,
      head: entries.at(-1)?.hash ?? GENESIS_HASH,
      anchor,
      problems,
    };
  }

  private async evidence(source: string, anchor: AuditAnchor): Promise<AnchorEvidence> {
    const latest = await this.deps.store.transparencyLog.latestCheckpoint(AUDIT_LOG_ID);
    if (!latest) throw new Error('the _audit log has an anchor but no checkpoint');
    const proof = await this.deps.transparencyLog.inclusion(AUDIT_LOG_ID, {
      index: anchor.index,
      treeSize: latest.size,
    });
    const { key } = await this.deps.transparencyLog.identity(AUDIT_LOG_ID);
    return { ...anchor, source, logKey: key, checkpoint: latest.note, treeSize: latest.size, inclusion: proof.hashes };
  }
}

/** Every hash, link and number of the chain (the app's own links with `ofApp`). */
function chainProblems(entries: AuditRecord[], ofApp: boolean): AuditProblem[] {
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
    const linked = ofApp ? e.appPrevHash : e.prevHash;
    if (linked !== expectedPrev) {
      problems.push({
        seq: e.seq,
        problem: 'chain-broken',
        message: `entry ${e.seq} does not follow ${prev ? `entry ${prev.seq}` : 'the start of the log'}: an entry before it was deleted, inserted or changed`,
      });
    }
    if (!ofApp && e.seq !== (prev?.seq ?? 0) + 1) {
      problems.push({
        seq: e.seq,
        problem: 'sequence-gap',
        message: `entry ${e.seq} follows entry ${prev?.seq ?? 0}: numbering has a gap`,
      });
    }
    prev = e;
  }
  return problems;
}
