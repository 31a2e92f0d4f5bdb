import { randomBytes } from 'node:crypto';
import type { AuditRecord, Ports } from '../persistence/persistence.js';
import { auditEntryHash } from './audit-hash.js';
import type { AnchorDeparture, AuditAnchor, AuditHeadSource } from './audit-anchor-service.js';

/**
 * How an organization's audit table compares with what was anchored of it. A record's hash
 * commits to every record before it, so the table holds everything an anchor covered exactly
 * when its record at the anchored size has the anchored hash; a table that ends before that
 * size was truncated, one whose record there differs was rewritten.
 */

/** Checks the records after an anchor chain to it: `tail` starts at seq anchor.size. */
export function departureFrom(anchor: AuditAnchor, tail: AuditRecord[], tableSize: number): AnchorDeparture | null {
  const first = tail[0];
  if (tableSize < anchor.size) {
    return {
      status: 'truncated',
      firstBadSeq: tableSize + 1,
      message: `the log ends at entry ${tableSize} but anchor #${anchor.index} (${anchor.time}) covered ${anchor.size} entries: entries from ${tableSize + 1} were deleted`,
    };
  }
  if (first?.seq !== anchor.size || first.hash !== anchor.head) {
    return {
      status: 'rewritten',
      firstBadSeq: anchor.size,
      message: `entry ${anchor.size} is not the one anchor #${anchor.index} (${anchor.time}) covered: the log was rewritten at or before entry ${anchor.size}`,
    };
  }
  let prev = first;
  for (const e of tail.slice(1)) {
    const { hash, ...rest } = e;
    if (e.seq !== prev.seq + 1 || e.prevHash !== prev.hash || auditEntryHash(rest) !== hash) {
      return {
        status: 'rewritten',
        firstBadSeq: prev.seq + 1,
        message: `entry ${prev.seq + 1} does not follow entry ${prev.seq}, which anchor #${anchor.index} covers: the log after it was changed`,
      };
    }
    prev = e;
  }
  return null;
}

/**
 * The whole table against every anchor, oldest first: the first anchor it departs from
 * decides. Entries up to the largest anchored size that still matches are confirmed, so a
 * rewrite is placed right after it (the anchors cannot tell which record after it changed).
 */
export function departureFromAnchors(entries: AuditRecord[], anchors: AuditAnchor[]): AnchorDeparture | null {
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const tableSize = entries.at(-1)?.seq ?? 0;
  let confirmed = 0;
  for (const a of anchors) {
    if (bySeq.get(a.size)?.hash === a.head) {
      confirmed = Math.max(confirmed, a.size);
      continue;
    }
    if (tableSize < a.size) {
      return {
        status: 'truncated',
        firstBadSeq: tableSize + 1,
        message:
          `the log ends at entry ${tableSize} but anchor #${a.index} (${a.time}) covered ${a.size} entries: ` +
          `entries from ${tableSize + 1} were deleted` +
          (confirmed < tableSize ? ` (entries ${confirmed + 1}–${tableSize} cannot be confirmed either)` : ''),
      };
    }
    return {
      status: 'rewritten',
      firstBadSeq: confirmed + 1,
      message:
        `entry ${a.size} is not the one anchor #${a.index} (${a.time}) covered; entries up to ${confirmed} match ` +
        `their anchors: one of entries ${confirmed + 1}–${a.size} was rewritten`,
    };
  }
  return null;
}

/** The public name of an organization's audit log in `/log/audit`: opaque, stable, not derived from its id or name. */
export async function orgAnchorSource(store: Ports<'access'>, orgId: string): Promise<string> {
  return `org:${await store.access.ensureOrgAnchorId(orgId, randomBytes(16).toString('hex'))}`;
}

/** An organization's audit log as the anchor service sees it. */
export async function orgAuditSource(store: Ports<'access'>, orgId: string): Promise<AuditHeadSource> {
  return {
    name: await orgAnchorSource(store, orgId),
    async head() {
      const last = await store.access.lastAudit(orgId);
      return last ? { size: last.seq, head: last.hash } : null;
    },
    async departure(anchor) {
      const last = await store.access.lastAudit(orgId);
      const tail = await store.access.listAudit(orgId, { afterSeq: anchor.size - 1 });
      return departureFrom(anchor, tail, last?.seq ?? 0);
    },
  };
}
