/**
 * Access: who may do what, and the record of what they did: organizations (with their
 * audit-anchor settings) and which apps they own, API-key principals (`api_keys`, also read
 * as the legacy single-organization ApiKeyRecord), dashboard users, login sessions, the
 * sign-in throttle, and the hash-chained audit log.
 */

import type { PrincipalKind, Role } from '@updraft/api';

/** A principal's role (the API contract's vocabulary); what each may do is in domain/access.ts. */
export type { PrincipalKind, Role };

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: string;
}

/** An API key with who it speaks for. The key itself is never stored, only its SHA-256. */
export interface PrincipalRecord {
  id: string;
  orgId: string;
  name: string;
  kind: PrincipalKind;
  role: Role;
  /** ["*"] = everything the role allows. */
  scopes: string[];
  keySha256: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The apps the key is limited to; null = every app of its organization. */
  apps: string[] | null;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  keySha256: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface UserRecord {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

export interface SessionRecord {
  idSha256: string;
  principalType: 'user' | 'key';
  principalId: string;
  createdAt: string;
  expiresAt: string;
}

export interface AuditRecord {
  orgId: string;
  seq: number;
  appId: string | null;
  actorId: string;
  actorName: string;
  actorRole: string;
  actorKind: string;
  action: string;
  target: string;
  releaseId: string | null;
  manifestSha256: string | null;
  signingKeyIds: string[];
  details: Record<string, unknown>;
  requestId: string;
  at: string;
  prevHash: string;
  appPrevHash: string | null;
  hash: string;
}

export interface AccessStore {
  createOrganization(org: OrganizationRecord): Promise<boolean>;
  getOrganization(id: string): Promise<OrganizationRecord | null>;
  listOrganizations(): Promise<OrganizationRecord[]>;
  /**
   * The organization's opaque id in the public audit-anchor log: `candidate` is stored if it
   * has none yet; returns the stored one (so every instance agrees, and it never changes).
   */
  ensureOrgAnchorId(orgId: string, candidate: string): Promise<string>;
  /**
   * Inside a transaction: another transaction that locks the same organization waits until
   * this one ends (its reads then see what this one committed). Changes nothing.
   */
  lockOrg(orgId: string): Promise<void>;
  /** Where audit alerts of the organization are posted; null = nowhere. */
  getAuditWebhook(orgId: string): Promise<string | null>;
  setAuditWebhook(orgId: string, url: string | null): Promise<void>;
  /**
   * Records the anchor (leaf index) an audit alert was raised against, or null once the log
   * extends its anchors again; false when it already held that value (set by this or another
   * instance), so each departure alerts once.
   */
  setAuditAlertAnchor(orgId: string, anchorIndex: number | null): Promise<boolean>;
  getAppOrg(appId: string): Promise<string | null>;
  setAppOrg(appId: string, orgId: string): Promise<void>;
  listAppIds(orgId: string): Promise<string[]>;
  insertPrincipal(p: PrincipalRecord): Promise<void>;
  findPrincipalBySha256(keySha256: string): Promise<PrincipalRecord | null>;
  getPrincipal(id: string): Promise<PrincipalRecord | null>;
  listPrincipals(orgId: string): Promise<PrincipalRecord[]>;
  revokePrincipal(id: string, at: string): Promise<void>;
  countApiKeys(): Promise<number>;
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyBySha256(keySha256: string): Promise<ApiKeyRecord | null>;
  touchApiKey(id: string, at: string): Promise<void>;
  insertUser(u: UserRecord): Promise<boolean>;
  getUser(id: string): Promise<UserRecord | null>;
  /** An email is unique per organization only. */
  findUserByEmail(orgId: string, email: string): Promise<UserRecord | null>;
  listUsers(orgId: string): Promise<UserRecord[]>;
  disableUser(id: string, at: string): Promise<void>;
  insertSession(s: SessionRecord): Promise<void>;
  getSession(idSha256: string): Promise<SessionRecord | null>;
  deleteSession(idSha256: string): Promise<void>;
  deleteSessionsOf(principalType: SessionRecord['principalType'], principalId: string): Promise<void>;
  /**
   * Counts one sign-in attempt for a key (atomically, shared by every instance) and returns
   * how many this window holds, this one included; a window older than windowMs starts over.
   */
  reserveSignInAttempt(keySha256: string, nowMs: number, windowMs: number): Promise<number>;
  clearSignInAttempts(keySha256: string): Promise<void>;
  /** Drops windows that started before the time: eviction by age, never the whole table. */
  evictSignInAttempts(beforeMs: number): Promise<void>;
  lastAudit(orgId: string): Promise<AuditRecord | null>;
  lastAuditOfApp(orgId: string, appId: string): Promise<AuditRecord | null>;
  /** Throws StoreConflictError when the organization's seq is taken (another writer appended first). */
  insertAudit(entry: AuditRecord): Promise<void>;
  /** Oldest first. */
  listAudit(orgId: string, filter: { appId?: string; afterSeq?: number; limit?: number }): Promise<AuditRecord[]>;
}
