import { canonicalBytes, parseJsonObject } from '../canonical-json.js';
import { asInteger, asObject, asSha256, asString } from '../shape.js';
import { OFFLINE_ROLES, type OfflineRole } from '../roles.js';
import { hashLeaf } from './merkle.js';

/**
 * What an Updraft transparency log leaf holds: the canonical JSON of one entry. A device
 * rebuilds the entry of the releases metadata it verified and asks for its inclusion proof
 * by leaf hash; a monitor reads every entry.
 */

export const METADATA_ENTRY_TYPE = 'updraft.tuf-metadata/1';
export const AUDIT_HEAD_ENTRY_TYPE = 'updraft.audit-head/1';

/** The log records the versions of the offline roles (signed by the publisher, never the server). */
export type LoggedRole = OfflineRole;
const LOGGED_ROLES: readonly string[] = OFFLINE_ROLES;

/**
 * A version of `root`, `targets` or `releases` that the server stored and serves: the offline
 * roles, so the log's order says which keys were in force when each releases version came.
 */
export interface MetadataLogEntry {
  type: typeof METADATA_ENTRY_TYPE;
  appId: string;
  role: LoggedRole;
  version: number;
  /** SHA-256 and length of the exact metadata file bytes served at <version>.<role>.json. */
  sha256: string;
  length: number;
}

/** The head of a hash-chained audit log at some moment. */
export interface AuditHeadLogEntry {
  type: typeof AUDIT_HEAD_ENTRY_TYPE;
  /** Which audit log (a server may keep several). */
  source: string;
  /** Number of audit records covered. */
  size: number;
  /** Hex hash of the newest record (the chain head). */
  head: string;
  time: string;
}

export type LogEntry = MetadataLogEntry | AuditHeadLogEntry;

export function encodeLogEntry(entry: LogEntry): Uint8Array {
  return canonicalBytes(entry);
}

export function logEntryLeafHash(entry: LogEntry): Uint8Array {
  return hashLeaf(encodeLogEntry(entry));
}

/** Parses an entry; an unknown type is returned as null (newer servers may log more kinds). */
export function parseLogEntry(bytes: Uint8Array): LogEntry | null {
  const obj = asObject(parseJsonObject(bytes, 'log entry'), 'log entry');
  if (obj['type'] === METADATA_ENTRY_TYPE) {
    const role = asString(obj['role'], 'log entry.role', 16);
    if (!LOGGED_ROLES.includes(role)) return null;
    return {
      type: METADATA_ENTRY_TYPE,
      appId: asString(obj['appId'], 'log entry.appId', 128),
      role: role as LoggedRole,
      version: asInteger(obj['version'], 'log entry.version', 1),
      sha256: asSha256(obj['sha256'], 'log entry.sha256'),
      length: asInteger(obj['length'], 'log entry.length', 0),
    };
  }
  if (obj['type'] === AUDIT_HEAD_ENTRY_TYPE) {
    return {
      type: AUDIT_HEAD_ENTRY_TYPE,
      source: asString(obj['source'], 'log entry.source', 128),
      size: asInteger(obj['size'], 'log entry.size', 0),
      head: asString(obj['head'], 'log entry.head', 128),
      time: asString(obj['time'], 'log entry.time', 40),
    };
  }
  return null;
}
