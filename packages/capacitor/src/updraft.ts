import {
  UpdatePolicyRunner,
  UpdraftClient,
  type LaunchResult,
  type Listener,
  type SyncResult,
  type UpdateCheck,
  type UpdatePolicy,
  type UpdraftClientConfig,
  type UpdraftEvents,
} from '@updraft/client';
import { utf8Decode, utf8Encode } from '@updraft/protocol';
import { Directory } from '@capacitor/filesystem';
import type { CapacitorPlatform } from './platform.js';
import { CAPACITOR_FOLDER, CapacitorHasher, CapacitorStorage, CapacitorTransport } from './ports.js';

export interface CapacitorUpdraftOptions extends Omit<UpdraftClientConfig, 'trustedRoot' | 'nativeBoot' | 'embedded'> {
  /** The root.json shipped with the app (its text or bytes). */
  trustedRoot: string | Uint8Array;
  policy?: Partial<UpdatePolicy>;
}

/** Where the WebView's default (embedded) bundle lives, remembered from the first start. */
const EMBEDDED_BASE_PATH = 'embedded-base.txt';

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/**
 * The Capacitor face of the engine. Releases are web folders with index.html at their root
 * (publish with --launch index.html); running one = pointing the WebView's server base
 * path at its folder.
 *
 * Crash safety: only a *confirmed* release is persisted (persistServerBasePath) as the
 * cold-start bundle. A trial is switched to for this process only; if it crashes, hangs or
 * is killed, the next cold start loads the confirmed bundle, whose start() rolls the trial
 * back. The WebView reload into the trial runs start() again in the trial's own JS
 * context, which adopts the trial instead of counting a second launch.
 */
export class CapacitorUpdraft {
  readonly client: UpdraftClient;
  readonly runner: UpdatePolicyRunner;
  private readonly storage: CapacitorStorage;

  private constructor(
    private readonly platform: CapacitorPlatform,
    storage: CapacitorStorage,
    client: UpdraftClient,
    policy: Partial<UpdatePolicy> | undefined,
  ) {
    this.storage = storage;
    this.client = client;
    this.runner = new UpdatePolicyRunner(client, { restart: () => this.switchToLaunch() }, policy);
  }

  static async create(options: CapacitorUpdraftOptions, platform: CapacitorPlatform): Promise<CapacitorUpdraft> {
    const { policy, trustedRoot, ...config } = options;
    const { uri } = await platform.filesystem.getUri({ path: CAPACITOR_FOLDER, directory: Directory.Data });
    const storage = new CapacitorStorage(platform.filesystem, uri.replace(/^file:\/\//, ''));
    const subtle = platform.subtle !== undefined ? platform.subtle : (globalThis.crypto?.subtle ?? null);
    const client = new UpdraftClient(
      { ...config, trustedRoot: typeof trustedRoot === 'string' ? utf8Encode(trustedRoot) : trustedRoot },
      {
        storage,
        hasher: new CapacitorHasher(platform.filesystem, storage, subtle),
        transport: new CapacitorTransport(
          platform.filesystem,
          storage,
          platform.fetch ?? globalThis.fetch.bind(globalThis),
        ),
      },
    );
    return new CapacitorUpdraft(platform, storage, client, policy);
  }

  /**
   * Call once when the app's JavaScript starts. Applies the boot rule, switches the WebView
   * to the bundle it chose (which reloads the page; start() then runs again there), and
   * applies the update policy. Returns what runs.
   */
  async start(): Promise<LaunchResult> {
    const current = (await this.platform.webView.getServerBasePath()).path;
    if (!current.startsWith(`${this.storage.rootDir}/`))
      await this.storage.writeFileAtomic(EMBEDDED_BASE_PATH, utf8Encode(current));
    const status = await this.client.status();
    const runningTrial =
      status.trial !== null && current === this.storage.resolve(`releases/${status.trial.releaseId}`);
    const launch = await this.client.launch(runningTrial ? { adopt: true } : {});
    if (await this.switchTo(launch, current)) return launch; // the page reloads into it
    await this.runner.onLaunch();
    return launch;
  }

  /** The app works: confirm the trial and make it the cold-start bundle. */
  async notifyAppReady(): Promise<void> {
    const before = await this.client.status();
    await this.runner.notifyAppReady();
    const after = await this.client.status();
    if (before.trial && after.confirmed?.releaseId === before.trial.releaseId) {
      await this.platform.webView.persistServerBasePath();
    }
  }

  onResume(): Promise<SyncResult | null> {
    return this.runner.onResume();
  }

  onPause(): void {
    this.runner.onBackground();
  }

  sync(): Promise<SyncResult> {
    return this.runner.sync();
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

  /** Restart hook of the policy runner: the boot rule again, and the WebView reloads into its choice. */
  private async switchToLaunch(): Promise<void> {
    const next = await this.client.relaunch();
    await this.switchTo(next, (await this.platform.webView.getServerBasePath()).path, true);
  }

  /** true when the WebView was pointed elsewhere (and reloads). */
  private async switchTo(launch: LaunchResult, current: string, force = false): Promise<boolean> {
    const target = launch.launchPath ? folderOf(launch.launchPath) : await this.embeddedBase();
    if (target === null || (target === current && !force)) return false;
    await this.platform.webView.setServerBasePath({ path: target });
    // Only a confirmed release (or the embedded bundle) becomes the cold-start default.
    if (!launch.releaseId || (await this.client.status()).confirmed?.releaseId === launch.releaseId) {
      await this.platform.webView.persistServerBasePath();
    }
    return true;
  }

  private async embeddedBase(): Promise<string | null> {
    const bytes = await this.storage.readFile(EMBEDDED_BASE_PATH);
    return bytes ? utf8Decode(bytes) : null;
  }
}
