/**
 * The control plane's storage (organizations, API key principals, channel protection,
 * release notes/disabling, pointers with their rollout state, scheduled deployments, audit
 * log), as domain operations. Reached as `store.control`, bound to the same connection or
 * transaction as the store it hangs off, so a change and its audit entry commit together.
 */

export type Role = 'owner' | 'admin' | 'release-manager' | 'developer' | 'viewer';
export type PrincipalKind = 'member' | 'service';

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

/**
 * Which release a (channel, platform, runtimeVersion) serves, with its rollout state and signed
 * targeting; the director signs one target per pointer.
 */
export interface PointerRecord {
  appId: string;
  channel: string;
  platform: string;
  runtimeVersion: string;
  releaseId: string;
  /** What devices outside the rollout get; null = nothing. */
  previousReleaseId: string | null;
  /** The intended percentage; the director signs 0 while halted. */
  basisPoints: number;
  /** Random per pointer and kept across releases, so a device's bucket stays put. */
  salt: string;
  mandatory: boolean;
  haltedAt: string | null;
  targeting: Record<string, unknown> | null;
  previousTargeting: Record<string, unknown> | null;
  updatedAt: string;
}

export interface ReleaseExtras {
  notes: string | null;
  disabledAt: string | null;
}

export type ScheduleStatus = 'scheduled' | 'applied' | 'cancelled' | 'failed';

export interface ScheduledDeployment {
  id: string;
  appId: string;
  channel: string;
  releaseId: string;
  basisPoints: number;
  mandatory: boolean;
  targeting: Record<string, unknown> | null;
  startAt: string;
  status: ScheduleStatus;
  detail: string | null;
  createdAt: string;
  /** The principal id that scheduled it: the actor of the audit entry when it applies. */
  createdBy: string;
  updatedAt: string;
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

export interface ControlPlaneStore {
  createOrganization(org: OrganizationRecord): Promise<boolean>;
  getOrganization(id: string): Promise<OrganizationRecord | null>;
  listOrganizations(): Promise<OrganizationRecord[]>;
  /**
   * The organization's opaque id in the public audit-anchor log: `candidate` is stored if it
   * has none yet; returns the stored one (so every instance agrees, and it never changes).
   */
  ensureOrgAnchorId(orgId: string, candidate: string): Promise<string>;
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

  /** False when the channel exists. */
  createChannel(appId: string, name: string, isProtected: boolean, at: string): Promise<boolean>;
  getChannel(appId: string, name: string): Promise<{ name: string; protected: boolean; createdAt: string } | null>;
  setChannelProtected(appId: string, name: string, isProtected: boolean): Promise<void>;

  getReleaseExtras(appId: string, releaseId: string): Promise<ReleaseExtras | null>;
  setReleaseNotes(appId: string, releaseId: string, notes: string | null): Promise<void>;
  setReleaseDisabled(appId: string, releaseId: string, at: string): Promise<void>;

  listPointers(appId: string): Promise<PointerRecord[]>;
  getPointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<PointerRecord | null>;
  /** Inserts or replaces the pointer of (app, channel, platform, runtimeVersion), every field. */
  putPointer(pointer: PointerRecord): Promise<void>;
  deletePointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<void>;

  insertSchedule(s: ScheduledDeployment): Promise<void>;
  listSchedules(
    appId: string,
    filter?: { releaseId?: string; status?: ScheduleStatus },
  ): Promise<ScheduledDeployment[]>;
  dueSchedules(nowIso: string, limit: number): Promise<ScheduledDeployment[]>;
  /** The starts a principal (key or user) scheduled that have not happened yet, any app. */
  pendingSchedulesBy(principalId: string): Promise<ScheduledDeployment[]>;
  /** Moves a schedule out of `from`; false when another writer already did (the claim failed). */
  setScheduleStatus(
    id: string,
    from: ScheduleStatus,
    to: ScheduleStatus,
    at: string,
    detail?: string,
  ): Promise<boolean>;

  lastAudit(orgId: string): Promise<AuditRecord | null>;
  lastAuditOfApp(orgId: string, appId: string): Promise<AuditRecord | null>;
  insertAudit(entry: AuditRecord): Promise<void>;
  /** Oldest first. */
  listAudit(orgId: string, filter: { appId?: string; afterSeq?: number; limit?: number }): Promise<AuditRecord[]>;
}
