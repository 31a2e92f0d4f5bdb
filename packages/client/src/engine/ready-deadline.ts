import { planTimeoutRollback } from './boot.js';
import type { ClientCore } from './client-core.js';
import type { InstalledRelease } from '../state/state.js';

/** notifyAppReady() must come within readyTimeoutMs of a trial launch, or the trial fails now. */
export class ReadyDeadline {
  private cancelTimer: (() => void) | null = null;

  constructor(private readonly core: ClientCore) {}

  start(trial: InstalledRelease): void {
    const { config, timers } = this.core;
    if (config.readyTimeoutMs === 0 || !timers) return;
    this.cancelTimer = timers.setTimeout(() => {
      this.cancelTimer = null;
      void this.expire(trial.releaseId);
    }, config.readyTimeoutMs);
  }

  cancel(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private expire(releaseId: string): Promise<void> {
    const { core } = this;
    return core.lock.run(async () => {
      try {
        const planned = planTimeoutRollback(await core.states.load(), releaseId);
        if (!planned) return;
        await core.states.save(planned.next);
        core.emitState(planned.next);
        const next = await core.firstLaunchable([planned.next.confirmed, planned.next.fallback]);
        const launchPath = next ? next.launchPath : core.config.embeddedLaunchPath;
        const { versionCode } = planned.rolledBack;
        core.events.emit('rollback', { releaseId, versionCode, cause: 'timeout', launchPath });
      } catch (err) {
        core.report(err);
      }
    });
  }
}
