import type { accessApi } from '@updraft/api';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError, badRequest, conflict, forbidden, notFound } from './api-error.js';
import type { PrincipalRecord, Role, Transactional, UserRecord } from '../persistence/persistence.js';
import { assertMayGrant, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { cancelPendingStarts } from './schedules.js';
import { DEFAULT_ORG_ID } from '../persistence/migrations/sqlite/0003-control-plane.sqlite.js';
import { API_KEY_PATTERN, hashApiKey } from './auth-service.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.js';

/**
 * Dashboard users (email + scrypt password, a role in one organization) and browser
 * sessions. A session is a random cookie value stored only as its SHA-256; it speaks for a
 * user or for the API key it was opened with, and is re-checked on every request (a
 * disabled user or a revoked key loses its sessions at once).
 */

export const SESSION_COOKIE = 'updraft_session';
/**
 * The name over HTTPS: a browser accepts a `__Host-` cookie only when it is Secure, has
 * Path=/ and no Domain, so a sibling subdomain or a plain-http page cannot plant or
 * overwrite it (session fixation by cookie tossing).
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name for a request that came over HTTPS or not. */
export const sessionCookieName = (https: boolean): string => (https ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MIN_PASSWORD = 12;
/** Failed sign-ins per email in the window before 429. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export type UserSummary = accessApi.UserSummary;

const summary = (u: UserRecord): UserSummary => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: u.createdAt,
  createdBy: u.createdBy,
  disabledAt: u.disabledAt,
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The session cookie's value from a Cookie header, or null. Over HTTPS only the `__Host-`
 * name counts, so a cookie planted without that protection is never read.
 */
export function sessionCookieOf(cookieHeader: string | undefined, https = false): string | null {
  if (!cookieHeader) return null;
  const name = sessionCookieName(https);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
    }
  }
  return null;
}

export class UsersService {
  constructor(private readonly deps: { store: Transactional<'rollout' | 'access'>; now: () => number }) {}

