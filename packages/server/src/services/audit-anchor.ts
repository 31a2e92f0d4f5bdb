import { AUDIT_HEAD_ENTRY_TYPE, parseLogEntry } from '@updraft/protocol';
import type { MetadataStore } from '../store/index.js';
import { AUDIT_LOG_ID, appendLogEntry } from './transparency-log.js';

/**
 * Anchors the head of a hash-chained audit log in the transparency log, so that editing the
 * audit table afterwards (rewriting or dropping records) contradicts a head that witnesses,
 * monitors and devices have already seen. Generic over where the head comes from: the audit
 * log gives `head()`; this service appends it when it changed.
 */

export interface AuditHeadSource {
  /** Names the audit log in the entry (`source`), e.g. "admin". */
  readonly name: string;
  /** The number of records and the hex hash of the newest one; null while the log is empty. */
  head(): Promise<{ size: number; head: string } | null>;
}

/** How far back to look for this source's previous anchor. */
const LOOKBACK = 64;
export const DEFAULT_ANCHOR_INTERVAL_MS = 5 * 60 * 1000;

export class AuditAnchorService {
  constructor(
    private readonly deps: { store: MetadataStore; source: AuditHeadSource; now: () => number; intervalMs?: number },
  ) {}

  /** Appends the current head unless it is already the latest anchor of this source. */
  async anchorOnce(): Promise<{ anchored: boolean; index: number | null }> {
    const head = await this.deps.source.head();
    if (!head) return { anchored: false, index: null };
    return this.deps.store.transaction(async (tx) => {
      const size = await tx.log.size(AUDIT_LOG_ID);
      const recent = await tx.log.leaves(AUDIT_LOG_ID, Math.max(0, size - LOOKBACK), size);
      for (let i = recent.length - 1; i >= 0; i--) {
        const entry = parseLogEntry(recent[i]!.data);
        if (entry?.type !== AUDIT_HEAD_ENTRY_TYPE || entry.source !== this.deps.source.name) continue;
        if (entry.size === head.size && entry.head === head.head) return { anchored: false, index: recent[i]!.index };
        break;
      }
      const nowMs = this.deps.now();
      const appended = await appendLogEntry(
        tx,
        AUDIT_LOG_ID,
        {
          type: AUDIT_HEAD_ENTRY_TYPE,
          source: this.deps.source.name,
          size: head.size,
          head: head.head,
          time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        nowMs,
      );
      return { anchored: true, index: appended.index };
    });
  }

  /** Anchors now and then every interval; returns a stop function. Failures wait for the next tick. */
  start(onError: (err: unknown) => void = () => {}): () => void {
    const tick = () => void this.anchorOnce().catch(onError);
    tick();
    const timer = setInterval(tick, this.deps.intervalMs ?? DEFAULT_ANCHOR_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}
