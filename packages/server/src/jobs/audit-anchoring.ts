import { randomUUID } from 'node:crypto';
import {
  appendAudit,
  AuditAnchorService,
  enqueueWebhook,
  orgAuditSource,
  type Actor,
  type AnchorDeparture,
  type AuditAnchor,
} from '../domain/services.js';
import type { Transactional } from '../persistence/persistence.js';
import type { ScheduledJob } from './job-runner.js';

/**
 * Anchors the head of every organization's hash-chained audit log in the transparency log
 * (`/log/audit`, source `org:<opaque id>`), so a log rewritten or truncated afterwards
 * contradicts a head that monitors have already seen. Runs at start and then every interval.
 * A head that does not extend the organization's last anchor is not anchored: it raises an
 * alert instead (an audit entry, the organization's audit webhook, the dashboard banner).
 */

export const ANCHOR_REFUSED = 'audit.anchor-refused';

export interface AnchorAlert {
  orgId: string;
  anchor: AuditAnchor;
  departure: AnchorDeparture;
}

export async function anchorAuditHeads(
  store: Transactional<'access' | 'insight' | 'transparencyLog'>,
  now: () => number,
): Promise<AnchorAlert[]> {
  const alerts: AnchorAlert[] = [];
  for (const org of await store.access.listOrganizations()) {
    const source = await orgAuditSource(store, org.id);
    const result = await new AuditAnchorService({ store, source, now }).anchorOnce();
    if (!('refused' in result)) {
      // Healthy again (restored from a backup, say): a later departure alerts anew.
      await store.access.setAuditAlertAnchor(org.id, null);
      continue;
    }
    const alert = { orgId: org.id, anchor: result.anchor, departure: result.refused };
    if (await raiseAnchorAlert(store, alert, now())) alerts.push(alert);
  }
  return alerts;
}

/**
 * Records the refusal once per anchor (not on every tick, nor once per instance) and queues
 * the organization's audit webhook, in one transaction. Returns whether it raised a new alert.
 */
async function raiseAnchorAlert(
  store: Transactional<'access' | 'insight'>,
  alert: AnchorAlert,
  nowMs: number,
): Promise<boolean> {
  const { orgId, anchor, departure } = alert;
  return store.transaction(async (tx) => {
    if (!(await tx.access.setAuditAlertAnchor(orgId, anchor.index))) return false;
    const actor: Actor = {
      id: 'audit-anchor',
      orgId,
      name: 'audit-anchor',
      kind: 'service',
      role: 'viewer',
      scopes: [],
      requestId: `audit-anchor-${randomUUID()}`,
    };
    const details = {
      anchorIndex: anchor.index,
      anchoredSize: anchor.size,
      anchoredHead: anchor.head,
      anchoredAt: anchor.time,
      status: departure.status,
      firstBadSeq: departure.firstBadSeq,
      message: departure.message,
    };
    await appendAudit(tx, actor, { action: ANCHOR_REFUSED, target: `org:${orgId}`, details }, nowMs);
    const url = await tx.access.getAuditWebhook(orgId);
    if (url) {
      await enqueueWebhook(
        tx,
        { orgId, appId: null, kind: ANCHOR_REFUSED, url, payload: { orgId, ...details } },
        nowMs,
      );
    }
    return true;
  });
}

/** Anchors every organization's audit head each interval; a refusal is logged as an error as well. */
export function auditAnchorJob(
  store: Transactional<'access' | 'insight' | 'transparencyLog'>,
  now: () => number,
  intervalMs: number,
  onAlert: (alert: AnchorAlert) => void,
): ScheduledJob {
  return {
    name: 'audit-anchor',
    intervalMs,
    async runOnce() {
      const alerts = await anchorAuditHeads(store, now);
      alerts.forEach(onAlert);
      return { alerts: alerts.length };
    },
  };
}
