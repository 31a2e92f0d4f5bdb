import { dropPending, planClearFailed, planLaunch, planReady, type LaunchPlan } from './boot.js';
import type { ClientCore } from './client-core.js';
import { collectGarbage } from './gc.js';
import { ReadyDeadline } from './ready-deadline.js';
import type { DeviceState } from '../state/state.js';
import type { LaunchResult } from '../types.js';

/**
 * The boot state machine of one process (protocol.md "Boot state machine"): what an app
 * start runs, its confirmation, and the readyTimeoutMs deadline of a trial.
 */
export class Launcher {
  private launched: Promise<LaunchResult> | null = null;
  private readonly deadline: ReadyDeadline;

  constructor(private readonly core: ClientCore) {
    this.deadline = new ReadyDeadline(core);
  }

  /** Once per process until relaunch(): a second call must not see this launch's trial as crashed. */
  launch(adopt: boolean): Promise<LaunchResult> {
    this.launched ??= this.core.lock.run(() => this.runLaunch(adopt));
    return this.launched;
  }

  relaunch(): Promise<LaunchResult> {
    this.deadline.cancel();
    this.launched = null;
    return this.launch(false);
  }

  notifyAppReady(): Promise<void> {
    this.deadline.cancel();
    const { core } = this;
    return core.lock.run(async () => {
      try {
        const next = planReady(await core.states.load());
        if (!next) return;
        await core.states.save(next);
        core.emitState(next);
        await collectGarbage(core.storage, next).catch(() => undefined);
      } catch (err) {
        core.report(err);
      }
    });
  }

  clearFailed(releaseId?: string): Promise<void> {
    const { core } = this;
    return core.lock.run(async () => {
      const next = planClearFailed(await core.states.load(), releaseId);
      if (!next) return;
      await core.states.save(next);
      core.emitState(next);
    });
  }

  private async runLaunch(adopt: boolean): Promise<LaunchResult> {
    const { core } = this;
    const { config, events } = core;
    let state: DeviceState;
    try {
      state = await core.states.load();
    } catch (err) {
      core.report(err);
      return core.embedded();
    }
    let plan = config.nativeBoot || adopt ? await this.adoptNativePlan(state) : await this.planOwnLaunch(state);
    if (plan.next !== state) {
      try {
        await core.states.save(plan.next);
        core.emitState(plan.next);
      } catch (err) {
        core.report(err);
        // Without a durable trial record a crash of the new code would go unnoticed, and
        // without a durable floor a rollback could follow: run the confirmed release.
        if (plan.startsTrial && !config.nativeBoot) plan = { ...plan, run: state.confirmed, startsTrial: false };
      }
    }
    const candidates = plan.startsTrial ? [plan.run] : [plan.run, plan.next.fallback];
    const result = (await core.firstLaunchable(candidates)) ?? core.embedded();
    if (plan.rolledBack) {
      const { releaseId, versionCode } = plan.rolledBack;
      result.rolledBack = { releaseId, versionCode };
      events.emit('rollback', { releaseId, versionCode, cause: 'crash', launchPath: result.launchPath });
    }
    if (plan.startsTrial && plan.run && result.releaseId === plan.run.releaseId) this.deadline.start(plan.run);
    events.emit('launch', result);
    return result;
  }

  private async planOwnLaunch(state: DeviceState): Promise<LaunchPlan> {
    const { maxLaunchAttempts } = this.core.config;
    const plan = planLaunch(state, maxLaunchAttempts);
    if (!plan.startsTrial || (await this.core.launchable(plan.run))) return plan;
    // The files of the release to try are gone: a pending one is dropped, a trial rolled back.
    return state.trial ? planLaunch(state, 0) : planLaunch(dropPending(state), maxLaunchAttempts);
  }

  /**
   * nativeBoot: native code already applied the rule; the loaded state holds its result.
   * adopt: the platform already switched to the release the state names (Capacitor's
   * WebView reloaded into the trial this process started).
   */
  private async adoptNativePlan(state: DeviceState): Promise<LaunchPlan> {
    const rollbacks = await this.core.states.rollbacksAtBoot();
    return {
      next: state, // load() already folded native's rollbacks in and emptied the pointer's list
      run: state.trial ?? state.confirmed,
      startsTrial: state.trial !== null,
      rolledBack: rollbacks[rollbacks.length - 1] ?? null,
    };
  }
}