  async create(actor: Actor, input: { email: string; role: Role; password: string }): Promise<UserSummary> {
    // A user holds every scope of its role on every app and never expires: only a caller
    // without such limits may create one (no escalation through minting).
    assertMayGrant(actor, input.role);
    if (!actor.scopes.includes('*') || actor.apps || actor.expiresAt) {
      throw forbidden(
        'forbidden-scope',
        `the key "${actor.name}" is limited (scopes, apps or expiry) and cannot create a dashboard user, who would not be; use a key with every scope, every app and no expiry`,
      );
    }
    if (input.password.length < MIN_PASSWORD) {
      throw badRequest('invalid-request', `body.password must have at least ${MIN_PASSWORD} characters`);
    }
    const nowMs = this.deps.now();
    const user: UserRecord = {
      id: randomUUID(),
      orgId: actor.orgId,
      email: input.email.toLowerCase(),
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: new Date(nowMs).toISOString(),
      createdBy: actor.id,
      disabledAt: null,
    };
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.access.insertUser(user))) {
        throw conflict('user-exists', `this organization already has a user with email ${user.email}`);
      }
      await appendAudit(
        tx,
        actor,
        { action: 'user.create', target: `user:${user.id}`, details: { email: user.email, role: user.role } },
        nowMs,
      );
    });
    return summary(user);
  }

  async list(actor: Actor): Promise<UserSummary[]> {
    return (await this.deps.store.access.listUsers(actor.orgId)).map(summary);
  }

  async disable(actor: Actor, id: string): Promise<UserSummary> {
    const { store } = this.deps;
    const user = await store.access.getUser(id);
    if (!user || user.orgId !== actor.orgId) throw notFound('user-not-found', `no user ${id} in this organization`);
    if (user.disabledAt) throw conflict('already-disabled', `user ${user.email} was disabled at ${user.disabledAt}`);
    assertMayGrant(actor, user.role);
    const nowMs = this.deps.now();
    const at = new Date(nowMs).toISOString();
    await store.transaction(async (tx) => {
      await tx.access.disableUser(id, at);
      await tx.access.deleteSessionsOf('user', id);
      const cancelled = await cancelPendingStarts(tx, actor, id, `the user ${user.email} was disabled`, nowMs);
      await appendAudit(
        tx,
        actor,
        { action: 'user.disable', target: `user:${id}`, details: { email: user.email, cancelledSchedules: cancelled } },
        nowMs,
      );
    });
    return summary({ ...user, disabledAt: at });
  }

  /**
   * Reserves one attempt for (organization, email) before any password is checked, in the
   * shared database: 200 parallel guesses, on any number of instances, get at most
   * MAX_FAILURES evaluations per window. Only a success clears the count.
   */
  private async reserveAttempt(throttleKey: string): Promise<void> {
    const { access } = this.deps.store;
    const nowMs = this.deps.now();
    await access.evictSignInAttempts(nowMs - FAILURE_WINDOW_MS);
    if ((await access.reserveSignInAttempt(throttleKey, nowMs, FAILURE_WINDOW_MS)) > MAX_FAILURES) {
      throw new ApiError('too-many-attempts', 'too many failed sign-ins for this email; wait 15 minutes');
    }
  }

  private fail(): never {
    throw new ApiError('unauthorized', 'wrong email or password (or unknown API key)');
  }

  /** Opens a session for an email + password or an API key; returns the cookie value (shown once). */
  async signIn(input: {
    org?: string;
    email?: string;
    password?: string;
    apiKey?: string;
  }): Promise<{ cookie: string; expiresAt: string }> {
    const { store } = this.deps;
    let principalType: 'user' | 'key';
    let principalId: string;
    if (input.apiKey !== undefined) {
      const record = API_KEY_PATTERN.test(input.apiKey)
        ? await store.access.findPrincipalBySha256(hashApiKey(input.apiKey))
        : null;
      // 256-bit random keys cannot be guessed: no throttle (one would only lock out the owners).
      if (!record || !this.keyUsable(record)) this.fail();
      principalType = 'key';
      principalId = record.id;
    } else if (input.email !== undefined && input.password !== undefined) {
      const email = input.email.toLowerCase();
      // Emails are unique per organization; the first organization's users need not name it.
      const orgId = input.org ?? DEFAULT_ORG_ID;
      const throttleKey = sha256(`${orgId}\n${email}`);
      await this.reserveAttempt(throttleKey);
      const user = await store.access.findUserByEmail(orgId, email);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabledAt) this.fail();
      await store.access.clearSignInAttempts(throttleKey);
      principalType = 'user';
      principalId = user.id;
    } else {
      throw badRequest('invalid-request', 'send {email, password} or {apiKey}');
    }
    const cookie = randomBytes(32).toString('base64url');
    const nowMs = this.deps.now();
    const expiresAt = new Date(nowMs + SESSION_TTL_MS).toISOString();
    await store.access.insertSession({
      idSha256: sha256(cookie),
      principalType,
      principalId,
      createdAt: new Date(nowMs).toISOString(),
      expiresAt,
    });
    return { cookie, expiresAt };
  }

  async signOut(cookie: string): Promise<void> {
    await this.deps.store.access.deleteSession(sha256(cookie));
  }

  private keyUsable(p: PrincipalRecord): boolean {
    return !p.revokedAt && !(p.expiresAt && Date.parse(p.expiresAt) <= this.deps.now());
  }

  /** The principal behind a session cookie, or why there is none (the same shapes as AuthService.authenticate). */
  async authenticateSession(
    cookie: string,
  ): Promise<{ principal: PrincipalRecord } | { problem: 'unknown' | 'expired' | 'revoked'; at?: string }> {
    const { store } = this.deps;
    const session = await store.access.getSession(sha256(cookie));
    if (!session) return { problem: 'unknown' };
    if (Date.parse(session.expiresAt) <= this.deps.now()) return { problem: 'expired', at: session.expiresAt };
    if (session.principalType === 'key') {
      const key = await store.access.getPrincipal(session.principalId);
      if (!key) return { problem: 'unknown' };
      if (key.revokedAt) return { problem: 'revoked', at: key.revokedAt };
      if (!this.keyUsable(key)) return { problem: 'expired', at: key.expiresAt ?? '' };
      return { principal: key };
    }
    const user = await store.access.getUser(session.principalId);
    if (!user) return { problem: 'unknown' };
    if (user.disabledAt) return { problem: 'revoked', at: user.disabledAt };
    return {
      principal: {
        id: user.id,
        orgId: user.orgId,
        name: user.email,
        kind: 'member',
        role: user.role,
        scopes: ['*'],
        keySha256: '',
        createdAt: user.createdAt,
        createdBy: user.createdBy,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        apps: null,
      },
    };
  }
}
