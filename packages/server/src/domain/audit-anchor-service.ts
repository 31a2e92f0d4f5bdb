import { AUDIT_HEAD_ENTRY_TYPE, parseLogEntry } from '@updraft/protocol/transparency';
import type { Ports, Transactional } from '../persistence/persistence.js';
import { AUDIT_LOG_ID, appendLogEntry } from './transparency-log-service.js';

/**
 * Anchors the head of a hash-chained audit log in the transparency log, so that editing the
 * audit table afterwards (rewriting or dropping records) contradicts a head that witnesses,
 * monitors and devices have already seen. Generic over where the head comes from: the audit
 * log gives `head()` and says whether it still extends an anchor (`departure`); this service
 * appends the head when it changed and extends the last anchor, and refuses it otherwise.
 */

export interface AuditHead {
  /** Number of records (the newest one's sequence number). */
  size: number;
  /** Hex hash of the newest record. */
  head: string;
}

/** One anchor of a source, as read back from the log. */
export interface AuditAnchor extends AuditHead {
  /** Its leaf index in the `_audit` log. */
  index: number;
  time: string;
}

/** How a log departs from an anchor: records it covered are gone, or are not the ones it covered. */
export interface AnchorDeparture {
  status: 'truncated' | 'rewritten';
  /** The first sequence number that is missing or not as anchored (as far as the anchors tell). */
  firstBadSeq: number;
  message: string;
}

export interface AuditHeadSource {
  /** Names the audit log in the entry (`source`), e.g. "org:<opaque id>". */
  readonly name: string;
  /** The current head; null while the log is empty. */
  head(): Promise<AuditHead | null>;
  /** Why the log no longer extends `anchor`, or null when it does. Absent: any head extends. */
  departure?(anchor: AuditAnchor): Promise<AnchorDeparture | null>;
}

export type AnchorResult =
  | { anchored: boolean; index: number | null }
  | { anchored: false; index: number; anchor: AuditAnchor; refused: AnchorDeparture };

/** Leaves read per step when looking back for a source's anchors. */
const PAGE = 256;
export const DEFAULT_ANCHOR_INTERVAL_MS = 5 * 60 * 1000;

function anchorOf(index: number, data: Uint8Array, source: string): AuditAnchor | null {
  const entry = parseLogEntry(data);
  if (entry?.type !== AUDIT_HEAD_ENTRY_TYPE || entry.source !== source) return null;
  return { index, size: entry.size, head: entry.head, time: entry.time };
}

/** The newest anchor of `source` (looking back page by page), or null. */
export async function latestAnchor(store: Ports<'transparencyLog'>, source: string): Promise<AuditAnchor | null> {
  for (let end = await store.transparencyLog.size(AUDIT_LOG_ID); end > 0; end -= PAGE) {
    const leaves = await store.transparencyLog.leaves(AUDIT_LOG_ID, Math.max(0, end - PAGE), end);
    for (let i = leaves.length - 1; i >= 0; i--) {
      const anchor = anchorOf(leaves[i]!.index, leaves[i]!.data, source);
      if (anchor) return anchor;
    }
  }
  return null;
}

/** Every anchor of `source`, oldest first (verify reads the whole `_audit` log once). */
export async function listAnchors(store: Ports<'transparencyLog'>, source: string): Promise<AuditAnchor[]> {
  const size = await store.transparencyLog.size(AUDIT_LOG_ID);
  const anchors: AuditAnchor[] = [];
  for (let start = 0; start < size; start += PAGE) {
    for (const leaf of await store.transparencyLog.leaves(AUDIT_LOG_ID, start, Math.min(size, start + PAGE))) {
      const anchor = anchorOf(leaf.index, leaf.data, source);
      if (anchor) anchors.push(anchor);
    }
  }
  return anchors;
}

export class AuditAnchorService {
  constructor(
    private readonly deps: { store: Transactional<'transparencyLog'>; source: AuditHeadSource; now: () => number },
  ) {}

  /**
   * Appends the current head unless it is already the latest anchor of this source; refuses
   * (appends nothing) a head that does not extend that anchor: anchoring a shorter or
   * rewritten log would bless the tampering.
   */
  async anchorOnce(): Promise<AnchorResult> {
    const { source, store } = this.deps;
    const head = await source.head();
    // The source reads through the store, not a transaction: look and judge first, then
    // append in a transaction that the last anchor is still the one judged against.
    const last = await latestAnchor(store, source.name);
    if (last && head && last.size === head.size && last.head === head.head) {
      return { anchored: false, index: last.index };
    }
    if (last) {
      const refused = await source.departure?.(last);
      if (refused) return { anchored: false, index: last.index, anchor: last, refused };
    }
    if (!head) return { anchored: false, index: null };
    return store.transaction(async (tx): Promise<AnchorResult> => {
      const now = await latestAnchor(tx, source.name);
      // Another instance anchored meanwhile: its anchor stands, the next tick judges again.
      if (now?.index !== last?.index) return { anchored: false, index: now?.index ?? null };
      const nowMs = this.deps.now();
      const appended = await appendLogEntry(
        tx,
        AUDIT_LOG_ID,
        {
          type: AUDIT_HEAD_ENTRY_TYPE,
          source: source.name,
          size: head.size,
          head: head.head,
          time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        nowMs,
      );
      return { anchored: true, index: appended.index };
    });
  }
}
