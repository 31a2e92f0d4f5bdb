import type { TufKey } from './keys.js';
import {
  asArray,
  asBoolean,
  asInteger,
  asObject,
  asRecord,
  asString,
  asStringArray,
  fail,
  optional,
  type Obj,
} from './shape.js';
import { TOP_ROLES, type TopRoleName } from './roles.js';

/**
 * TUF 1.0 metadata, as plain data. Parsing validates shape only and keeps only the fields we
 * use; trust.ts checks signatures over the raw `signed` object, never over the parsed one.
 */

export interface Signature {
  keyid: string;
  sig: string;
}

export interface Envelope<T> {
  signed: T;
  signatures: Signature[];
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

interface SignedBase {
  spec_version: string;
  version: number;
  expires: string;
}

export interface RootSigned extends SignedBase {
  _type: 'root';
  consistent_snapshot: boolean;
  keys: Record<string, TufKey>;
  roles: Record<TopRoleName, RoleKeys>;
  /**
   * The highest release epoch this root allows (`"x-updraft-epoch": N` in the signed root,
   * 0 when absent). Only a new root can raise it: a stolen releases key cannot push
   * devices into an epoch the owner never opened.
   */
  epoch: number;
}

/** The field of a root's `signed` object that carries the release epoch (TUF ignores unknown fields). */
export const ROOT_EPOCH_FIELD = 'x-updraft-epoch';

export interface MetaFile {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
}

export interface TimestampSigned extends SignedBase {
  _type: 'timestamp';
  meta: { 'snapshot.json': MetaFile };
}

export interface SnapshotSigned extends SignedBase {
  _type: 'snapshot';
  meta: Record<string, MetaFile>;
}

export interface TargetFile {
  length: number;
  hashes: Record<string, string>;
  custom?: Obj;
}

export interface DelegatedRole extends RoleKeys {
  name: string;
  terminating: boolean;
  paths?: string[];
}

export interface Delegations {
  keys: Record<string, TufKey>;
  roles: DelegatedRole[];
}

export interface TargetsSigned extends SignedBase {
  _type: 'targets';
  targets: Record<string, TargetFile>;
  delegations?: Delegations;
}

export type AnySigned = RootSigned | TimestampSigned | SnapshotSigned | TargetsSigned;

const MAX_VERSION = 2 ** 31;
const EXPIRES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function parseEnvelope(value: unknown, what: string): { signed: Obj; signatures: Signature[] } {
  const obj = asObject(value, what);
  const signed = asObject(obj['signed'], `${what}.signed`);
  const signatures = asArray(obj['signatures'], `${what}.signatures`, 1000).map((s, i) => {
    const sig = asObject(s, `${what}.signatures[${i}]`);
    return {
      keyid: asString(sig['keyid'], `${what}.signatures[${i}].keyid`, 256),
      sig: asString(sig['sig'], `${what}.signatures[${i}].sig`, 1024),
    };
  });
  // TUF metadata lists each key's signature once: a repeated key id would only be counted
  // once, but such a file is not well formed, so it is refused before any signature check.
  refuseRepeats(
    signatures.map((s) => s.keyid),
    (i) => `${what}.signatures[${i}].keyid`,
  );
  return { signed, signatures };
}

/** A key id listed twice (in signatures or in a role's keys) makes the file malformed. */
function refuseRepeats(keyids: string[], pathOf: (i: number) => string): void {
  const seen = new Set<string>();
  keyids.forEach((id, i) => {
    if (seen.has(id)) fail(pathOf(i), 'a key id not listed before (each key appears once)');
    seen.add(id);
  });
}

function parseBase(signed: Obj, type: string, what: string): SignedBase {
  if (signed['_type'] !== type) fail(`${what}.signed._type`, `"${type}"`);
  const specVersion = asString(signed['spec_version'], `${what}.signed.spec_version`, 32);
  if (!/^1\.\d+(\.\d+)?$/.test(specVersion)) fail(`${what}.signed.spec_version`, 'a TUF 1.x version');
  const expires = asString(signed['expires'], `${what}.signed.expires`, 40);
  if (!EXPIRES.test(expires) || Number.isNaN(Date.parse(expires))) {
    fail(`${what}.signed.expires`, 'a UTC time like 2030-01-01T00:00:00Z');
  }
  return {
    spec_version: specVersion,
    version: asInteger(signed['version'], `${what}.signed.version`, 1, MAX_VERSION),
    expires,
  };
}

export function parseKey(value: unknown, path: string): TufKey {
  const key = asObject(value, path);
  const keyval = asObject(key['keyval'], `${path}.keyval`);
  return {
    keytype: asString(key['keytype'], `${path}.keytype`, 64),
    scheme: asString(key['scheme'], `${path}.scheme`, 64),
    keyval: { public: asString(keyval['public'], `${path}.keyval.public`, 4096) },
  };
}

function parseRoleKeys(value: unknown, path: string): RoleKeys {
  const role = asObject(value, path);
  const keyids = asStringArray(role['keyids'], `${path}.keyids`, 256);
  refuseRepeats(keyids, (i) => `${path}.keyids[${i}]`);
  return {
    keyids,
    threshold: asInteger(role['threshold'], `${path}.threshold`, 1, 256),
  };
}

function parseHashes(value: unknown, path: string): Record<string, string> {
  return asRecord(value, path, (v, p) => asString(v, p, 256));
}

function parseMetaFile(value: unknown, path: string): MetaFile {
  const m = asObject(value, path);
  const out: MetaFile = { version: asInteger(m['version'], `${path}.version`, 1, MAX_VERSION) };
  const length = optional(m['length'], `${path}.length`, (v, p) => asInteger(v, p, 0));
  const hashes = optional(m['hashes'], `${path}.hashes`, parseHashes);
  if (length !== undefined) out.length = length;
  if (hashes !== undefined) out.hashes = hashes;
  return out;
}

function parseRootEpoch(value: unknown, path: string): number {
  return value === undefined ? 0 : asInteger(value, path, 0, MAX_VERSION);
}

export function parseRoot(value: unknown, what = 'root'): Envelope<RootSigned> {
  const env = parseEnvelope(value, what);
  const s = env.signed;
  const base = parseBase(s, 'root', what);
  const rolesObj = asObject(s['roles'], `${what}.signed.roles`);
  const roles = {} as Record<TopRoleName, RoleKeys>;
  for (const name of TOP_ROLES) roles[name] = parseRoleKeys(rolesObj[name], `${what}.signed.roles.${name}`);
  return {
    signatures: env.signatures,
    signed: {
      ...base,
      _type: 'root',
      consistent_snapshot: asBoolean(s['consistent_snapshot'], `${what}.signed.consistent_snapshot`),
      keys: asRecord(s['keys'], `${what}.signed.keys`, parseKey),
      roles,
      epoch: parseRootEpoch(s[ROOT_EPOCH_FIELD], `${what}.signed["${ROOT_EPOCH_FIELD}"]`),
    },
  };
}

export function parseTimestamp(value: unknown, what = 'timestamp'): Envelope<TimestampSigned> {
  const env = parseEnvelope(value, what);
  const base = parseBase(env.signed, 'timestamp', what);
  const meta = asObject(env.signed['meta'], `${what}.signed.meta`);
  return {
    signatures: env.signatures,
    signed: {
      ...base,
      _type: 'timestamp',
      meta: { 'snapshot.json': parseMetaFile(meta['snapshot.json'], `${what}.signed.meta["snapshot.json"]`) },
    },
  };
}

export function parseSnapshot(value: unknown, what = 'snapshot'): Envelope<SnapshotSigned> {
  const env = parseEnvelope(value, what);
  const base = parseBase(env.signed, 'snapshot', what);
  return {
    signatures: env.signatures,
    signed: { ...base, _type: 'snapshot', meta: asRecord(env.signed['meta'], `${what}.signed.meta`, parseMetaFile) },
  };
}

function parseTargetFile(value: unknown, path: string): TargetFile {
  const t = asObject(value, path);
  const out: TargetFile = {
    length: asInteger(t['length'], `${path}.length`, 0),
    hashes: parseHashes(t['hashes'], `${path}.hashes`),
  };
  if (t['custom'] !== undefined) out.custom = asObject(t['custom'], `${path}.custom`);
  return out;
}

function parseDelegations(value: unknown, path: string): Delegations {
  const d = asObject(value, path);
  return {
    keys: asRecord(d['keys'], `${path}.keys`, parseKey),
    roles: asArray(d['roles'], `${path}.roles`, 1000).map((r, i) => {
      const p = `${path}.roles[${i}]`;
      const role = asObject(r, p);
      const out: DelegatedRole = {
        ...parseRoleKeys(role, p),
        name: asString(role['name'], `${p}.name`, 256),
        terminating: asBoolean(role['terminating'], `${p}.terminating`),
      };
      const paths = optional(role['paths'], `${p}.paths`, (v, q) => asStringArray(v, q, 1000));
      if (paths !== undefined) out.paths = paths;
      return out;
    }),
  };
}

export function parseTargets(value: unknown, what = 'targets'): Envelope<TargetsSigned> {
  const env = parseEnvelope(value, what);
  const base = parseBase(env.signed, 'targets', what);
  const out: TargetsSigned = {
    ...base,
    _type: 'targets',
    targets: asRecord(env.signed['targets'], `${what}.signed.targets`, parseTargetFile),
  };
  if (env.signed['delegations'] !== undefined) {
    out.delegations = parseDelegations(env.signed['delegations'], `${what}.signed.delegations`);
  }
  return { signatures: env.signatures, signed: out };
}
