/**
 * The role vocabulary of an Updraft repository (docs/protocol.md §2): the four TUF top-level
 * roles and the two terminating delegations of targets. Every package names roles through
 * these, so a role is spelled, listed and classified in one place.
 */

export const ROOT_ROLE = 'root';
export const TARGETS_ROLE = 'targets';
export const SNAPSHOT_ROLE = 'snapshot';
export const TIMESTAMP_ROLE = 'timestamp';
/** Delegated by targets: every release manifest (`manifests/*`), signed offline by the publisher. */
export const RELEASES_ROLE = 'releases';
/** Delegated by targets: the channel pointers (`channels/*\/*\/*`), signed online by the server. */
export const DIRECTOR_ROLE = 'director';

/** Every role, each a sequence of immutable metadata versions (the order stores list them in). */
export const METADATA_ROLES = [
  ROOT_ROLE,
  TARGETS_ROLE,
  RELEASES_ROLE,
  DIRECTOR_ROLE,
  SNAPSHOT_ROLE,
  TIMESTAMP_ROLE,
] as const;
export type MetadataRole = (typeof METADATA_ROLES)[number];

/** The roles a root names keys for (TUF top-level roles). */
export const TOP_ROLES = [ROOT_ROLE, TARGETS_ROLE, SNAPSHOT_ROLE, TIMESTAMP_ROLE] as const;
export type TopRoleName = (typeof TOP_ROLES)[number];

/** The delegations of top-level targets. */
export const DELEGATED_ROLES = [RELEASES_ROLE, DIRECTOR_ROLE] as const;
export type DelegatedRoleName = (typeof DELEGATED_ROLES)[number];

/** Signed with the publisher's keys, which the server never holds. */
export const OFFLINE_ROLES = [ROOT_ROLE, TARGETS_ROLE, RELEASES_ROLE] as const;
export type OfflineRole = (typeof OFFLINE_ROLES)[number];

/** Signed by the server with the online keys it holds. */
export const ONLINE_ROLES = [SNAPSHOT_ROLE, TIMESTAMP_ROLE, DIRECTOR_ROLE] as const;
export type OnlineRole = (typeof ONLINE_ROLES)[number];

/** Whether a role is signed offline by the publisher (and so logged in the transparency log). */
export function isOfflineRole(role: MetadataRole): role is OfflineRole {
  return (OFFLINE_ROLES as readonly MetadataRole[]).includes(role);
}

export function isMetadataRole(value: unknown): value is MetadataRole {
  return typeof value === 'string' && (METADATA_ROLES as readonly string[]).includes(value);
}
