import {
  BOOT_POINTER_PATH,
  bootPointerOf,
  mergeBootPointer,
  parseBootPointer,
  serializeBootPointer,
} from './boot-pointer.js';
import { serializeState, parseState, emptyState, type DeviceState, type FailedRelease } from './state.js';
import type { Storage } from '../ports/ports.js';

export const STATE_PATH = 'state.json';
export const STATE_BACKUP_PATH = 'state.json.bak';

/**
 * The state document on disk, with a backup copy: atomic writes protect against a torn
 * write, the backup against a file the platform damaged anyway (a full disk, a bad flash
 * page, a user clearing one file). Only this class touches state.json (and boot.json).
 */
export class StateStore {
  private cached: DeviceState | null = null;
  /** Rollbacks native code made at this process's start (nativeBoot only), read once. */
  private nativeRollbacks: FailedRelease[] | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly newDeviceId: () => string,
    private readonly fixedDeviceId: string | null,
    /** Set when native code boots the app: the engine then keeps boot.json in step. */
    private readonly bootPointer: { maxLaunchAttempts: number } | null = null,
  ) {}

  async load(): Promise<DeviceState> {
    if (this.cached) return this.cached;
    let state = (await this.read(STATE_PATH)) ?? (await this.read(STATE_BACKUP_PATH));
    let dirty = false;
    if (this.bootPointer) {
      const bytes = await this.storage.readFile(BOOT_POINTER_PATH);
      const pointer = bytes ? parseBootPointer(bytes) : null;
      this.nativeRollbacks ??= pointer?.rolledBack ?? [];
      if (pointer) {
        const before = state ?? emptyState(this.fixedDeviceId ?? this.newDeviceId());
        state = mergeBootPointer(before, pointer);
        dirty = pointer.rolledBack.length > 0 || !sameBytes(serializeState(before), serializeState(state));
      } else if (state) {
        dirty = true; // a lost pointer is rewritten at once, so native finds one next start
      }
    }
    if (state) {
      if (this.fixedDeviceId !== null && state.deviceId !== this.fixedDeviceId) {
        return this.save({ ...state, deviceId: this.fixedDeviceId });
      }
      if (dirty) return this.save(state);
      this.cached = state;
      return state;
    }
    // Saved at once so the rollout identity stays the same from the very first sync on.
    return this.save(emptyState(this.fixedDeviceId ?? this.newDeviceId()));
  }

  /** nativeBoot: the trials the native glue rolled back at this process's start. */
  async rollbacksAtBoot(): Promise<FailedRelease[]> {
    await this.load();
    return this.nativeRollbacks ?? [];
  }

  async save(state: DeviceState): Promise<DeviceState> {
    const bytes = serializeState(state);
    if (this.bootPointer) {
      // First: the pointer is authoritative for the boot fields (see boot-pointer.ts).
      const pointer = bootPointerOf(state, this.bootPointer.maxLaunchAttempts);
      await this.storage.writeFileAtomic(BOOT_POINTER_PATH, serializeBootPointer(pointer));
    }
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
