import {
  bytesEqual,
  checkRootNotExpired,
  DIRECTOR_ROLE,
  isExpired,
  MAX_ROOT_BYTES,
  MAX_TIMESTAMP_BYTES,
  MAX_UNSIGNED_METADATA_BYTES,
  RELEASES_ROLE,
  repoPaths,
  roleKeysChanged,
  verifyDelegatedTargets,
  verifyRootUpdate,
  verifySnapshot,
  updateTimestamp,
  verifyTopTargets,
  type MetaFile,
  type RootSigned,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type Verified,
  UpdraftError,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_ROLE,
  roleFileName,
  type DelegatedRoleName,
  type VersionedRole,
} from '@updraft/protocol';
import type { Repository } from './repository.js';
import type { TrustedMetadata } from './trusted-metadata.js';

/** Every role verified for this cycle, ready for release selection (protocol.md §4 step 7). */
export interface TrustedSet {
  root: Verified<RootSigned>;
  timestamp: Verified<TimestampSigned>;
  snapshot: Verified<SnapshotSigned>;
  targets: Verified<TargetsSigned>;
  releases: Verified<TargetsSigned>;
  director: Verified<TargetsSigned>;
}

export interface RefreshContext {
  repo: Repository;
  trusted: TrustedMetadata;
  shippedRoot: Uint8Array;
  now: () => number;
  /**
   * The set this process verified last (held by the client). When the repository's timestamp
   * is still byte for byte the one in it, and the root on the device is still its root, the
   * whole set is reused after an expiry check instead of being parsed and verified again.
   */
  memo?: { set: TrustedSet | null };
}

function stillValid(set: TrustedSet, nowMs: number): boolean {
  return [set.root, set.timestamp, set.snapshot, set.targets, set.releases, set.director].every(
    (role) => !isExpired(role.signed.expires, nowMs),
  );
}

/**
 * Bounds the root chain walked in one cycle, so a hostile server cannot keep a device
 * busy forever; a device this far behind catches up over several cycles.
 */
export const MAX_ROOT_ROTATIONS = 64;

/**
 * protocol.md §4 steps 2-6. Each role is persisted as soon as it verifies (as TUF clients
 * do), so a later failure still leaves the device with the newest trusted metadata for
 * rollback protection, and never with the piece that failed.
 */
export async function refreshMetadata(ctx: RefreshContext): Promise<TrustedSet> {
  // Root N+1 is asked for on every check, before a byte of the timestamp is believed (TUF
  // §5.3): a root published on its own, one that revokes a leaked online key say, takes
  // effect at the next check, whatever the timestamp says. Both requests go out together,
  // so a check still costs one round trip; the usual answer for the root is a 404.
  const start = await ctx.trusted.loadRoot(ctx.shippedRoot);
  const [nextRoot, firstTimestamp] = await Promise.all([
    ctx.repo.fetchOptional(repoPaths.root(start.signed.version + 1), MAX_ROOT_BYTES),
    ctx.repo.fetch(repoPaths.timestamp(), MAX_TIMESTAMP_BYTES),
  ]);
  const root = await updateRoot(ctx, start, nextRoot);
  const rotated = root !== start;
  // A timestamp fetched alongside a new root may predate it: ask again once the root is known.
  const tsBytes = rotated ? await ctx.repo.fetch(repoPaths.timestamp(), MAX_TIMESTAMP_BYTES) : firstTimestamp;
  const memo = ctx.memo?.set;
  if (
    memo &&
    bytesEqual(memo.root.bytes, root.bytes) &&
    bytesEqual(memo.timestamp.bytes, tsBytes) &&
    stillValid(memo, ctx.now())
  ) {
    return memo;
  }
  if (
    rotated &&
    (roleKeysChanged(start.signed, root.signed, TIMESTAMP_ROLE) ||
      roleKeysChanged(start.signed, root.signed, SNAPSHOT_ROLE))
  ) {
    // TUF §5.3.11, so a device recovers from a fast-forward attack once the keys are
    // replaced. The targets roles go too: their stored copies are what a version-bumped
    // snapshot let in, and without the old snapshot nothing vouches for their versions.
    for (const role of [TIMESTAMP_ROLE, SNAPSHOT_ROLE, TARGETS_ROLE, RELEASES_ROLE, DIRECTOR_ROLE] as const) {
      await ctx.trusted.forget(role);
    }
  }
  const trustedTimestamp = await ctx.trusted.loadTimestamp(root.signed);
  const timestamp = updateTimestamp(root.signed, tsBytes, trustedTimestamp, ctx.now());
  if (timestamp !== trustedTimestamp) await ctx.trusted.persist(TIMESTAMP_ROLE, timestamp.bytes);

  const snapshotMeta = timestamp.signed.meta[roleFileName(SNAPSHOT_ROLE)];
  const snapshot = await reuseOrFetch(ctx, {
    role: SNAPSHOT_ROLE,
    local: await ctx.trusted.loadSnapshot(root.signed),
    meta: snapshotMeta,
    verify: (bytes, trusted) => verifySnapshot(root.signed, bytes, timestamp.signed, trusted, ctx.now()),
  });

  const targets = await reuseOrFetch(ctx, {
    role: TARGETS_ROLE,
    local: await ctx.trusted.loadTargets(TARGETS_ROLE),
    meta: snapshotEntry(snapshot.signed, TARGETS_ROLE),
    verify: (bytes, trusted) => verifyTopTargets(root.signed, bytes, snapshot.signed, trusted, ctx.now()),
  });

  const delegated = async (role: DelegatedRoleName) =>
    reuseOrFetch(ctx, {
      role,
      local: await ctx.trusted.loadTargets(role),
      meta: snapshotEntry(snapshot.signed, role),
      verify: (bytes, trusted) =>
        verifyDelegatedTargets(targets.signed, role, bytes, snapshot.signed, trusted, ctx.now()),
    });
  const releases = await delegated(RELEASES_ROLE);
  const director = await delegated(DIRECTOR_ROLE);
  const set = { root, timestamp, snapshot, targets, releases, director };
  if (ctx.memo) ctx.memo.set = set;
  return set;
}

