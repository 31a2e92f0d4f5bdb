import type { Timers } from './ports.js';

interface GlobalTimers {
  setTimeout?: (task: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * The platform's global setTimeout (Hermes, WebViews and Node all have one; the core's
 * types do not declare it). setTimeout's timer is unref'd where that exists (Node), so a
 * pending notifyAppReady() deadline never keeps a short-lived process alive; delay's is not:
 * a download waiting out a busy server is work in progress.
 */
export function defaultTimers(): Timers | null {
  const g = globalThis as GlobalTimers;
  const set = g.setTimeout;
  const clear = g.clearTimeout;
  if (typeof set !== 'function' || typeof clear !== 'function') return null;
  return {
    setTimeout(task, ms) {
      const handle = set.call(globalThis, task, ms);
      (handle as { unref?: () => void } | null)?.unref?.();
      return () => clear.call(globalThis, handle);
    },
    delay(ms) {
      return new Promise((resolve) => void set.call(globalThis, resolve, ms));
    },
  };
}
