import { ROLES, SCOPES, type Scope } from '@updraft/api';
import { forbidden } from './api-error.js';
import type { PrincipalKind, Role } from '../persistence/persistence.js';

/**
 * Who may do what (docs/api.md "Roles and scopes"). A request is allowed when the key's role
 * is at least the route's role AND the key's scopes include the route's scope (or "*").
 * Protected channels additionally need a release-manager or higher, or a CI service account.
 */

// The role and scope vocabulary is the API contract's: the CLI and the dashboard offer the same names.
export { ROLES, SCOPES, type Scope };
/**
 * Scopes that `*` does not include: a credential for an outside party (a witness service)
 * is named on the key itself, so no publish or owner key doubles as one by default.
 */
export const EXPLICIT_SCOPES: readonly Scope[] = ['witness'];

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
  /** The apps a key is limited to (undefined/null = every app of the organization). */
  apps?: string[] | null;
  /** When the caller's key stops working (undefined/null = never). */
  expiresAt?: string | null;
}

/** Creating a channel (POST …/channels, or publish with createChannel). */
export const CHANNEL_CREATE: Access = { role: 'release-manager', scopes: ['channels'] };

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

/** What a new key or user would be able to do. Missing fields are inherited from the creator. */
export interface Grant {
  role: Role;
  scopes?: string[] | undefined;
  expiresAt?: string | undefined;
  apps?: string[] | undefined;
}

/**
 * No escalation through minting (GitHub's fine-grained tokens, Stripe's restricted keys): a new
 * key gets at most its creator's role, scopes, apps and lifetime. Only a `*` key mints `*`;
 * an app-limited key mints keys for a subset of its apps; an expiring key mints keys that
 * expire no later. Returns the grant with the creator's limits filled in.
 */
export function boundedGrant(
  actor: Actor,
  grant: Grant,
): { role: Role; scopes: string[]; expiresAt: string | null; apps: string[] | null } {
  assertMayGrant(actor, grant.role);
  const scopes = grant.scopes === undefined || grant.scopes.length === 0 ? actor.scopes : grant.scopes;
  if (!actor.scopes.includes('*')) {
    const extra = scopes.filter((s) => !actor.scopes.includes(s));
    if (extra.length > 0) {
      throw forbidden(
        'forbidden-scope',
        `the key "${actor.name}" has the scopes ${actor.scopes.join(', ')} and cannot grant ${extra.join(', ')}`,
      );
    }
  }
  const limit = actor.expiresAt ?? null;
  const expiresAt = grant.expiresAt === undefined ? limit : new Date(Date.parse(grant.expiresAt)).toISOString();
  if (limit !== null && expiresAt !== null && Date.parse(expiresAt) > Date.parse(limit)) {
    throw forbidden(
      'forbidden-expiry',
      `the key "${actor.name}" expires at ${limit} and cannot create one that lives longer (${expiresAt}); give an earlier expiry`,
    );
  }
  const mine = actor.apps ?? null;
  const apps = grant.apps === undefined ? mine : [...new Set(grant.apps)].sort();
  if (mine !== null) {
    const outside = (apps ?? ['every app']).filter((a) => !mine.includes(a));
    if (outside.length > 0) {
      throw forbidden(
        'forbidden-app',
        `the key "${actor.name}" is limited to ${mine.join(', ')} and cannot grant ${outside.join(', ')}`,
      );
    }
  }
  return { role: grant.role, scopes: [...new Set(scopes)].sort(), expiresAt, apps };
}

/** Whether the caller may reach this app at all (an app-limited key sees nothing else). */
export function mayReachApp(actor: Actor, appId: string): boolean {
  return !actor.apps || actor.apps.includes(appId);
}
