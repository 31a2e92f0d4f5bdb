import { ClientCore } from './engine/client-core.js';
import type { UpdraftClientConfig } from './config.js';
import type { Listener, UpdraftEvents } from './events.js';
import { Launcher } from './engine/launcher.js';
import type { UpdraftPorts } from './ports/ports.js';
import { toStatus } from './engine/status.js';
import { checkForUpdate, runSyncCycle } from './engine/sync-cycle.js';
import type { ClientStatus, LaunchOptions, LaunchResult, SyncResult, UpdateCheck } from './types.js';

/**
 * The device update engine: one object per app and device folder. sync() runs the
 * verification order of docs/protocol.md §4 (sync-cycle.ts); launch() and notifyAppReady()
 * run the boot state machine (launcher.ts). None of them throws for an update problem: they
 * report it and the device keeps the bundle it runs.
 */
export class UpdraftClient {
  private readonly core: ClientCore;
  private readonly launcher: Launcher;
  private syncing: Promise<SyncResult> | null = null;

  constructor(config: UpdraftClientConfig, ports: UpdraftPorts) {
    this.core = new ClientCore(config, ports);
    this.launcher = new Launcher(this.core);
  }

  on<K extends keyof UpdraftEvents>(event: K, listener: Listener<K>): () => void {
    return this.core.events.on(event, listener);
  }

  /** One update cycle. Concurrent calls share the cycle in flight. */
  sync(): Promise<SyncResult> {
    this.syncing ??= runSyncCycle(this.core).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  /**
   * Decides what this app start runs. Call once, before loading the bundle; later calls in
   * the same process return the same answer (a second call must not mistake this launch's
   * own trial for a crashed one).
   */
  launch(options: LaunchOptions = {}): Promise<LaunchResult> {
    return this.launcher.launch(options.adopt === true);
  }

  /**
   * Verifies the repository and reports whether a release is waiting for this device,
   * without downloading or installing anything.
   */
  checkForUpdate(): Promise<UpdateCheck> {
    return checkForUpdate(this.core);
  }

  /**
   * Gives failed releases another chance: the one named, or all. Otherwise a failed
   * release stays refused until a newer release is confirmed.
   */
  clearFailed(releaseId?: string): Promise<void> {
    return this.launcher.clearFailed(releaseId);
  }

  /**
   * For platforms that restart the app without a new process (a WebView reload): the code
   * launched so far is leaving, so the boot rule is applied again for what comes next.
   * Call it only when the running release is not an unconfirmed trial (the policy runner
   * makes sure), or that trial counts as failed.
   */
  relaunch(): Promise<LaunchResult> {
    return this.launcher.relaunch();
  }

  /** The running release works: a trial becomes the confirmed release. */
  notifyAppReady(): Promise<void> {
    return this.launcher.notifyAppReady();
  }

  async status(): Promise<ClientStatus> {
    return toStatus(await this.core.states.load());
  }
}
