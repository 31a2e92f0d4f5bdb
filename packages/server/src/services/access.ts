import { forbidden } from '../api-error.js';
import type { PrincipalKind, Role } from '../store/index.js';

/**
 * Who may do what (docs/api.md "Roles and scopes"). A request is allowed when the key's role
 * is at least the route's role AND the key's scopes include the route's scope (or "*").
 * Protected channels additionally need a release-manager or higher, or a CI service account.
 */

/** Lowest to highest. */
export const ROLES: readonly Role[] = ['viewer', 'developer', 'release-manager', 'admin', 'owner'];

export const SCOPES = ['read', 'publish', 'release', 'channels', 'apps', 'keys', 'audit', 'orgs', 'witness'] as const;
/**
 * Scopes that `*` does not include: a credential for an outside party (a witness service)
 * is named on the key itself, so no publish or owner key doubles as one by default.
 */
export const EXPLICIT_SCOPES: readonly Scope[] = ['witness'];
export type Scope = (typeof SCOPES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** What a route needs: the lowest role, and a scope the key must hold (any of them). */
export interface Access {
  role: Role;
  scopes: readonly Scope[];
}

/** The authenticated caller of one request, as services and the audit log see it. */
export interface Actor {
  id: string;
  orgId: string;
  name: string;
  kind: PrincipalKind;
  role: Role;
  scopes: string[];
  requestId: string;
}

export function checkAccess(actor: Actor, access: Access): void {
  if (roleRank(actor.role) < roleRank(access.role)) {
    throw forbidden(
      'forbidden-role',
      `this needs the ${access.role} role or higher; the key "${actor.name}" is ${actor.role}. Ask an admin of the organization`,
    );
  }
  const wildcard = actor.scopes.includes('*') && access.scopes.some((s) => !EXPLICIT_SCOPES.includes(s));
  if (!wildcard && !access.scopes.some((s) => actor.scopes.includes(s))) {
    throw forbidden(
      'forbidden-scope',
      `the key "${actor.name}" lacks the scope ${access.scopes.join(' or ')} (it has ${actor.scopes.join(', ') || 'none'}); create a key with that scope`,
    );
  }
}

/** Protected channels: release-manager, admin, owner, or a CI service account — never a developer or viewer member. */
export function mayChangeProtected(actor: Actor): boolean {
  return roleRank(actor.role) >= roleRank('release-manager') || (actor.kind === 'service' && actor.role !== 'viewer');
}

export function assertMayChangeChannel(
  actor: Actor,
  appId: string,
  channel: { name: string; protected: boolean } | null,
): void {
  if (channel?.protected && !mayChangeProtected(actor)) {
    throw forbidden(
      'channel-protected',
      `channel "${channel.name}" of ${appId} is protected: only a release-manager, admin, owner or a CI service account may change it; "${actor.name}" is a ${actor.role}`,
    );
  }
}

/** A key may grant at most its own role (an admin cannot mint an owner key). */
export function assertMayGrant(actor: Actor, role: Role): void {
  if (roleRank(role) > roleRank(actor.role)) {
    throw forbidden('forbidden-role', `a ${actor.role} cannot create a key with the higher role ${role}`);
  }
}
