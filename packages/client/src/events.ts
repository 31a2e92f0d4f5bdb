import type { UpdraftError } from '@updraft/protocol';
import type { ClientStatus, LaunchResult, ReleaseSummary } from './types.js';

/** What a sync cycle is doing, for an app's UI ("Checking…", "Downloading…"). */
export type SyncPhase = 'checking' | 'downloading' | 'installing' | 'idle';

export interface ProgressEvent {
  releaseId: string;
  /** Payload bytes of this release on the device so far (downloaded, resumed or reused). */
  bytes: number;
  /** Sum of the lengths of every file of the release. */
  totalBytes: number;
}

export interface RollbackEvent extends ReleaseSummary {
  /**
   * `crash`: a launch found the trial unconfirmed (the app died, hung or was killed);
   * `timeout`: notifyAppReady() did not come within readyTimeoutMs in this process.
   */
  cause: 'crash' | 'timeout';
  /** What runs now (or at the reload that follows a timeout); null = the embedded bundle. */
  launchPath: string | null;
}

export interface UpdateAvailableEvent extends ReleaseSummary {
  mandatory: boolean;
}

export interface UpdraftEvents {
  /** After every state change (install, launch transition, confirmation, rollback). */
  state: ClientStatus;
  /** Every failure the engine handled instead of throwing; `error.reason` is a reason code. */
  error: UpdraftError;
  /** Bytes of the release being installed, as they arrive. */
  progress: ProgressEvent;
  phase: SyncPhase;
  /** A release was rolled back; after a `timeout` the app should reload (bindings do it). */
  rollback: RollbackEvent;
  /** A sync or checkForUpdate() found a release to install. */
  'update-available': UpdateAvailableEvent;
  /** launch() decided what this app start runs (telemetry counts launches per release). */
  launch: LaunchResult;
}

export type Listener<K extends keyof UpdraftEvents> = (payload: UpdraftEvents[K]) => void;

type ListenerSets = { [K in keyof UpdraftEvents]: Set<Listener<K>> };

export class Emitter {
  private readonly listeners: ListenerSets = {
    state: new Set(),
    error: new Set(),
    progress: new Set(),
    phase: new Set(),
    rollback: new Set(),
    'update-available': new Set(),
    launch: new Set(),
  };

  /** Returns a function that removes the listener. */
  on<K extends keyof UpdraftEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof UpdraftEvents>(event: K, payload: UpdraftEvents[K]): void {
    for (const listener of this.listeners[event] as Set<Listener<K>>) {
      try {
        listener(payload);
      } catch {
        // An app's listener must not break an update cycle or a launch.
      }
    }
  }
}
