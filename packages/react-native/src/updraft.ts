import type { BlobUtil } from 'react-native-blob-util';
import {
  UpdatePolicyRunner,
  UpdraftClient,
  type ClientStatus,
  type Listener,
  type ProgressEvent,
  type SyncPhase,
  type SyncResult,
  type UpdateCheck,
  type UpdatePolicy,
  type UpdraftClientConfig,
  type UpdraftEvents,
} from '@updraft/client';
import { utf8Encode } from '@updraft/protocol';
import type { UpdraftNativeModule } from './native-module.js';
import { BlobUtilHasher, BlobUtilStorage, BlobUtilTransport } from './ports.js';

/** The folder under the app's documents the native boot glue reads (keep in step with ios/, android/). */
export const UPDRAFT_FOLDER = 'updraft';

export interface UpdraftOptions extends Omit<UpdraftClientConfig, 'trustedRoot' | 'nativeBoot' | 'platform'> {
  /** The root.json shipped with the app (its text or bytes). */
  trustedRoot: string | Uint8Array;
  /** 'ios' or 'android', as published. */
  platform: string;
  policy?: Partial<UpdatePolicy>;
}

export interface UpdraftPlatform {
  blob: BlobUtil;
  native: UpdraftNativeModule;
  /** Where the app's lifecycle comes from (react-native's AppState). */
  appState?: { addEventListener(type: 'change', cb: (s: string) => void): { remove(): void } };
}

/** What useUpdraft() renders from. */
export interface UpdraftSnapshot {
  status: ClientStatus | null;
  phase: SyncPhase;
  progress: ProgressEvent | null;
  lastSync: SyncResult | null;
  lastError: { reason: string; message: string } | null;
}

/**
 * The React Native face of the engine. The native boot glue has already chosen the bundle
 * when this runs (nativeBoot); start() adopts its decision, arms the notifyAppReady()
 * deadline and applies the update policy.
 */
export class Updraft {
  readonly client: UpdraftClient;
  readonly runner: UpdatePolicyRunner;
  private snapshot: UpdraftSnapshot = { status: null, phase: 'idle', progress: null, lastSync: null, lastError: null };
  private readonly subscribers = new Set<() => void>();
  private appStateSub: { remove(): void } | null = null;

  constructor(
    options: UpdraftOptions,
    private readonly platform: UpdraftPlatform,
  ) {
    const { policy, trustedRoot, ...config } = options;
    const dir = `${platform.blob.fs.dirs.DocumentDir}/${UPDRAFT_FOLDER}`;
    this.client = new UpdraftClient(
      {
        ...config,
        trustedRoot: typeof trustedRoot === 'string' ? utf8Encode(trustedRoot) : trustedRoot,
        nativeBoot: true,
      },
      {
        storage: new BlobUtilStorage(platform.blob, platform.native, dir),
        transport: new BlobUtilTransport(platform.blob, platform.native),
        hasher: new BlobUtilHasher(platform.blob),
      },
    );
    this.runner = new UpdatePolicyRunner(this.client, { restart: () => platform.native.restart() }, policy);
    this.client.on('state', (status) => this.update({ status }));
    this.client.on('phase', (phase) => this.update(phase === 'idle' ? { phase, progress: null } : { phase }));
    this.client.on('progress', (progress) => this.update({ progress }));
    this.client.on('error', (e) => this.update({ lastError: { reason: e.reason, message: e.message } }));
  }

  /** Call once at app start (index.js), before rendering. */
  async start(): Promise<void> {
    await this.client.launch();
    this.update({ status: await this.client.status() });
    this.appStateSub ??=
      this.platform.appState?.addEventListener('change', (s) => {
        if (s === 'active') void this.runner.onResume().then((r) => r && this.update({ lastSync: r }));
        else if (s === 'background') this.runner.onBackground();
      }) ?? null;
    const result = await this.runner.onLaunch();
    if (result) this.update({ lastSync: result });
  }

  /** The app works: confirm the running release (call after the first screen rendered). */
  notifyAppReady(): Promise<void> {
    return this.runner.notifyAppReady();
  }

  async sync(): Promise<SyncResult> {
    const result = await this.runner.sync();
    this.update({ lastSync: result });
    return result;
  }

  checkForUpdate(): Promise<UpdateCheck> {
    return this.client.checkForUpdate();
  }

  clearFailed(releaseId?: string): Promise<void> {
    return this.client.clearFailed(releaseId);
  }

  on<K extends keyof UpdraftEvents>(event: K, listener: Listener<K>): () => void {
    return this.client.on(event, listener);
  }

  /** For useSyncExternalStore. */
  subscribe = (onChange: () => void): (() => void) => {
    this.subscribers.add(onChange);
    return () => this.subscribers.delete(onChange);
  };

  getSnapshot = (): UpdraftSnapshot => this.snapshot;

  stop(): void {
    this.appStateSub?.remove();
    this.appStateSub = null;
  }

  private update(change: Partial<UpdraftSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const s of this.subscribers) s();
  }
}
