import {
  checkThreshold,
  DIRECTOR_ROLE,
  DIRECTOR_PATHS,
  isExpired,
  isUpdraftError,
  keyId,
  parseRoot,
  parseTargets,
  RELEASES_PATHS,
  RELEASES_ROLE,
  utf8Encode,
  verifySignature,
  type DelegatedRole,
  type Envelope,
  type RoleKeys,
  type RootSigned,
  type TargetsSigned,
  type TufKey,
  ROOT_ROLE,
  TARGETS_ROLE,
} from '@updraft/protocol';
import { sign as cryptoSign, createPrivateKey } from 'node:crypto';
import { badRequest, type ApiError } from './api-error.js';
import type { OnlineRole } from '../persistence/persistence.js';
import type { KeyFile } from '@updraft/signing';

/**
 * Decides whether the offline metadata a publisher uploads for a new app is a root of trust
 * the server can run: the server's online keys sit exactly where they belong (snapshot,
 * timestamp, director) and nowhere that could approve code (root, targets, releases).
 * Pure apart from signing a probe message with the server's own keys.
 */

export interface TrustInput {
  root: unknown;
  targets: unknown;
  releases: unknown;
}

export interface CheckedTrust {
  root: Envelope<RootSigned>;
  targets: Envelope<TargetsSigned>;
  releases: Envelope<TargetsSigned>;
}

export function invalid(message: string): ApiError {
  return badRequest('invalid-trust', message);
}

/** Runs a protocol check and turns its UpdraftError into a 400 that names the document. */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isUpdraftError(err)) throw invalid(`${what}: ${err.message}`);
    throw err;
  }
}

export function rawSigned(envelope: unknown): unknown {
  return (envelope as { signed: unknown }).signed;
}

/**
 * True when `candidate` is one of the server's keys in any encoding (raw or SPKI hex, PEM,
 * upper-case hex…): the server's private key produces a signature it accepts. Comparing key
 * ids alone would miss a server key listed under another spelling.
 */
export function isServerKey(candidate: TufKey, online: KeyFile[]): boolean {
  const probe = utf8Encode('updraft: is this a server key?');
  return online.some((k) => {
    const sig = cryptoSign(k.scheme === 'ed25519' ? null : 'sha256', probe, createPrivateKey(k.private)).toString(
      'hex',
    );
    return verifySignature(candidate, sig, probe);
  });
}

export function checkKeyIds(keys: Record<string, TufKey>, what: string): void {
  for (const [id, key] of Object.entries(keys)) {
    if (keyId(key) !== id) {
      throw invalid(
        `${what}["${id}"] is listed under a key id that is not the SHA-256 of its canonical key (${keyId(key)})`,
      );
    }
  }
}

/** The role must not let the server sign: neither by key id nor by the same key under another id. */
export function checkNoServerKey(role: RoleKeys, keys: Record<string, TufKey>, online: KeyFile[], what: string): void {
  for (const id of role.keyids) {
    const key = keys[id];
    if (online.some((k) => k.keyid === id) || (key && isServerKey(key, online))) {
      throw invalid(
        `${what} lists the server's online key ${id}; the server must never be able to approve code, so use keys only the publisher holds`,
      );
    }
  }
}

/** The role must be exactly this one server key, threshold 1. */
function checkIsServerKey(role: RoleKeys, keys: Record<string, TufKey>, key: KeyFile, what: string): void {
  const id = key.keyid;
  if (role.threshold !== 1 || role.keyids.length !== 1 || role.keyids[0] !== id || !keys[id]) {
    throw invalid(`${what} must list exactly the server's key ${id} with threshold 1 (the key POST /v1/apps returned)`);
  }
}

function checkFresh(what: string, signed: { version: number; expires: string }, nowMs: number): void {
  if (signed.version !== 1) throw invalid(`${what} must be version 1 for a new app, got ${signed.version}`);
  if (isExpired(signed.expires, nowMs))
    throw invalid(`${what} expired at ${signed.expires}; sign it again with a later expiry`);
}

