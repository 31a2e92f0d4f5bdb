import { UpdraftError, type DeviceTarget } from '@updraft/protocol';
import type { CheckContext } from './check.js';
import { resolveConfig, type ResolvedConfig, type UpdraftClientConfig } from '../config.js';
import { defaultRandomSource, newDeviceId } from '../state/device-id.js';
import { Emitter, type SyncPhase } from '../events.js';
import { guardHasher, guardStorage, guardTransport, toUpdraftError } from './guard.js';
import { Lock } from '../state/lock.js';
import type { BrotliDecoder, Clock, Hasher, Storage, Timers, Transport, UpdraftPorts } from '../ports/ports.js';
import type { TrustedSet } from './refresh.js';
import type { DeviceState, InstalledRelease } from '../state/state.js';
import { StateStore } from '../state/state-store.js';
import { launchFile, toStatus } from './status.js';
import { defaultTimers } from '../ports/timers.js';
import { TrustedMetadata } from './trusted-metadata.js';
import type { LaunchResult } from '../types.js';

/**
 * What the sync cycle and the launcher share: the resolved config, the guarded ports, the
 * device state, the lock that serialises state transitions and the event emitter, with the
 * small helpers both sides use. One per UpdraftClient.
 */
export class ClientCore {
  readonly config: ResolvedConfig;
  readonly transport: Transport;
  readonly storage: Storage;
  readonly hasher: Hasher;
  readonly clock: Clock;
  readonly brotli: BrotliDecoder | undefined;
  readonly states: StateStore;
  readonly trusted: TrustedMetadata;
  readonly lock = new Lock();
  readonly events = new Emitter();
  readonly timers: Timers | null;
  /** The metadata this process verified last; see RefreshContext.memo. */
  private readonly verified: { set: TrustedSet | null } = { set: null };

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

  checkContext(): CheckContext {
    return {
      config: this.config,
      transport: this.transport,
      trusted: this.trusted,
      clock: this.clock,
      storage: this.storage,
      timers: this.timers,
      report: (e) => this.events.emit('error', e),
      verified: this.verified,
    };
  }

  deviceTarget(state: DeviceState): DeviceTarget {
    const { appId, platform, runtimeVersion, channel, attributes } = this.config;
    return { appId, platform, runtimeVersion, channel, deviceId: state.deviceId, attributes };
  }

  launchOf(release: InstalledRelease): LaunchResult {
    return {
      launchPath: this.storage.resolve(launchFile(release)),
      releaseId: release.releaseId,
      versionCode: release.versionCode,
    };
  }

  /** Whether the launch file of `release` is on disk; a storage failure counts as no. */
  async launchable(release: InstalledRelease | null): Promise<boolean> {
    if (!release) return false;
    try {
      return await this.storage.exists(launchFile(release));
    } catch (err) {
      this.report(err);
      return false;
    }
  }

  /** The first of `candidates` whose files are on disk, as what to launch; null if none is. */
  async firstLaunchable(candidates: (InstalledRelease | null)[]): Promise<LaunchResult | null> {
    for (const release of candidates) {
      if (release && (await this.launchable(release))) return this.launchOf(release);
    }
    return null;
  }

  embedded(): LaunchResult {
    return { launchPath: this.config.embeddedLaunchPath, releaseId: null, versionCode: null };
  }

  phase(phase: SyncPhase): void {
    this.events.emit('phase', phase);
  }

  emitState(state: DeviceState): void {
    this.events.emit('state', toStatus(state));
  }

  report(err: unknown): void {
    this.events.emit('error', err instanceof UpdraftError ? err : toUpdraftError(err, 'storage'));
  }
}
