import { parseJsonObject, type JsonValue } from './canonical-json.js';
import { keyId } from './keys.js';
import type { JsonObject, SignedEnvelope } from './repository-builders.js';
import { ROOT_EPOCH_FIELD } from './metadata.js';
import type { TufKey } from './keys.js';

/**
 * The next version of root or targets for a key change, or of any role for a renewal, built
 * from the current signed object (as verified) so every field the change does not touch stays
 * as it was. Pure: the publisher's workflows sign what these return.
 */

/**
 * A key change that cannot be made: `bad-input` (the change itself is wrong: a key the role
 * does not list, no key left, an impossible threshold) or `no-delegation` (the current targets
 * lacks the delegation to change). The message says what to do.
 */
export class KeyChangeError extends Error {
  readonly code: 'bad-input' | 'no-delegation';

  constructor(code: KeyChangeError['code'], message: string) {
    super(message);
    this.name = 'KeyChangeError';
    this.code = code;
  }
}

export interface KeyChange {
  add: TufKey[];
  remove: string[];
  threshold?: number;
}

interface RoleJson {
  keyids: string[];
  threshold: number;
}

/** The `signed` object of verified metadata exactly as it was signed, every field kept. */
export function envelopeSigned(current: { bytes: Uint8Array }): JsonObject {
  return (parseJsonObject(current.bytes, 'metadata') as unknown as SignedEnvelope).signed;
}

function clone<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function applyChange(role: RoleJson, keys: JsonObject, change: KeyChange, name: string): void {
  for (const id of change.remove) {
    if (!role.keyids.includes(id)) throw new KeyChangeError('bad-input', `the ${name} role does not list key ${id}`);
  }
  role.keyids = role.keyids.filter((id) => !change.remove.includes(id));
  for (const key of change.add) {
    const id = keyId(key);
    keys[id] = { keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public } };
    if (!role.keyids.includes(id)) role.keyids.push(id);
  }
  if (change.threshold !== undefined) role.threshold = change.threshold;
  if (role.keyids.length === 0) throw new KeyChangeError('bad-input', `the ${name} role would have no key left`);
  if (role.threshold < 1 || role.threshold > role.keyids.length) {
    throw new KeyChangeError(
      'bad-input',
      `the ${name} role would need ${role.threshold} signatures but lists ${role.keyids.length} key(s); pass --threshold 1…${role.keyids.length}`,
    );
  }
}

/** Drops keys no role lists any more, so root never carries a key it does not use. */
function pruneKeys(keys: JsonObject, roles: RoleJson[]): void {
  const used = new Set(roles.flatMap((r) => r.keyids));
  for (const id of Object.keys(keys)) if (!used.has(id)) delete keys[id];
}

export function nextRoot(
  current: JsonObject,
  role: 'root' | 'targets' | 'snapshot' | 'timestamp',
  change: KeyChange,
  expires: string,
  epoch?: number,
): JsonObject {
  const next = clone(current);
  const keys = next['keys'] as JsonObject;
  const roles = next['roles'] as unknown as Record<string, RoleJson>;
  applyChange(roles[role]!, keys, change, role);
  pruneKeys(keys, Object.values(roles));
  next['version'] = (current['version'] as number) + 1;
  next['expires'] = expires;
  if (epoch !== undefined) next[ROOT_EPOCH_FIELD] = epoch;
  return next;
}

export function nextTargets(
  current: JsonObject,
  role: 'releases' | 'director',
  change: KeyChange,
  expires: string,
): JsonObject {
  const next = clone(current);
  const delegations = next['delegations'] as { keys: JsonObject; roles: (RoleJson & { name: string })[] } & JsonObject;
  const delegated = delegations.roles.find((r) => r.name === role);
  if (!delegated) throw new KeyChangeError('no-delegation', `targets has no ${role} delegation`);
  applyChange(delegated, delegations.keys, change, role);
  pruneKeys(delegations.keys, delegations.roles);
  next['version'] = (current['version'] as number) + 1;
  next['expires'] = expires;
  return next;
}

/** The same metadata, one version later with a new expiry: renewal or re-signing with a rotated key. */
export function renewed(current: JsonObject, expires: string): JsonObject {
  const next = clone(current);
  next['version'] = (current['version'] as number) + 1;
  next['expires'] = expires;
  return next;
}