/** Walks root N+1, N+2, … from `start` (TUF §5.3); `next` is root N+1 when already fetched. */
async function updateRoot(
  ctx: RefreshContext,
  start: Verified<RootSigned>,
  next: Uint8Array | null,
): Promise<Verified<RootSigned>> {
  let root = start;
  let bytes = next;
  for (let i = 0; bytes && i < MAX_ROOT_ROTATIONS; i++) {
    root = verifyRootUpdate(root.signed, bytes);
    await ctx.trusted.persist(ROOT_ROLE, root.bytes);
    if (i + 1 < MAX_ROOT_ROTATIONS) {
      bytes = await ctx.repo.fetchOptional(repoPaths.root(root.signed.version + 1), MAX_ROOT_BYTES);
    }
  }
  checkRootNotExpired(root.signed, ctx.now());
  return root;
}

function snapshotEntry(snapshot: SnapshotSigned, role: VersionedRole): MetaFile {
  const meta = snapshot.meta[roleFileName(role)];
  if (!meta) throw new UpdraftError('malformed', `snapshot does not list ${roleFileName(role)}`);
  return meta;
}

interface RoleStep<T extends { version: number }> {
  role: VersionedRole;
  local: Verified<T> | null;
  meta: MetaFile;
  verify: (bytes: Uint8Array, trusted: T | null) => Verified<T>;
}

/**
 * Metadata files other than timestamp are immutable per version, so a local copy of the
 * version the parent names is reused without a request. It is still verified against the
 * current root (keys may have rotated) and for expiry; if it no longer verifies, a fresh
 * copy is fetched and must verify on its own.
 */
async function reuseOrFetch<T extends { version: number }>(
  ctx: RefreshContext,
  step: RoleStep<T>,
): Promise<Verified<T>> {
  if (step.local && step.local.signed.version === step.meta.version) {
    try {
      return step.verify(step.local.bytes, null);
    } catch {
      // fall through: the network copy decides, and its failure is what the device reports
    }
  }
  const maxBytes = step.meta.length ?? MAX_UNSIGNED_METADATA_BYTES;
  const bytes = await ctx.repo.fetch(repoPaths.versioned(step.role, step.meta.version), maxBytes);
  const verified = step.verify(bytes, step.local?.signed ?? null);
  await ctx.trusted.persist(step.role, verified.bytes);
  return verified;
}
