import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ApiError, badRequest, conflict, notFound } from '../api-error.js';
import type { MetadataStore, PrincipalRecord, Role, UserRecord } from '../store/index.js';
import { assertMayGrant, type Actor } from './access.js';
import { appendAudit } from './audit.js';
import { API_KEY_PATTERN, hashApiKey } from './auth.js';
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

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

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
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly deps: { store: MetadataStore; now: () => number }) {}

  async create(actor: Actor, input: { email: string; role: Role; password: string }): Promise<UserSummary> {
    assertMayGrant(actor, input.role);
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
      if (!(await tx.insight.insertUser(user))) {
        throw conflict('user-exists', `a user with email ${user.email} already exists`);
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
    return (await this.deps.store.insight.listUsers(actor.orgId)).map(summary);
  }

  async disable(actor: Actor, id: string): Promise<UserSummary> {
    const { store } = this.deps;
    const user = await store.insight.getUser(id);
    if (!user || user.orgId !== actor.orgId) throw notFound('user-not-found', `no user ${id} in this organization`);
    if (user.disabledAt) throw conflict('already-disabled', `user ${user.email} was disabled at ${user.disabledAt}`);
    assertMayGrant(actor, user.role);
    const nowMs = this.deps.now();
    const at = new Date(nowMs).toISOString();
    await store.transaction(async (tx) => {
      await tx.insight.disableUser(id, at);
      await tx.insight.deleteSessionsOf('user', id);
      await appendAudit(
        tx,
        actor,
        { action: 'user.disable', target: `user:${id}`, details: { email: user.email } },
        nowMs,
      );
    });
    return summary({ ...user, disabledAt: at });
  }

  private throttle(email: string): void {
    const f = this.failures.get(email);
    if (f && this.deps.now() - f.since < FAILURE_WINDOW_MS && f.count >= MAX_FAILURES) {
      throw new ApiError(429, 'too-many-attempts', 'too many failed sign-ins for this email; wait 15 minutes');
    }
  }

  private fail(email: string): never {
    const nowMs = this.deps.now();
    const f = this.failures.get(email);
    if (!f || nowMs - f.since >= FAILURE_WINDOW_MS) this.failures.set(email, { count: 1, since: nowMs });
    else f.count++;
    if (this.failures.size > 100_000) this.failures.clear();
    throw new ApiError(401, 'unauthorized', 'wrong email or password (or unknown API key)');
  }

  /** Opens a session for an email + password or an API key; returns the cookie value (shown once). */
  async signIn(input: {
    email?: string;
    password?: string;
    apiKey?: string;
  }): Promise<{ cookie: string; expiresAt: string }> {
    const { store } = this.deps;
    let principalType: 'user' | 'key';
    let principalId: string;
    if (input.apiKey !== undefined) {
      const record = API_KEY_PATTERN.test(input.apiKey)
        ? await store.control.findPrincipalBySha256(hashApiKey(input.apiKey))
        : null;
      if (!record || !this.keyUsable(record)) this.fail('api-key');
      principalType = 'key';
      principalId = record.id;
    } else if (input.email !== undefined && input.password !== undefined) {
      const email = input.email.toLowerCase();
      this.throttle(email);
      const user = await store.insight.findUserByEmail(email);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabledAt) this.fail(email);
      this.failures.delete(email);
      principalType = 'user';
      principalId = user.id;
    } else {
      throw badRequest('invalid-request', 'send {email, password} or {apiKey}');
    }
    const cookie = randomBytes(32).toString('base64url');
    const nowMs = this.deps.now();
    const expiresAt = new Date(nowMs + SESSION_TTL_MS).toISOString();
    await store.insight.insertSession({
      idSha256: sha256(cookie),
      principalType,
      principalId,
      createdAt: new Date(nowMs).toISOString(),
      expiresAt,
    });
    return { cookie, expiresAt };
  }

  async signOut(cookie: string): Promise<void> {
    await this.deps.store.insight.deleteSession(sha256(cookie));
  }

  private keyUsable(p: PrincipalRecord): boolean {
    return !p.revokedAt && !(p.expiresAt && Date.parse(p.expiresAt) <= this.deps.now());
  }

  /** The principal behind a session cookie, or why there is none (the same shapes as AuthService.authenticate). */
  async authenticateSession(
    cookie: string,
  ): Promise<{ principal: PrincipalRecord } | { problem: 'unknown' | 'expired' | 'revoked'; at?: string }> {
    const { store } = this.deps;
    const session = await store.insight.getSession(sha256(cookie));
    if (!session) return { problem: 'unknown' };
    if (Date.parse(session.expiresAt) <= this.deps.now()) return { problem: 'expired', at: session.expiresAt };
    if (session.principalType === 'key') {
      const key = await store.control.getPrincipal(session.principalId);
      if (!key) return { problem: 'unknown' };
      if (key.revokedAt) return { problem: 'revoked', at: key.revokedAt };
      if (!this.keyUsable(key)) return { problem: 'expired', at: key.expiresAt ?? '' };
      return { principal: key };
    }
    const user = await store.insight.getUser(session.principalId);
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
      },
    };
  }
}
