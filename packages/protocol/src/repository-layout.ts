import { METADATA_ROLES, ROOT_ROLE, TIMESTAMP_ROLE, type MetadataRole } from './roles.js';

/**
 * The URL layout of an app's repository (docs/protocol.md §3), the same on the server, in a
 * static export and for every reader: `repo/<appId>/metadata/…` (TUF metadata, consistent
 * snapshots), `repo/<appId>/targets/…` (manifests, pointers, files by hash) and
 * `repo/<appId>/log/…` (the transparency log, C2SP tlog-tiles). Routes are these paths with a
 * `:appId` parameter; a static export writes them as files.
 */

export const REPOSITORY_FOLDER = 'repo';
export const METADATA_FOLDER = 'metadata';
export const TARGETS_FOLDER = 'targets';
export const LOG_FOLDER = 'log';
/** The log's checkpoint, inside the log folder. */
export const LOG_CHECKPOINT = 'checkpoint';
/** The log's tiles (C2SP tlog-tiles), inside the log folder: `tile/<L>/…` and `tile/entries/…`. */
export const LOG_TILE_FOLDER = 'tile';
/** The tile level that names entry bundles (C2SP tlog-tiles); hash tiles have numbered levels. */
export const LOG_ENTRIES_LEVEL = 'entries';
/** Updraft's leaf-index hints, inside the log folder: `leaf/<hex leaf hash>`. */
export const LOG_LEAF_FOLDER = 'leaf';
/**
 * The server's older JSON endpoints of a log, inside the log folder (a static export has only
 * the checkpoint, tiles and leaf hints): entries [start, end), and the inclusion and consistency
 * proofs. Devices read tiles; monitors and older clients use these.
 */
export const LOG_ENTRIES_PATH = 'entries';
export const LOG_INCLUSION_PROOF_PATH = 'proof/inclusion';
export const LOG_CONSISTENCY_PROOF_PATH = 'proof/consistency';
/** Timestamp is the one role served under a single name: it is where every check starts. */
export const TIMESTAMP_FILE = `${TIMESTAMP_ROLE}.json`;

/** Every role but timestamp is served under `<version>.<role>.json`. */
export type VersionedRole = Exclude<MetadataRole, typeof TIMESTAMP_ROLE>;
const VERSIONED_ROLES = METADATA_ROLES.filter((r): r is VersionedRole => r !== TIMESTAMP_ROLE);

/**
 * An app's repository relative to the server (and to a static export's folder). The route
 * pattern is `/${repositoryPath(':appId')}`; appIds are identifiers, so need no escaping.
 */
export function repositoryPath(appId: string): string {
  return `${REPOSITORY_FOLDER}/${appId}`;
}

export function repositoryBaseUrl(server: string, appId: string): string {
  return `${server.replace(/\/+$/, '')}/${repositoryPath(encodeURIComponent(appId))}`;
}

/** `<version>.<role>.json`: one immutable version of a role. */
export function metadataFileName(role: VersionedRole, version: number): string {
  return `${version}.${role}.json`;
}

/** The name snapshot and timestamp list a role's file under: `<role>.json`. */
export function roleFileName<R extends MetadataRole>(role: R): `${R}.json` {
  return `${role}.json`;
}

const VERSIONED_FILE = new RegExp(`^([1-9][0-9]{0,9})\\.(${VERSIONED_ROLES.join('|')})\\.json$`);

/** The role and version a metadata file name stands for; null for any other name. */
export function parseMetadataFileName(name: string): { role: VersionedRole; version: number } | null {
  const match = VERSIONED_FILE.exec(name);
  return match ? { role: match[2] as VersionedRole, version: Number(match[1]) } : null;
}

/** TUF consistent-snapshot URL path of a target: the hash is prefixed to the file name. */
export function consistentTargetPath(targetPath: string, sha256: string): string {
  const slash = targetPath.lastIndexOf('/');
  const dir = slash >= 0 ? targetPath.slice(0, slash + 1) : '';
  const name = targetPath.slice(slash + 1);
  return `${dir}${sha256}.${name}`;
}

/** URLs inside one app's repository, relative to its base `<server>/repo/<appId>`. */
export const repoPaths = {
  root: (version: number) => `${METADATA_FOLDER}/${metadataFileName(ROOT_ROLE, version)}`,
  timestamp: () => `${METADATA_FOLDER}/${TIMESTAMP_FILE}`,
  versioned: (role: VersionedRole, version: number) => `${METADATA_FOLDER}/${metadataFileName(role, version)}`,
  /** A path under targets/ as served (already in its consistent-snapshot form). */
  targets: (path: string) => `${TARGETS_FOLDER}/${path}`,
  target: (targetPath: string, sha256: string) => `${TARGETS_FOLDER}/${consistentTargetPath(targetPath, sha256)}`,
  file: (sha256: string) => `${TARGETS_FOLDER}/files/${sha256}`,
  checkpoint: () => `${LOG_FOLDER}/${LOG_CHECKPOINT}`,
  /** A file of the log: a tile path (`tile/…`) or leaf hint path from the transparency module. */
  log: (path: string) => `${LOG_FOLDER}/${path}`,
};
