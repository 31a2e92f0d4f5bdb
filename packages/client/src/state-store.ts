import { serializeState, parseState, emptyState, type DeviceState } from './state.js';
import type { Storage } from './ports.js';

export const STATE_PATH = 'state.json';
export const STATE_BACKUP_PATH = 'state.json.bak';

/**
 * The state document on disk, with a backup copy: atomic writes protect against a torn
 * write, the backup against a file the platform damaged anyway (a full disk, a bad flash
 * page, a user clearing one file). Only this class touches state.json.
 */
export class StateStore {
  private cached: DeviceState | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly newDeviceId: () => string,
    private readonly fixedDeviceId: string | null,
  ) {}

  async load(): Promise<DeviceState> {
    if (this.cached) return this.cached;
    const state = (await this.read(STATE_PATH)) ?? (await this.read(STATE_BACKUP_PATH));
    if (state) {
      if (this.fixedDeviceId !== null && state.deviceId !== this.fixedDeviceId) {
        return this.save({ ...state, deviceId: this.fixedDeviceId });
      }
      this.cached = state;
      return state;
    }
    // Saved at once so the rollout identity stays the same from the very first sync on.
    return this.save(emptyState(this.fixedDeviceId ?? this.newDeviceId()));
  }

  async save(state: DeviceState): Promise<DeviceState> {
    const bytes = serializeState(state);
    await this.storage.writeFileAtomic(STATE_PATH, bytes);
    this.cached = state;
    // The backup is written second: a crash between the two leaves a valid, newer main copy.
    // Its failure is not the caller's failure: the main copy, the authority, is written.
    await this.storage.writeFileAtomic(STATE_BACKUP_PATH, bytes).catch(() => undefined);
    return state;
  }

  private async read(path: string): Promise<DeviceState | null> {
    const bytes = await this.storage.readFile(path);
    if (!bytes) return null;
    try {
      return parseState(bytes);
    } catch {
      return null;
    }
  }
}
