import {
  checkUrlAllowed,
  repositoryBaseUrl,
  UpdraftError,
  type ChosenRelease,
  type DeviceTarget,
  type ReleaseManifest,
} from '@updraft/protocol';
import { planLaunch, planReady, dropPending } from './boot.js';
import { resolveConfig, type ResolvedConfig, type UpdraftClientConfig } from './config.js';
import { defaultRandomSource, newDeviceId } from './device-id.js';
import { Emitter, type Listener, type UpdraftEvents } from './events.js';
import { collectGarbage } from './gc.js';
import { guardHasher, guardStorage, guardTransport, toUpdraftError } from './guard.js';
import { MANIFESTS_DIR, RELEASES_DIR, STAGING_DIR, manifestFile, releaseDir } from './layout.js';
import { Lock } from './lock.js';
import type { BrotliDecoder, Clock, Hasher, Storage, Transport, UpdraftPorts } from './ports.js';
import { refreshMetadata } from './refresh.js';
import { Repository } from './repository.js';
import { decide, selectRelease } from './select.js';
import { fetchManifest, stageRelease, type StageContext } from './stage.js';
import { referencedReleases, type DeviceState, type InstalledRelease } from './state.js';
import { StateStore } from './state-store.js';
import { TrustedMetadata } from './trusted-metadata.js';
import { checkReleasesLogged } from './transparency.js';
import type { ClientStatus, DeltaSummary, LaunchResult, ReleaseSummary, SyncResult } from './types.js';

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
  private syncing: Promise<SyncResult> | null = null;
  private launched: Promise<LaunchResult> | null = null;

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
    this.states = new StateStore(this.storage, () => newDeviceId(random!), this.config.deviceId);
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
  launch(): Promise<LaunchResult> {
    this.launched ??= this.lock.run(() => this.runLaunch());
    return this.launched;
  }

  /** The running release works: a trial becomes the confirmed release. */
  notifyAppReady(): Promise<void> {
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
      checkUrlAllowed(this.config.server, this.config.allowInsecureLocalhost);
      const repo = new Repository(
        this.transport,
        repositoryBaseUrl(this.config.server, this.config.appId),
        this.config.timeoutMs,
      );
      state = await this.lock.run(async () => {
        const current = await this.states.load();
        // Here rather than in launch(), which must stay fast: the folder of a release that
        // failed its trial, and anything an interrupted cycle left behind.
        await collectGarbage(this.storage, current).catch(() => undefined);
        return current;
      });
      // Only this cycle uses staging/, so whatever is there was left by a cycle the app died in.
      await this.storage.remove(STAGING_DIR);
      const set = await refreshMetadata({
        repo,
        trusted: this.trusted,
        shippedRoot: this.config.trustedRoot,
        now: () => this.clock.now(),
      });
      const decision = decide(selectRelease(set, this.deviceTarget(state)), state);
      if (decision.kind === 'failed-before') {
        const { releaseId } = decision.chosen.release;
        return this.upToDate(
          state,
          counter,
          `release ${releaseId} failed on this device before; it is not downloaded again`,
        );
      }
      if (decision.kind !== 'install') return this.upToDate(state, counter);
      await checkReleasesLogged({
        repo,
        storage: this.storage,
        appId: this.config.appId,
        set,
        policy: this.config.transparency,
        report: (e) => this.events.emit('error', e),
      });

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
      };
      const { manifest, bytes } = await fetchManifest(ctx, decision.chosen);
      const staging = await stageRelease(ctx, manifest, referencedReleases(state));
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

  private async runLaunch(): Promise<LaunchResult> {
    let state: DeviceState;
    try {
      state = await this.states.load();
    } catch (err) {
      this.report(err);
      return this.embedded();
    }
    let plan = planLaunch(state);
    if (plan.startsTrial && !(await this.launchable(plan.run))) plan = planLaunch(dropPending(state));
    if (plan.next !== state) {
      try {
        await this.states.save(plan.next);
        this.emitState(plan.next);
      } catch (err) {
        this.report(err);
        // Without a durable trial record a crash of the new code would go unnoticed, and
        // without a durable floor a rollback could follow: run the confirmed release.
        if (plan.startsTrial) plan = { ...plan, run: state.confirmed, startsTrial: false };
      }
    }
    const candidates = plan.startsTrial ? [plan.run] : [plan.run, state.fallback];
    let result: LaunchResult | null = null;
    for (const release of candidates) {
      if (release && (await this.launchable(release))) {
        result = {
          launchPath: this.storage.resolve(launchFile(release)),
          releaseId: release.releaseId,
          versionCode: release.versionCode,
        };
        break;
      }
    }
    result ??= this.embedded();
    if (plan.rolledBack) {
      result.rolledBack = { releaseId: plan.rolledBack.releaseId, versionCode: plan.rolledBack.versionCode };
    }
    return result;
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
    const { appId, platform, runtimeVersion, channel } = this.config;
    return { appId, platform, runtimeVersion, channel, deviceId: state.deviceId };
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

  private emitState(state: DeviceState): void {
    this.events.emit('state', toStatus(state));
  }

  private report(err: unknown): void {
    this.events.emit('error', err instanceof UpdraftError ? err : toUpdraftError(err, 'storage'));
  }
}

function launchFile(release: InstalledRelease): string {
  return `${releaseDir(release.releaseId)}/${release.launch}`;
}

function newestHeld(state: DeviceState | null): InstalledRelease | null {
  return state ? (state.pending ?? state.trial ?? state.confirmed) : null;
}

function summary(r: { releaseId: string; versionCode: number } | null): ReleaseSummary | null {
  return r ? { releaseId: r.releaseId, versionCode: r.versionCode } : null;
}

function toStatus(state: DeviceState): ClientStatus {
  return {
    confirmed: summary(state.confirmed),
    pending: summary(state.pending),
    trial: summary(state.trial),
    fallback: summary(state.fallback),
    failed: state.failed.map((f) => ({ releaseId: f.releaseId, versionCode: f.versionCode })),
  };
}
