import { METADATA_ROLES } from '@updraft/protocol/vocabulary';

// The names and bounds of the signing package without its code: an entry point that imports
// only the protocol's names, for a program that only lists them, e.g. the CLI's help.

/** The fields of an app's ExpiryPolicy (expiry.ts): a lifetime per role, and the warning time. */
export const EXPIRY_FIELDS = [...METADATA_ROLES, 'warnBefore'] as const;
export type ExpiryField = (typeof EXPIRY_FIELDS)[number];

/** The roles `rotationBundle` (workflows/rotate.ts) changes the keys of. */
export const ROTATABLE_ROLES = ['root', 'targets', 'releases', 'snapshot', 'timestamp', 'director'] as const;
export type RotatableRole = (typeof ROTATABLE_ROLES)[number];

/** How many releases of each (platform, runtimeVersion) a new releases version keeps unless told otherwise. */
export const DEFAULT_KEEP_RELEASES = 20;
/** The most `keep` may be: a listing this long is already one every device downloads whole after a publish. */
export const MAX_KEEP_RELEASES = 1000;
