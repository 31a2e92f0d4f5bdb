import type { JsonValue } from './canonical-json.js';
import { utf8Encode } from './encoding.js';
import type { TufKey } from './keys.js';
import { DIRECTOR_PATHS, RELEASES_PATHS } from './paths.js';
import { DIRECTOR_ROLE, RELEASES_ROLE, type TopRoleName } from './roles.js';

/**
 * The writing half of the repository format (metadata.ts is the reading half): each role's
 * `signed` part as plain TUF JSON, and the bytes a repository serves for a signed envelope.
 * Pure, so the server (online roles), the publisher (offline roles) and tests build the same
 * shapes; signing them is @updraft/signing's job.
 */

export const SPEC_VERSION = '1.0.31';

export type JsonObject = { [key: string]: JsonValue };

// A type, not an interface: an interface has no implicit index signature, so it would not be
// assignable to the admin API's schema-derived envelope ({ [x: string]: unknown; … }).
export type SignedEnvelope = {
  signed: JsonObject;
  signatures: { keyid: string; sig: string }[];
};

export interface RoleKeySet {
  keys: TufKey[];
  threshold: number;
}

export interface TargetEntry {
  length: number;
  sha256: string;
  custom?: JsonObject;
}

export interface MetaEntry {
  version: number;
  length: number;
  sha256: string;
}

function keyMap(sets: RoleKeySet[], idOf: (k: TufKey) => string): JsonObject {
  const out: JsonObject = {};
  for (const set of sets)
    for (const k of set.keys)
      out[idOf(k)] = { keytype: k.keytype, scheme: k.scheme, keyval: { public: k.keyval.public } };
  return out;
}

/** A role lists each key once (devices refuse a repeated key id), even if given twice. */
function keyIdsOf(set: RoleKeySet, keyIdOf: (k: TufKey) => string): string[] {
  return [...new Set(set.keys.map(keyIdOf))];
}

export function rootSigned(opts: {
  version: number;
  expires: string;
  roles: Record<TopRoleName, RoleKeySet>;
  keyIdOf: (k: TufKey) => string;
}): JsonObject {
  const roles: JsonObject = {};
  for (const [name, set] of Object.entries(opts.roles)) {
    roles[name] = { keyids: keyIdsOf(set, opts.keyIdOf), threshold: set.threshold };
  }
  return {
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: opts.version,
    expires: opts.expires,
    consistent_snapshot: true,
    keys: keyMap(Object.values(opts.roles), opts.keyIdOf),
    roles,
  };
}

/** Top-level targets: no targets of its own, only the two terminating delegations. */
export function targetsSigned(opts: {
  version: number;
  expires: string;
  releases: RoleKeySet;
  director: RoleKeySet;
  keyIdOf: (k: TufKey) => string;
}): JsonObject {
  return {
    _type: 'targets',
    spec_version: SPEC_VERSION,
    version: opts.version,
    expires: opts.expires,
    targets: {},
    delegations: {
      keys: keyMap([opts.releases, opts.director], opts.keyIdOf),
      roles: [
        {
          name: RELEASES_ROLE,
          keyids: keyIdsOf(opts.releases, opts.keyIdOf),
          threshold: opts.releases.threshold,
          terminating: true,
          paths: RELEASES_PATHS,
        },
        {
          name: DIRECTOR_ROLE,
          keyids: keyIdsOf(opts.director, opts.keyIdOf),
          threshold: opts.director.threshold,
          terminating: true,
          paths: DIRECTOR_PATHS,
        },
      ],
    },
  };
}

/** A delegated targets role (releases or director): targets only. */
export function delegatedSigned(opts: {
  version: number;
  expires: string;
  targets: Record<string, TargetEntry>;
}): JsonObject {
  const targets: JsonObject = {};
  for (const [path, t] of Object.entries(opts.targets)) {
    const entry: JsonObject = { length: t.length, hashes: { sha256: t.sha256 } };
    if (t.custom) entry['custom'] = t.custom;
    targets[path] = entry;
  }
  return { _type: 'targets', spec_version: SPEC_VERSION, version: opts.version, expires: opts.expires, targets };
}

function metaJson(m: MetaEntry): JsonObject {
  return { version: m.version, length: m.length, hashes: { sha256: m.sha256 } };
}

export function snapshotSigned(opts: {
  version: number;
  expires: string;
  meta: Record<string, MetaEntry>;
}): JsonObject {
  const meta: JsonObject = {};
  for (const [name, m] of Object.entries(opts.meta)) meta[name] = metaJson(m);
  return { _type: 'snapshot', spec_version: SPEC_VERSION, version: opts.version, expires: opts.expires, meta };
}

export function timestampSigned(opts: { version: number; expires: string; snapshot: MetaEntry }): JsonObject {
  return {
    _type: 'timestamp',
    spec_version: SPEC_VERSION,
    version: opts.version,
    expires: opts.expires,
    meta: { 'snapshot.json': metaJson(opts.snapshot) },
  };
}

/** The bytes a repository serves for an envelope (metaEntryFor in @updraft/signing names them). */
export function serializeEnvelope(envelope: SignedEnvelope): Uint8Array {
  return utf8Encode(JSON.stringify(envelope));
}
