import { canonicalBytes, parseJsonObject } from './canonical-json.js';
import { UpdraftError } from './errors.js';
import { sha256Hex } from './hash.js';
import { verifySignature, type TufKey } from './keys.js';
import {
  parseRoot,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  type DelegatedRole,
  type Envelope,
  type MetaFile,
  type RoleKeys,
  type RootSigned,
  type Signature,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
} from './metadata.js';

/**
 * The TUF 1.0 client checks (spec §5), as pure functions over bytes. The device engine
 * fetches; these decide. Each throws UpdraftError with the reason code a device reports.
 */

/** Fixed caps for metadata whose length nothing signed tells us (spec §5.2, §5.3). */
export const MAX_ROOT_BYTES = 512 * 1024;
export const MAX_TIMESTAMP_BYTES = 16 * 1024;
/** Used only when snapshot/timestamp omit a length, which our server never does. */
export const MAX_UNSIGNED_METADATA_BYTES = 16 * 1024 * 1024;

export interface Verified<T> extends Envelope<T> {
  /** The exact bytes received, kept so the device can persist them as trusted. */
  bytes: Uint8Array;
}

/** Counts distinct keys of the role with a valid signature over canonical(signed). */
export function countValidSignatures(
  rawSigned: unknown,
  signatures: Signature[],
  keys: Record<string, TufKey>,
  role: RoleKeys,
): number {
  let message: Uint8Array;
  try {
    message = canonicalBytes(rawSigned);
  } catch (err) {
    // Floats, unsafe integers: untrusted input that has no canonical form, so nothing can sign it.
    throw new UpdraftError('malformed', `signed metadata cannot be canonicalised: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const allowed = new Set(role.keyids);
  const valid = new Set<string>();
  for (const s of signatures) {
    if (!allowed.has(s.keyid) || valid.has(s.keyid)) continue;
    const key = keys[s.keyid];
    if (key && verifySignature(key, s.sig, message)) valid.add(s.keyid);
  }
  return valid.size;
}

export function checkThreshold(
  rawSigned: unknown,
  signatures: Signature[],
  keys: Record<string, TufKey>,
  role: RoleKeys,
  roleName: string,
): void {
  const count = countValidSignatures(rawSigned, signatures, keys, role);
  if (count === 0)
    throw new UpdraftError('signature', `${roleName} metadata has no valid signature from a trusted key`);
  if (count < role.threshold) {
    throw new UpdraftError(
      'threshold',
      `${roleName} metadata has ${count} valid signature(s); the threshold is ${role.threshold}`,
    );
  }
}

export function isExpired(expires: string, nowMs: number): boolean {
  return Date.parse(expires) <= nowMs;
}

function checkNotExpired(roleName: string, expires: string, nowMs: number): void {
  if (isExpired(expires, nowMs)) throw new UpdraftError('expired', `${roleName} metadata expired at ${expires}`);
}

/** Checks bytes against the length and SHA-256 that signed meta names for them. */
export function checkMetaFile(bytes: Uint8Array, meta: MetaFile, what: string): void {
  if (meta.length !== undefined && bytes.length !== meta.length) {
    throw new UpdraftError(
      bytes.length > meta.length ? 'length' : 'hash',
      `${what} is ${bytes.length} bytes; the signed length is ${meta.length}`,
    );
  }
  const expected = meta.hashes?.['sha256'];
  if (expected !== undefined && sha256Hex(bytes) !== expected.toLowerCase()) {
    throw new UpdraftError('hash', `${what} does not match its signed SHA-256`);
  }
}

function rawSignedOf(raw: Record<string, unknown>): unknown {
  return raw['signed'];
}

/** The root shipped in the app binary: trusted by fiat, but it must at least parse. */
export function loadTrustedRoot(bytes: Uint8Array): Verified<RootSigned> {
  const raw = parseJsonObject(bytes, 'root.json');
  return { ...parseRoot(raw), bytes };
}

/** Spec §5.3: root N+1 must be signed by a threshold of root N and of itself. */
export function verifyRootUpdate(trusted: RootSigned, bytes: Uint8Array): Verified<RootSigned> {
  if (bytes.length > MAX_ROOT_BYTES) throw new UpdraftError('length', `root metadata exceeds ${MAX_ROOT_BYTES} bytes`);
  const raw = parseJsonObject(bytes, `${trusted.version + 1}.root.json`);
  const next = parseRoot(raw);
  checkThreshold(rawSignedOf(raw), next.signatures, trusted.keys, trusted.roles.root, 'root (by the trusted root)');
  checkThreshold(rawSignedOf(raw), next.signatures, next.signed.keys, next.signed.roles.root, 'root (by itself)');
  if (next.signed.version !== trusted.version + 1) {
    throw new UpdraftError('rollback', `expected root version ${trusted.version + 1}, got ${next.signed.version}`);
  }
  return { ...next, bytes };
}

export function checkRootNotExpired(root: RootSigned, nowMs: number): void {
  checkNotExpired('root', root.expires, nowMs);
}

/** True when a root rotation replaced the keys of a role: its trusted copy must be dropped. */
export function roleKeysChanged(before: RootSigned, after: RootSigned, role: 'timestamp' | 'snapshot'): boolean {
  const a = before.roles[role];
  const b = after.roles[role];
  if (a.threshold !== b.threshold || a.keyids.length !== b.keyids.length) return true;
  return a.keyids.some((id) => !b.keyids.includes(id));
}

function signedTimestamp(root: RootSigned, bytes: Uint8Array): Verified<TimestampSigned> {
  if (bytes.length > MAX_TIMESTAMP_BYTES) {
    throw new UpdraftError('length', `timestamp metadata exceeds ${MAX_TIMESTAMP_BYTES} bytes`);
  }
  const raw = parseJsonObject(bytes, 'timestamp.json');
  const ts = parseTimestamp(raw);
  checkThreshold(rawSignedOf(raw), ts.signatures, root.keys, root.roles.timestamp, 'timestamp');
  return { ...ts, bytes };
}

function checkTimestampRollback(ts: TimestampSigned, trusted: TimestampSigned): void {
  if (ts.version < trusted.version) {
    throw new UpdraftError('rollback', `timestamp version ${ts.version} is older than trusted ${trusted.version}`);
  }
  const before = trusted.meta['snapshot.json'].version;
  if (ts.meta['snapshot.json'].version < before) {
    throw new UpdraftError(
      'rollback',
      `timestamp names snapshot ${ts.meta['snapshot.json'].version}, older than trusted ${before}`,
    );
  }
}

/** Spec §5.4 for a timestamp on its own (tools and tests): signed, not rolled back, not expired. */
export function verifyTimestamp(
  root: RootSigned,
  bytes: Uint8Array,
  trusted: TimestampSigned | null,
  nowMs: number,
): Verified<TimestampSigned> {
  const ts = signedTimestamp(root, bytes);
  if (trusted) checkTimestampRollback(ts.signed, trusted);
  checkNotExpired('timestamp', ts.signed.expires, nowMs);
  return ts;
}

/**
 * Spec §5.4 as a device runs it: returns the timestamp to trust from now on. A new one with
 * the same version as the trusted copy is discarded and the trusted copy kept (§5.4.3.1): a
 * version names one content, so a different file under a version already seen (one naming a
 * snapshot that does not exist, say) must neither replace it nor be saved.
 */
export function updateTimestamp(
  root: RootSigned,
  bytes: Uint8Array,
  trusted: Verified<TimestampSigned> | null,
  nowMs: number,
): Verified<TimestampSigned> {
  const ts = signedTimestamp(root, bytes);
  const kept = trusted && ts.signed.version === trusted.signed.version ? trusted : ts;
  if (trusted && kept === ts) checkTimestampRollback(ts.signed, trusted.signed);
  checkNotExpired('timestamp', kept.signed.expires, nowMs);
  return kept;
}

export function verifySnapshot(
  root: RootSigned,
  bytes: Uint8Array,
  timestamp: TimestampSigned,
  trusted: SnapshotSigned | null,
  nowMs: number,
): Verified<SnapshotSigned> {
  const meta = timestamp.meta['snapshot.json'];
  checkMetaFile(bytes, meta, 'snapshot metadata');
  const raw = parseJsonObject(bytes, 'snapshot.json');
  const snap = parseSnapshot(raw);
  checkThreshold(rawSignedOf(raw), snap.signatures, root.keys, root.roles.snapshot, 'snapshot');
  if (snap.signed.version !== meta.version) {
    throw new UpdraftError(
      'rollback',
      `snapshot version ${snap.signed.version} differs from timestamp's ${meta.version}`,
    );
  }
  if (trusted) {
    for (const [name, before] of Object.entries(trusted.meta)) {
      const now = snap.signed.meta[name];
      if (!now) throw new UpdraftError('rollback', `snapshot no longer lists ${name}`);
      if (now.version < before.version) {
        throw new UpdraftError(
          'rollback',
          `snapshot lists ${name} version ${now.version}, older than trusted ${before.version}`,
        );
      }
    }
  }
  checkNotExpired('snapshot', snap.signed.expires, nowMs);
  return { ...snap, bytes };
}

