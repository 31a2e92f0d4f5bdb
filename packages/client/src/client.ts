import { UpdraftError, type ChosenRelease, type DeviceTarget, type ReleaseManifest } from '@updraft/protocol';
import { planClearFailed, planLaunch, planReady, planTimeoutRollback, dropPending, type LaunchPlan } from './boot.js';
import { checkRepository, type CheckContext } from './check.js';
import { resolveConfig, type ResolvedConfig, type UpdraftClientConfig } from './config.js';
import { defaultRandomSource, newDeviceId } from './device-id.js';
import { Emitter, type Listener, type SyncPhase, type UpdraftEvents } from './events.js';
import { collectGarbage } from './gc.js';
import { guardHasher, guardStorage, guardTransport, toUpdraftError } from './guard.js';
import { DOWNLOADS_DIR, MANIFESTS_DIR, RELEASES_DIR, STAGING_DIR, manifestFile, releaseDir } from './layout.js';
import { Lock } from './lock.js';
import type { BrotliDecoder, Clock, Hasher, Storage, Timers, Transport, UpdraftPorts } from './ports.js';
import { decide } from './select.js';
import { fetchManifest, stageRelease, type StageContext } from './stage.js';
import { referencedReleases, type DeviceState, type InstalledRelease } from './state.js';
import { launchFile, newestHeld, toStatus } from './status.js';
import type { TrustedSet } from './refresh.js';
import { StateStore } from './state-store.js';
import { defaultTimers } from './timers.js';
import { TrustedMetadata } from './trusted-metadata.js';
import type { ClientStatus, DeltaSummary, LaunchOptions, LaunchResult, SyncResult, UpdateCheck } from './types.js';

/**
 * The device update engine: one object per app and device folder. sync() runs the
 * verification order of docs/protocol.md §4; launch() and notifyAppReady() run the boot
 * state machine. None of them throws for an update problem: they report it and the
 * device keeps the bundle it runs.
 */
export class UpdraftClient {
  private readonly config: ResolvedConfig;
  private readonly transport: Transport;
  private readonly storage: Storage;
  private readonly hasher: Hasher;
  private readonly clock: Clock;
  private readonly brotli: BrotliDecoder | undefined;
  private readonly states: StateStore;
  private readonly trusted: TrustedMetadata;
  private readonly lock = new Lock();
  private readonly events = new Emitter();
  private readonly timers: Timers | null;
  private syncing: Promise<SyncResult> | null = null;
  /** The metadata this process verified last; see RefreshContext.memo. */
  private readonly verified: { set: TrustedSet | null } = { set: null };
  private launched: Promise<LaunchResult> | null = null;
  private cancelReadyDeadline: (() => void) | null = null;

  constructor(config: UpdraftClientConfig, ports: UpdraftPorts) {
    this.config = resolveConfig(config);
    this.transport = guardTransport(ports.transport);
    this.storage = guardStorage(ports.storage);
    this.hasher = guardHasher(ports.hasher);
    this.clock = ports.clock ?? { now: () => Date.now() };
    this.brotli = ports.brotli;
    const random = ports.random ?? defaultRandomSource();
    if (!random && this.config.deviceId === null) {
      throw new TypeError(
        'Updraft: this platform has no crypto.getRandomValues; pass config.deviceId or a random port',
      );
    }
    this.timers = ports.timers ?? defaultTimers();
    const pointer = this.config.nativeBoot ? { maxLaunchAttempts: this.config.maxLaunchAttempts } : null;
    this.states = new StateStore(this.storage, () => newDeviceId(random!), this.config.deviceId, pointer);
    this.trusted = new TrustedMetadata(this.storage);
  }

  on<K extends keyof UpdraftEvents>(event: K, listener: Listener<K>): () => void {
    return this.events.on(event, listener);
  }

