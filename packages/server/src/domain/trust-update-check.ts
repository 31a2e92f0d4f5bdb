import {
  canonicalize,
  checkThreshold,
  DIRECTOR_PATHS,
  DIRECTOR_ROLE,
  isExpired,
  isUpdraftError,
  parseRoot,
  parseTargets,
  RELEASES_PATHS,
  RELEASES_ROLE,
  utf8Encode,
  verifyRootUpdate,
  type Envelope,
  type RoleKeys,
  type RootSigned,
  type TargetsSigned,
  type TufKey,
  ROOT_ROLE,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
  TIMESTAMP_ROLE,
} from '@updraft/protocol';
import { conflict, forbidden } from './api-error.js';
import type { OnlineKeyCandidate, OnlineRole } from '../persistence/persistence.js';
import type { KeyFile } from '@updraft/signing';
import { checkDelegation, checkKeyIds, checkNoServerKey, guard, invalid, rawSigned } from './trust-check.js';

/**
 * Decides whether a new root, targets or releases version a publisher uploads after the app
 * exists may replace the current one, as a TUF client will judge it (root N+1 signed by a
 * threshold of root N and of itself, versions that follow on) plus the server's own rule:
 * its online keys sign snapshot, timestamp and director and nothing that approves code.
 * Pure: no store, no clock of its own.
 */

export interface ServerKeys {
  active: Record<OnlineRole, KeyFile>;
  candidates: OnlineKeyCandidate[];
}

function allServerKeys(keys: ServerKeys): KeyFile[] {
  return [...Object.values(keys.active), ...keys.candidates.map((c) => c.key)];
}

/** The server keys able to sign `role`: its active key and any candidate generated for it. */
function signableIds(keys: ServerKeys, role: OnlineRole): string[] {
  return [keys.active[role].keyid, ...keys.candidates.filter((c) => c.role === role).map((c) => c.key.keyid)];
}

/**
 * An online role may list keys it already listed (the overlap of a rotation) and the
 * server's keys for it, nothing else, and must list at least one key the server holds.
 */
function checkOnlineRole(
  role: RoleKeys,
  before: RoleKeys,
  keys: Record<string, TufKey>,
  server: ServerKeys,
  name: OnlineRole,
  what: string,
): void {
  const signable = signableIds(server, name);
  if (role.threshold !== 1) {
    throw invalid(`${what} must have threshold 1: the server signs ${name} with one online key`);
  }
  for (const id of role.keyids) {
    if (!keys[id]) throw invalid(`${what} lists key ${id}, which is not in the metadata's keys`);
    if (!signable.includes(id) && !before.keyids.includes(id)) {
      throw invalid(
        `${what} lists key ${id}, which is neither a key it listed before nor one the server generated for ${name}; ` +
          `ask the server for a new ${name} key (updraft keys rotate --role ${name})`,
      );
    }
  }
  if (!role.keyids.some((id) => signable.includes(id))) {
    throw invalid(
      `${what} lists none of the server's ${name} keys (${signable.join(', ')}); the server could not sign it`,
    );
  }
}

function checkNotExpired(what: string, expires: string, nowMs: number): void {
  if (isExpired(expires, nowMs)) throw invalid(`${what} expired at ${expires}; sign it again with a later expiry`);
}

/** The epoch only a root may raise, and never lower (docs/protocol.md §3.1). */
function checkEpoch(current: RootSigned, next: RootSigned): void {
  if (next.epoch < current.epoch) {
    throw invalid(`root lowers the release epoch from ${current.epoch} to ${next.epoch}; an epoch never goes down`);
  }
}

export function checkRootUpdate(
  current: RootSigned,
  input: unknown,
  server: ServerKeys,
  nowMs: number,
): Envelope<RootSigned> {
  const next = guard(ROOT_ROLE, () => parseRoot(input, ROOT_ROLE));
  if (next.signed.version !== current.version + 1) {
    throw conflict(
      'metadata-changed',
      `root version ${next.signed.version} does not follow the current version ${current.version}`,
    );
  }
  try {
    verifyRootUpdate(current, utf8Encode(JSON.stringify(input)));
  } catch (err) {
    if (!isUpdraftError(err)) throw err;
    if (err.reason === 'signature' || err.reason === 'threshold') {
      throw forbidden(
        'bad-signature',
        `${err.message}; root ${next.signed.version} needs a threshold of root ${current.version}'s keys and of its own ` +
          `(add signatures with: updraft keys sign <file> --key <root key file>)`,
      );
    }
    throw invalid(`root: ${err.message}`);
  }
  checkNotExpired(ROOT_ROLE, next.signed.expires, nowMs);
  if (!next.signed.consistent_snapshot) throw invalid('root must keep consistent_snapshot: true');
  checkKeyIds(next.signed.keys, 'root.signed.keys');
  checkEpoch(current, next.signed);
  const roles = next.signed.roles;
  checkOnlineRole(
    roles.snapshot,
    current.roles.snapshot,
    next.signed.keys,
    server,
    SNAPSHOT_ROLE,
    "root's snapshot role",
  );
  checkOnlineRole(
    roles.timestamp,
    current.roles.timestamp,
    next.signed.keys,
    server,
    TIMESTAMP_ROLE,
    "root's timestamp role",
  );
  checkNoServerKey(roles.root, next.signed.keys, allServerKeys(server), "root's root role");
  checkNoServerKey(roles.targets, next.signed.keys, allServerKeys(server), "root's targets role");
  return next;
}

