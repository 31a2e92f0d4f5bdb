import { Metadata, MetadataKind, Signature } from '@tufjs/models';
import {
  canonicalBytes,
  DIRECTOR_PATHS,
  DIRECTOR_ROLE,
  RELEASES_PATHS,
  RELEASES_ROLE,
  type TufKey,
  type TopRoleName,
} from '@updraft/protocol';
import { createHash } from 'node:crypto';
import type { Signer } from './keys.js';

/**
 * Builds and signs the TUF metadata of one app's repository with @tufjs/models. Roles are
 * written as plain TUF JSON, loaded through @tufjs/models (which validates them as TUF 1.0),
 * signed, and serialised. The publisher's CLI uses the offline roles; the server only
 * director, snapshot and timestamp.
 */

export const SPEC_VERSION = '1.0.31';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

export interface SignedEnvelope {
  signed: JsonObject;
  signatures: { keyid: string; sig: string }[];
}

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

const KIND = {
  root: MetadataKind.Root,
  targets: MetadataKind.Targets,
  snapshot: MetadataKind.Snapshot,
  timestamp: MetadataKind.Timestamp,
} as const;

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

/**
 * Validates `signed` as TUF metadata of its `_type` with @tufjs/models, then signs it with
 * every signer (a role with threshold > 1 gets several signatures).
 */
export async function signMetadata(signed: JsonObject, signers: Signer[]): Promise<SignedEnvelope> {
  const type = signed['_type'];
  if (type !== 'root' && type !== 'targets' && type !== 'snapshot' && type !== 'timestamp') {
    throw new Error(`unknown metadata type ${String(type)}`);
  }
  const md = Metadata.fromJSON(KIND[type] as MetadataKind.Root, { signed, signatures: [] });
  const message = canonicalBytes(md.signed.toJSON());
  for (const signer of signers) {
    const sig = await signer.sign(message);
    md.sign(() => new Signature({ keyID: signer.keyId, sig }), true);
  }
  return md.toJSON() as unknown as SignedEnvelope;
}

/** Adds signatures to an envelope signed elsewhere (threshold signing from several key files). */
export async function addSignatures(envelope: SignedEnvelope, signers: Signer[]): Promise<SignedEnvelope> {
  const message = canonicalBytes(envelope.signed);
  const signatures = envelope.signatures.filter((s) => !signers.some((k) => k.keyId === s.keyid));
  for (const signer of signers) signatures.push({ keyid: signer.keyId, sig: await signer.sign(message) });
  return { signed: envelope.signed, signatures };
}

/** The bytes a repository serves for an envelope, and the meta entry that names them. */
export function serializeEnvelope(envelope: SignedEnvelope): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(envelope));
}

export function metaEntryFor(bytes: Uint8Array, version: number): MetaEntry {
  return { version, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
