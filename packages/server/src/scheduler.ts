import type { FastifyInstance } from 'fastify';
import type { Services } from './services/index.js';

export const DEFAULT_SCHEDULER_INTERVAL_MS = 15_000;

/**
 * Applies scheduled starts (publish/promote --start-at) while the server runs. Each start is
 * claimed in a transaction (ReleaseOpsService.applyDueSchedules), so any number of server
 * instances can run this loop and each start is applied once.
 */
export function installScheduler(app: FastifyInstance, services: Services, intervalMs: number): void {
  if (intervalMs <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = services.releaseOps.applyDueSchedules().catch((err: unknown) => {
      app.log.error({ err }, 'applying scheduled deployments failed');
    });
  };
  app.addHook('onReady', async () => {
    timer = setInterval(tick, intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}
