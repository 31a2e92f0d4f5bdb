import type { FastifyInstance } from 'fastify';
import { AuditAnchorService, DEFAULT_ANCHOR_INTERVAL_MS } from './services/index.js';
import type { MetadataStore } from './store/index.js';

/**
 * Anchors the head of every organization's hash-chained audit log in the transparency log
 * (`/log/audit`, source `org:<id>`), so a log rewritten or truncated afterwards contradicts
 * a head that monitors have already seen. Runs at start and then every interval.
 */
export async function anchorAuditHeads(store: MetadataStore, now: () => number): Promise<void> {
  for (const org of await store.control.listOrganizations()) {
    const source = {
      name: `org:${org.id}`,
      head: async () => {
        const last = await store.control.lastAudit(org.id);
        return last ? { size: last.seq, head: last.hash } : null;
      },
    };
    await new AuditAnchorService({ store, source, now }).anchorOnce();
  }
}

export function installAuditAnchoring(
  app: FastifyInstance,
  store: MetadataStore,
  now: () => number,
  intervalMs = DEFAULT_ANCHOR_INTERVAL_MS,
): void {
  if (intervalMs <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = anchorAuditHeads(store, now).catch((err: unknown) =>
      app.log.error({ err }, 'anchoring audit heads failed'),
    );
  };
  app.addHook('onReady', async () => {
    tick();
    timer = setInterval(tick, intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}
