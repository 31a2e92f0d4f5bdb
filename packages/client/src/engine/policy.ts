import type { UpdraftClient } from '../client.js';
import type { Clock } from '../ports/ports.js';
import type { SyncResult } from '../types.js';

/**
 * When to look for updates and when to switch to them (CodePush's checkFrequency and
 * installMode, Capgo's directUpdate). Bindings feed app lifecycle events in; the runner
 * calls the client and, when the policy says "now", the platform's restart hook.
 */

/** `launch`: once after each app start; `resume`: each time the app returns to the foreground. */
export type CheckTrigger = 'launch' | 'resume' | 'manual';
/**
 * `immediate`: restart into the update as soon as it is staged; `next-launch`: at the next
 * cold start; `next-resume`: at the next return to the foreground (or cold start).
 */
export type InstallMode = 'immediate' | 'next-launch' | 'next-resume';

export interface UpdatePolicy {
  /** Default ['launch', 'resume']. 'manual' alone: only sync() calls check. */
  checkOn: CheckTrigger[];
  /** Default 'next-launch'. */
  installMode: InstallMode;
  /** For releases the channel marks mandatory. Default 'immediate'. */
  mandatoryInstallMode: InstallMode;
  /** next-resume waits until the app was in the background this long (default 0 ms). */
  minimumBackgroundMs: number;
}

export const DEFAULT_POLICY: UpdatePolicy = {
  checkOn: ['launch', 'resume'],
  installMode: 'next-launch',
  mandatoryInstallMode: 'immediate',
  minimumBackgroundMs: 0,
};

const TRIGGERS: readonly CheckTrigger[] = ['launch', 'resume', 'manual'];
const MODES: readonly InstallMode[] = ['immediate', 'next-launch', 'next-resume'];

export function resolvePolicy(policy: Partial<UpdatePolicy> = {}): UpdatePolicy {
  const out = { ...DEFAULT_POLICY, ...policy };
  if (!Array.isArray(out.checkOn) || out.checkOn.some((t) => !TRIGGERS.includes(t))) {
    throw new TypeError(`Updraft policy: checkOn must list some of ${TRIGGERS.join(', ')}`);
  }
  for (const key of ['installMode', 'mandatoryInstallMode'] as const) {
    if (!MODES.includes(out[key])) throw new TypeError(`Updraft policy: ${key} must be one of ${MODES.join(', ')}`);
  }
  if (!Number.isFinite(out.minimumBackgroundMs) || out.minimumBackgroundMs < 0) {
    throw new TypeError('Updraft policy: minimumBackgroundMs must be a non-negative number');
  }
  return out;
}

export interface PolicyHooks {
  /**
   * Restarts the app so its next launch runs the staged release (React Native: reload the
   * bundle; Capacitor: switch the WebView's base path and reload; Electron: relaunch).
   */
  restart(): void | Promise<void>;
}

export class UpdatePolicyRunner {
  readonly policy: UpdatePolicy;
  private installOnResume = false;
  /** A restart was due while a trial ran: restarting then would roll that trial back. */
  private restartAfterReady = false;
  private backgroundSince: number | null = null;

  constructor(
    private readonly client: UpdraftClient,
    private readonly hooks: PolicyHooks,
    policy: Partial<UpdatePolicy> = {},
    private readonly clock: Clock = { now: () => Date.now() },
  ) {
    this.policy = resolvePolicy(policy);
    // A trial that missed its notifyAppReady() deadline is marked failed: leave it now.
    client.on('rollback', (e) => {
      if (e.cause === 'timeout') void this.restart();
    });
  }

  /** Call once after launch(), when the app is up. */
  async onLaunch(): Promise<SyncResult | null> {
    return this.policy.checkOn.includes('launch') ? this.sync() : null;
  }

  onBackground(): void {
    this.backgroundSince = this.clock.now();
  }

  /** Call when the app returns to the foreground. */
  async onResume(): Promise<SyncResult | null> {
    const away = this.backgroundSince === null ? 0 : this.clock.now() - this.backgroundSince;
    this.backgroundSince = null;
    if (this.installOnResume && away >= this.policy.minimumBackgroundMs) {
      this.installOnResume = false;
      await this.restart();
      return null;
    }
    return this.policy.checkOn.includes('resume') ? this.sync() : null;
  }

  /** A sync now, whatever checkOn says, and the install mode applied to its result. */
  async sync(): Promise<SyncResult> {
    const result = await this.client.sync();
    if (result.status !== 'updated') return result;
    const mode = result.mandatory ? this.policy.mandatoryInstallMode : this.policy.installMode;
    if (mode === 'immediate') await this.restart();
    else if (mode === 'next-resume') this.installOnResume = true;
    return result;
  }

  /** notifyAppReady() through the runner, so an install that waited for it can restart. */
  async notifyAppReady(): Promise<void> {
    await this.client.notifyAppReady();
    if (this.restartAfterReady) {
      this.restartAfterReady = false;
      await this.restart();
    }
  }

  private async restart(): Promise<void> {
    const status = await this.client.status();
    if (status.trial) {
      this.restartAfterReady = true;
      return;
    }
    await this.hooks.restart();
  }
}