  /** One update cycle. Concurrent calls share the cycle in flight. */
  sync(): Promise<SyncResult> {
    this.syncing ??= this.runSync().finally(() => {
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
    this.launched ??= this.lock.run(() => this.runLaunch(options.adopt === true));
    return this.launched;
  }

  /**
   * Verifies the repository and reports whether a release is waiting for this device,
   * without downloading or installing anything.
   */
  async checkForUpdate(): Promise<UpdateCheck> {
    try {
      const state = await this.lock.run(() => this.states.load());
      const { decision } = await checkRepository(this.checkContext(), state, this.deviceTarget(state));
      if (decision.kind !== 'install') {
        const failed = decision.kind === 'failed-before' ? { failedBefore: decision.chosen.release.releaseId } : {};
        return { available: false, ...failed };
      }
      const { releaseId, versionCode } = decision.chosen.release;
      const update = { releaseId, versionCode, mandatory: decision.chosen.pointer.mandatory };
      this.events.emit('update-available', update);
      return { available: true, ...update };
    } catch (err) {
      const error = toUpdraftError(err, 'storage');
      this.events.emit('error', error);
      return { available: false, reason: error.reason, message: error.message };
    }
  }

  /**
   * Gives failed releases another chance: the one named, or all. Otherwise a failed
   * release stays refused until a newer release is confirmed.
   */
  clearFailed(releaseId?: string): Promise<void> {
    return this.lock.run(async () => {
      const next = planClearFailed(await this.states.load(), releaseId);
      if (!next) return;
      await this.states.save(next);
      this.emitState(next);
    });
  }

  /**
   * For platforms that restart the app without a new process (a WebView reload): the code
   * launched so far is leaving, so the boot rule is applied again for what comes next.
   * Call it only when the running release is not an unconfirmed trial (the policy runner
   * makes sure), or that trial counts as failed.
   */
  relaunch(): Promise<LaunchResult> {
    this.cancelReadyDeadline?.();
    this.cancelReadyDeadline = null;
    this.launched = null;
    return this.launch();
  }

  /** The running release works: a trial becomes the confirmed release. */
  notifyAppReady(): Promise<void> {
    this.cancelReadyDeadline?.();
    this.cancelReadyDeadline = null;
    return this.lock.run(async () => {
      try {
        const next = planReady(await this.states.load());
        if (!next) return;
        await this.states.save(next);
        this.emitState(next);
        await collectGarbage(this.storage, next).catch(() => undefined);
      } catch (err) {
        this.report(err);
      }
    });
  }

  async status(): Promise<ClientStatus> {
    return toStatus(await this.states.load());
  }

  private async runSync(): Promise<SyncResult> {
    const counter = { bytesDownloaded: 0 };
    let state: DeviceState | null = null;
    try {
      this.phase('checking');
      state = await this.lock.run(async () => {
        const current = await this.states.load();
        // Here rather than in launch(), which must stay fast: the folder of a release that
        // failed its trial, and anything an interrupted cycle left behind.
        await collectGarbage(this.storage, current).catch(() => undefined);
        return current;
      });
      // Only this cycle uses staging/, so whatever is there was left by a cycle the app died in.
      await this.storage.remove(STAGING_DIR);
      const { repo, decision } = await checkRepository(this.checkContext(), state, this.deviceTarget(state));
      if (decision.kind !== 'install') await this.storage.remove(DOWNLOADS_DIR);
      if (decision.kind === 'failed-before') {
        const { releaseId } = decision.chosen.release;
        return this.upToDate(
          state,
          counter,
          `release ${releaseId} failed on this device before; it is not downloaded again (clearFailed() allows it)`,
        );
      }
      if (decision.kind !== 'install') return this.upToDate(state, counter);
      const { releaseId, versionCode } = decision.chosen.release;
      this.events.emit('update-available', { releaseId, versionCode, mandatory: decision.chosen.pointer.mandatory });

      this.phase('downloading');
      const delta: DeltaSummary = { filesReused: 0, filesPatched: 0, filesDownloaded: 0, patchFailures: [] };
      const ctx: StageContext = {
        repo,
        storage: this.storage,
        hasher: this.hasher,
        counter,
        embedded: this.config.embeddedFiles,
        delta,
        // A failed patch costs only bytes (the full file follows), but the app should know.
        onPatchFailure: (f) =>
          this.events.emit(
            'error',
            new UpdraftError(f.reason, `patch for ${f.path} failed, downloading it in full: ${f.message}`),
          ),
        ...(this.brotli ? { brotli: this.brotli } : {}),
        concurrency: this.config.downloadConcurrency,
        onProgress: (bytes, totalBytes) => this.events.emit('progress', { releaseId, bytes, totalBytes }),
      };
      const { manifest, bytes } = await fetchManifest(ctx, decision.chosen);
      const staging = await stageRelease(ctx, manifest, referencedReleases(state));
      this.phase('installing');
      const installed = await this.commit(decision.chosen, manifest, bytes, staging);
      state = installed.state;
      if (!installed.release) return this.upToDate(state, counter);
      return {
        status: 'updated',
        release: installed.release.releaseId,
        versionCode: installed.release.versionCode,
        bytesDownloaded: counter.bytesDownloaded,
        mandatory: decision.chosen.pointer.mandatory,
        delta,
      };
    } catch (err) {
      const error = toUpdraftError(err, 'storage');
      this.events.emit('error', error);
      const held = newestHeld(state ?? (await this.states.load().catch(() => null)));
      return {
        status: error.reason === 'network' || error.reason === 'storage' ? 'failed' : 'rejected',
        release: held?.releaseId ?? null,
        versionCode: held?.versionCode ?? null,
        bytesDownloaded: counter.bytesDownloaded,
        reason: error.reason,
        message: error.message,
      };
    } finally {
      this.phase('idle');
    }
  }

  /**
   * Moves a fully verified staging folder into place and records it as pending. Under the
   * lock, and re-decided on the current state: a launch or confirmation may have happened
   * while the files were downloading.
   */
  private commit(
    chosen: ChosenRelease,
    manifest: ReleaseManifest,
    manifestBytes: Uint8Array,
    staging: string,
  ): Promise<{ state: DeviceState; release: InstalledRelease | null }> {
    return this.lock.run(async () => {
      const id = manifest.releaseId;
      let state: DeviceState;
      try {
        state = await this.states.load();
        const decision = decide(chosen, state);
        if (decision.kind !== 'install' || referencedReleases(state).some((r) => r.releaseId === id)) {
          await this.storage.remove(staging);
          return { state, release: null };
        }
      } catch (err) {
        await this.storage.remove(staging).catch(() => undefined);
        throw err;
      }
      const release: InstalledRelease = {
        releaseId: id,
        versionCode: manifest.versionCode,
        epoch: manifest.epoch,
        launch: manifest.launch,
      };
      let next: DeviceState;
      try {
        await this.storage.mkdirp(MANIFESTS_DIR);
        await this.storage.writeFileAtomic(manifestFile(id), manifestBytes);
        await this.storage.mkdirp(RELEASES_DIR);
        await this.storage.remove(releaseDir(id)); // unreferenced leftover of an interrupted cycle
        await this.storage.rename(staging, releaseDir(id));
        next = await this.states.save({ ...state, pending: release });
      } catch (err) {
        // The state does not name this release, so nothing may keep a half-installed copy.
        await this.storage.remove(staging).catch(() => undefined);
        await this.storage.remove(releaseDir(id)).catch(() => undefined);
        await this.storage.remove(manifestFile(id)).catch(() => undefined);
        throw err;
      }
      this.emitState(next);
      await collectGarbage(this.storage, next).catch(() => undefined);
      return { state: next, release };
    });
  }

  private async runLaunch(adopt: boolean): Promise<LaunchResult> {
    let state: DeviceState;
    try {
      state = await this.states.load();
    } catch (err) {
      this.report(err);
      return this.embedded();
    }
    let plan = this.config.nativeBoot || adopt ? await this.adoptNativePlan(state) : await this.planOwnLaunch(state);
    if (plan.next !== state) {
      try {
        await this.states.save(plan.next);
        this.emitState(plan.next);
      } catch (err) {
        this.report(err);
        // Without a durable trial record a crash of the new code would go unnoticed, and
        // without a durable floor a rollback could follow: run the confirmed release.
        if (plan.startsTrial && !this.config.nativeBoot) plan = { ...plan, run: state.confirmed, startsTrial: false };
      }
    }
    const candidates = plan.startsTrial ? [plan.run] : [plan.run, plan.next.fallback];
    let result: LaunchResult | null = null;
    for (const release of candidates) {
      if (release && (await this.launchable(release))) {
        result = this.launchOf(release);
        break;
      }
    }
    result ??= this.embedded();
    if (plan.rolledBack) {
      const { releaseId, versionCode } = plan.rolledBack;
      result.rolledBack = { releaseId, versionCode };
      this.events.emit('rollback', { releaseId, versionCode, cause: 'crash', launchPath: result.launchPath });
    }
    if (plan.startsTrial && plan.run && result.releaseId === plan.run.releaseId) this.startReadyDeadline(plan.run);
    this.events.emit('launch', result);
    return result;
  }

  private async planOwnLaunch(state: DeviceState): Promise<LaunchPlan> {
    const plan = planLaunch(state, this.config.maxLaunchAttempts);
    if (!plan.startsTrial || (await this.launchable(plan.run))) return plan;
    // The files of the release to try are gone: a pending one is dropped, a trial rolled back.
    return state.trial ? planLaunch(state, 0) : planLaunch(dropPending(state), this.config.maxLaunchAttempts);
  }

  /**
   * nativeBoot: native code already applied the rule; the loaded state holds its result.
   * adopt: the platform already switched to the release the state names (Capacitor's
   * WebView reloaded into the trial this process started).
   */
  private async adoptNativePlan(state: DeviceState): Promise<LaunchPlan> {
    const rollbacks = await this.states.rollbacksAtBoot();
    return {
      next: state, // load() already folded native's rollbacks in and emptied the pointer's list
      run: state.trial ?? state.confirmed,
      startsTrial: state.trial !== null,
      rolledBack: rollbacks[rollbacks.length - 1] ?? null,
    };
  }

  /** notifyAppReady() must come within readyTimeoutMs of a trial launch, or the trial fails now. */
  private startReadyDeadline(trial: InstalledRelease): void {
    if (this.config.readyTimeoutMs === 0 || !this.timers) return;
    this.cancelReadyDeadline = this.timers.setTimeout(() => {
      this.cancelReadyDeadline = null;
      void this.expireTrial(trial.releaseId);
    }, this.config.readyTimeoutMs);
  }

  private expireTrial(releaseId: string): Promise<void> {
    return this.lock.run(async () => {
      try {
        const planned = planTimeoutRollback(await this.states.load(), releaseId);
        if (!planned) return;
        await this.states.save(planned.next);
        this.emitState(planned.next);
        let launchPath = this.config.embeddedLaunchPath;
        for (const r of [planned.next.confirmed, planned.next.fallback]) {
          if (r && (await this.launchable(r))) {
            launchPath = this.launchOf(r).launchPath;
            break;
          }
        }
        const { versionCode } = planned.rolledBack;
        this.events.emit('rollback', { releaseId, versionCode, cause: 'timeout', launchPath });
      } catch (err) {
        this.report(err);
      }
    });
  }

  private launchOf(release: InstalledRelease): LaunchResult {
    return {
      launchPath: this.storage.resolve(launchFile(release)),
      releaseId: release.releaseId,
      versionCode: release.versionCode,
    };
  }

  private async launchable(release: InstalledRelease | null): Promise<boolean> {
    if (!release) return false;
    try {
      return await this.storage.exists(launchFile(release));
    } catch (err) {
      this.report(err);
      return false;
    }
  }

  private embedded(): LaunchResult {
    return { launchPath: this.config.embeddedLaunchPath, releaseId: null, versionCode: null };
  }

  private deviceTarget(state: DeviceState): DeviceTarget {
    const { appId, platform, runtimeVersion, channel, attributes } = this.config;
    return { appId, platform, runtimeVersion, channel, deviceId: state.deviceId, attributes };
  }

  private upToDate(state: DeviceState, counter: { bytesDownloaded: number }, message?: string): SyncResult {
    const held = newestHeld(state);
    const result: SyncResult = {
      status: 'up-to-date',
      release: held?.releaseId ?? null,
      versionCode: held?.versionCode ?? null,
      bytesDownloaded: counter.bytesDownloaded,
    };
    if (message !== undefined) result.message = message;
    return result;
  }

  private checkContext(): CheckContext {
    return {
      config: this.config,
      transport: this.transport,
      trusted: this.trusted,
      clock: this.clock,
      storage: this.storage,
      report: (e) => this.events.emit('error', e),
      verified: this.verified,
    };
  }

  private phase(phase: SyncPhase): void {
    this.events.emit('phase', phase);
  }

  private emitState(state: DeviceState): void {
    this.events.emit('state', toStatus(state));
  }

  private report(err: unknown): void {
    this.events.emit('error', err instanceof UpdraftError ? err : toUpdraftError(err, 'storage'));
  }
}