function samePaths(role: DelegatedRole, expected: string[]): boolean {
  return (
    role.paths !== undefined && role.paths.length === expected.length && role.paths.every((p, i) => p === expected[i])
  );
}

export function checkDelegation(
  role: DelegatedRole | undefined,
  index: number,
  name: string,
  paths: string[],
): DelegatedRole {
  if (!role || role.name !== name || !role.terminating || !samePaths(role, paths)) {
    throw invalid(
      `targets delegation #${index + 1} must be "${name}" with paths ${JSON.stringify(paths)} and terminating: true ` +
        `(targets delegates to "${RELEASES_ROLE}" then "${DIRECTOR_ROLE}", nothing else)`,
    );
  }
  return role;
}

export function checkTrust(input: TrustInput, online: Record<OnlineRole, KeyFile>, nowMs: number): CheckedTrust {
  const onlineKeys = Object.values(online);

  // Root: self-signed v1 whose snapshot/timestamp roles are the server's keys and nothing else.
  const root = guard(ROOT_ROLE, () => parseRoot(input.root, ROOT_ROLE));
  checkFresh(ROOT_ROLE, root.signed, nowMs);
  if (!root.signed.consistent_snapshot) {
    throw invalid(
      'root must set consistent_snapshot: true; the repository serves only N.role.json and HASH.name files',
    );
  }
  checkKeyIds(root.signed.keys, 'root.signed.keys');
  guard(ROOT_ROLE, () =>
    checkThreshold(rawSigned(input.root), root.signatures, root.signed.keys, root.signed.roles.root, ROOT_ROLE),
  );
  checkIsServerKey(root.signed.roles.snapshot, root.signed.keys, online.snapshot, "root's snapshot role");
  checkIsServerKey(root.signed.roles.timestamp, root.signed.keys, online.timestamp, "root's timestamp role");
  checkNoServerKey(root.signed.roles.root, root.signed.keys, onlineKeys, "root's root role");
  checkNoServerKey(root.signed.roles.targets, root.signed.keys, onlineKeys, "root's targets role");

  // Targets: only the two delegations, in order.
  const targets = guard(TARGETS_ROLE, () => parseTargets(input.targets, TARGETS_ROLE));
  checkFresh(TARGETS_ROLE, targets.signed, nowMs);
  guard(TARGETS_ROLE, () =>
    checkThreshold(
      rawSigned(input.targets),
      targets.signatures,
      root.signed.keys,
      root.signed.roles.targets,
      TARGETS_ROLE,
    ),
  );
  if (Object.keys(targets.signed.targets).length > 0) {
    throw invalid('targets must not list targets of its own; releases are signed in the delegated "releases" role');
  }
  const delegations = targets.signed.delegations;
  if (!delegations || delegations.roles.length !== 2) {
    throw invalid(`targets must delegate to exactly two roles, "${RELEASES_ROLE}" then "${DIRECTOR_ROLE}"`);
  }
  checkKeyIds(delegations.keys, 'targets.signed.delegations.keys');
  const releasesRole = checkDelegation(delegations.roles[0], 0, RELEASES_ROLE, RELEASES_PATHS);
  const directorRole = checkDelegation(delegations.roles[1], 1, DIRECTOR_ROLE, DIRECTOR_PATHS);
  checkIsServerKey(directorRole, delegations.keys, online.director, 'the director delegation');
  checkNoServerKey(releasesRole, delegations.keys, onlineKeys, 'the releases delegation');

  // Releases: empty v1, signed by its own delegated keys (which proves the threshold is reachable).
  const releases = guard(RELEASES_ROLE, () => parseTargets(input.releases, RELEASES_ROLE));
  checkFresh(RELEASES_ROLE, releases.signed, nowMs);
  guard(RELEASES_ROLE, () =>
    checkThreshold(rawSigned(input.releases), releases.signatures, delegations.keys, releasesRole, RELEASES_ROLE),
  );
  if (Object.keys(releases.signed.targets).length > 0 || releases.signed.delegations) {
    throw invalid(
      'releases version 1 must have no targets and no delegations; publish releases after the trust is set',
    );
  }
  return { root, targets, releases };
}