export function checkTargetsUpdate(
  root: RootSigned,
  current: TargetsSigned,
  input: unknown,
  server: ServerKeys,
  nowMs: number,
): Envelope<TargetsSigned> {
  const next = guard(TARGETS_ROLE, () => parseTargets(input, TARGETS_ROLE));
  signedBy(input, next, root.keys, root.roles.targets, TARGETS_ROLE, 'targets key(s) of the root');
  if (next.signed.version !== current.version + 1) {
    throw conflict(
      'metadata-changed',
      `targets version ${next.signed.version} does not follow the current version ${current.version}`,
    );
  }
  checkNotExpired(TARGETS_ROLE, next.signed.expires, nowMs);
  if (Object.keys(next.signed.targets).length > 0) {
    throw invalid('targets must not list targets of its own; releases are signed in the delegated "releases" role');
  }
  const delegations = next.signed.delegations;
  if (!delegations || delegations.roles.length !== 2) {
    throw invalid(`targets must delegate to exactly two roles, "${RELEASES_ROLE}" then "${DIRECTOR_ROLE}"`);
  }
  checkKeyIds(delegations.keys, 'targets.signed.delegations.keys');
  const releasesRole = checkDelegation(delegations.roles[0], 0, RELEASES_ROLE, RELEASES_PATHS);
  const directorRole = checkDelegation(delegations.roles[1], 1, DIRECTOR_ROLE, DIRECTOR_PATHS);
  const before = current.delegations?.roles.find((r) => r.name === DIRECTOR_ROLE) ?? { keyids: [], threshold: 1 };
  checkOnlineRole(directorRole, before, delegations.keys, server, DIRECTOR_ROLE, 'the director delegation');
  checkNoServerKey(releasesRole, delegations.keys, allServerKeys(server), 'the releases delegation');
  return next;
}

/**
 * A releases version that changes nothing but its version, expiry and signatures: how the
 * publisher renews it before it expires, or re-signs it with a rotated key.
 */
export function checkReleasesResign(
  targets: TargetsSigned,
  current: { raw: Record<string, unknown>; parsed: TargetsSigned },
  input: unknown,
  nowMs: number,
): Envelope<TargetsSigned> {
  const next = guard(RELEASES_ROLE, () => parseTargets(input, RELEASES_ROLE));
  const role = targets.delegations?.roles.find((r) => r.name === RELEASES_ROLE);
  if (!role) throw invalid('targets has no releases delegation');
  signedBy(input, next, targets.delegations?.keys ?? {}, role, RELEASES_ROLE, 'releases key(s) of targets');
  if (next.signed.version !== current.parsed.version + 1) {
    throw conflict(
      'metadata-changed',
      `releases version ${next.signed.version} does not follow the current version ${current.parsed.version}; ` +
        'another publish happened, run the command again',
    );
  }
  checkNotExpired(RELEASES_ROLE, next.signed.expires, nowMs);
  if (next.signed.delegations) throw invalid('releases metadata must not delegate further');
  const before = (current.raw['signed'] as { targets: unknown }).targets;
  const after = (input as { signed: { targets: unknown } }).signed.targets;
  if (canonicalize(before) !== canonicalize(after)) {
    throw invalid(
      'a re-signed releases version must keep exactly the current targets; publish new releases with updraft publish',
    );
  }
  return next;
}

/** The metadata verifies under these keys, or the upload is refused with what to do. */
export function signedBy(
  raw: unknown,
  env: Envelope<unknown>,
  keys: Record<string, TufKey>,
  role: RoleKeys,
  what: string,
  whose: string,
): void {
  try {
    checkThreshold(rawSigned(raw), env.signatures, keys, role, what);
  } catch (err) {
    if (!isUpdraftError(err)) throw err;
    if (err.reason === 'malformed') throw invalid(`${what}: ${err.message}`);
    throw forbidden('bad-signature', `${err.message}; ${what} must be signed by a threshold of the ${whose}`);
  }
}