function snapshotEntry(snapshot: SnapshotSigned, role: string): MetaFile {
  const meta = snapshot.meta[`${role}.json`];
  if (!meta) throw new UpdraftError('malformed', `snapshot does not list ${role}.json`);
  return meta;
}

function checkTargetsVersion(
  targets: TargetsSigned,
  meta: MetaFile,
  role: string,
  trusted: TargetsSigned | null,
): void {
  if (targets.version !== meta.version) {
    throw new UpdraftError('rollback', `${role} version ${targets.version} differs from snapshot's ${meta.version}`);
  }
  if (trusted && targets.version < trusted.version) {
    throw new UpdraftError('rollback', `${role} version ${targets.version} is older than trusted ${trusted.version}`);
  }
}

export function verifyTopTargets(
  root: RootSigned,
  bytes: Uint8Array,
  snapshot: SnapshotSigned,
  trusted: TargetsSigned | null,
  nowMs: number,
): Verified<TargetsSigned> {
  const meta = snapshotEntry(snapshot, 'targets');
  checkMetaFile(bytes, meta, 'targets metadata');
  const raw = parseJsonObject(bytes, 'targets.json');
  const targets = parseTargets(raw);
  checkThreshold(rawSignedOf(raw), targets.signatures, root.keys, root.roles.targets, 'targets');
  checkTargetsVersion(targets.signed, meta, 'targets', trusted);
  checkNotExpired('targets', targets.signed.expires, nowMs);
  return { ...targets, bytes };
}

export function findDelegation(parent: TargetsSigned, roleName: string): DelegatedRole {
  const role = parent.delegations?.roles.find((r) => r.name === roleName);
  if (!role) throw new UpdraftError('malformed', `targets metadata does not delegate to "${roleName}"`);
  return role;
}

export function verifyDelegatedTargets(
  parent: TargetsSigned,
  roleName: string,
  bytes: Uint8Array,
  snapshot: SnapshotSigned,
  trusted: TargetsSigned | null,
  nowMs: number,
): Verified<TargetsSigned> {
  const role = findDelegation(parent, roleName);
  const meta = snapshotEntry(snapshot, roleName);
  checkMetaFile(bytes, meta, `${roleName} metadata`);
  const raw = parseJsonObject(bytes, `${roleName}.json`);
  const targets = parseTargets(raw, roleName);
  checkThreshold(rawSignedOf(raw), targets.signatures, parent.delegations?.keys ?? {}, role, roleName);
  checkTargetsVersion(targets.signed, meta, roleName, trusted);
  checkNotExpired(roleName, targets.signed.expires, nowMs);
  return { ...targets, bytes };
}
