// The names of the admin API without its schemas: an entry point that imports nothing, for a
// program that only lists them, e.g. the CLI's help.

/** The role vocabulary, lowest to highest (docs/api.md "Roles and scopes"). */
export const ROLES = ['viewer', 'developer', 'release-manager', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** What a key may be used for; `*` is every scope but the explicit ones (the server's access rules). */
export const SCOPES = ['read', 'publish', 'release', 'channels', 'apps', 'keys', 'audit', 'orgs', 'witness'] as const;
export type Scope = (typeof SCOPES)[number];

/** A member's key, or a CI service account's. */
export const PRINCIPAL_KINDS = ['member', 'service'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];
