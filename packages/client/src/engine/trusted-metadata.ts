import {
  checkThreshold,
  loadTrustedRoot,
  parseJsonObject,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  type RoleKeys,
  type RootSigned,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type TufKey,
  type Verified,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_ROLE,
  type DelegatedRoleName,
  type MetadataRole,
} from '@updraft/protocol';
import type { Storage } from '../ports/ports.js';

export type { MetadataRole };

/** The part of Storage the trusted copies need. */
export type MetadataStorage = Pick<Storage, 'readFile' | 'writeFileAtomic' | 'mkdirp' | 'remove'>;

export function metadataPath(role: MetadataRole): string {
  return `metadata/${role}.json`;
}

/**
 * The last verified copy of each role, kept as the exact bytes received. Local copies were
 * verified before they were written, so they are parsed here but not re-checked; the
 * refresh re-verifies any copy it reuses against the current root.
 */
export class TrustedMetadata {
  constructor(private readonly storage: MetadataStorage) {}

  /** The newer of the root shipped in the app and the last root verified on the device. */
  async loadRoot(shipped: Uint8Array): Promise<Verified<RootSigned>> {
    const fromApp = loadTrustedRoot(shipped);
    const stored = await this.storage.readFile(metadataPath(ROOT_ROLE));
    if (!stored) return fromApp;
    try {
      const fromDevice = loadTrustedRoot(stored);
      // An app update may ship a newer root than the device has seen: the higher version wins.
      return fromDevice.signed.version > fromApp.signed.version ? fromDevice : fromApp;
    } catch {
      return fromApp;
    }
  }

  /**
   * Timestamp and snapshot only count when the current root's keys still sign them. After a
   * key rotation that drops them, even if the app died before forgetting them, so a copy
   * pushed with a stolen key cannot block recovery forever (TUF fast-forward recovery).
   */
  loadTimestamp(root: RootSigned): Promise<Verified<TimestampSigned> | null> {
    return this.load(TIMESTAMP_ROLE, (raw) => parseTimestamp(raw), { keys: root.keys, role: root.roles.timestamp });
  }

  loadSnapshot(root: RootSigned): Promise<Verified<SnapshotSigned> | null> {
    return this.load(SNAPSHOT_ROLE, (raw) => parseSnapshot(raw), { keys: root.keys, role: root.roles.snapshot });
  }

  loadTargets(role: typeof TARGETS_ROLE | DelegatedRoleName): Promise<Verified<TargetsSigned> | null> {
    return this.load(role, (raw) => parseTargets(raw, role));
  }

  async persist(role: MetadataRole, bytes: Uint8Array): Promise<void> {
    await this.storage.mkdirp('metadata');
    await this.storage.writeFileAtomic(metadataPath(role), bytes);
  }

  async forget(role: MetadataRole): Promise<void> {
    await this.storage.remove(metadataPath(role));
  }

  /** A damaged local copy counts as absent: the device then fetches and verifies a fresh one. */
  private async load<T>(
    role: MetadataRole,
    parse: (raw: Record<string, unknown>) => { signed: T; signatures: Verified<T>['signatures'] },
    signers?: { keys: Record<string, TufKey>; role: RoleKeys },
  ): Promise<Verified<T> | null> {
    const bytes = await this.storage.readFile(metadataPath(role));
    if (!bytes) return null;
    try {
      const raw = parseJsonObject(bytes, `${role}.json`);
      const parsed = parse(raw);
      if (signers) checkThreshold(raw['signed'], parsed.signatures, signers.keys, signers.role, role);
      return { ...parsed, bytes };
    } catch {
      return null;
    }
  }
}
