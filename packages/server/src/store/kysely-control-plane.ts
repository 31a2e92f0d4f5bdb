import type { Kysely, Selectable } from 'kysely';
import type {
  AuditRecord,
  ControlPlaneStore,
  OrganizationRecord,
  PointerState,
  PrincipalKind,
  PrincipalRecord,
  ReleaseExtras,
  Role,
  ScheduleStatus,
  ScheduledDeployment,
} from './control-plane-store.js';
import type { ApiKeysTable, AuditLogTable, Database, PointersTable, ScheduledDeploymentsTable } from './schema.js';

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
/** Audit rows are read back to be verified: a hand-edited, unparseable cell must fail verification, not crash it. */
function tolerantJson<T>(text: string, fallback: (raw: string) => T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback(text);
  }
}

/** ControlPlaneStore over Kysely, dialect-neutral like KyselyMetadataStore. */
export class KyselyControlPlaneStore implements ControlPlaneStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createOrganization(org: OrganizationRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('organizations')
      .values({ id: org.id, name: org.name, created_at: org.createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getOrganization(id: string): Promise<OrganizationRecord | null> {
    const r = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { id: r.id, name: r.name, createdAt: r.created_at } : null;
  }

  async listOrganizations(): Promise<OrganizationRecord[]> {
    const rows = await this.db.selectFrom('organizations').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async getAppOrg(appId: string): Promise<string | null> {
    const r = await this.db.selectFrom('apps').select('org_id').where('app_id', '=', appId).executeTakeFirst();
    return r?.org_id ?? null;
  }

  async setAppOrg(appId: string, orgId: string): Promise<void> {
    await this.db.updateTable('apps').set({ org_id: orgId }).where('app_id', '=', appId).execute();
  }

  async listAppIds(orgId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('apps').select('app_id').where('org_id', '=', orgId).execute();
    return rows.map((r) => r.app_id);
  }

  async insertPrincipal(p: PrincipalRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: p.id,
        name: p.name,
        key_sha256: p.keySha256,
        role: p.role,
        created_at: p.createdAt,
        last_used_at: p.lastUsedAt,
        revoked_at: p.revokedAt,
        org_id: p.orgId,
        kind: p.kind,
        scopes: JSON.stringify(p.scopes),
        expires_at: p.expiresAt,
        created_by: p.createdBy,
      })
      .execute();
  }

  async findPrincipalBySha256(keySha256: string): Promise<PrincipalRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('key_sha256', '=', keySha256).executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async getPrincipal(id: string): Promise<PrincipalRecord | null> {
    const r = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async listPrincipals(orgId: string): Promise<PrincipalRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toPrincipal);
  }

  async revokePrincipal(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  async createChannel(appId: string, name: string, isProtected: boolean, at: string): Promise<boolean> {
    const r = await this.db
      .insertInto('channels')
      .values({ app_id: appId, name, protected: isProtected ? 1 : 0, created_at: at })
      .onConflict((oc) => oc.columns(['app_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getChannel(appId: string, name: string) {
    const r = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? { name: r.name, protected: r.protected !== 0, createdAt: r.created_at } : null;
  }

  async setChannelProtected(appId: string, name: string, isProtected: boolean): Promise<void> {
    await this.db
      .updateTable('channels')
      .set({ protected: isProtected ? 1 : 0 })
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .execute();
  }

  async getReleaseExtras(appId: string, releaseId: string): Promise<ReleaseExtras | null> {
    const r = await this.db
      .selectFrom('releases')
      .select(['notes', 'disabled_at'])
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return r ? { notes: r.notes, disabledAt: r.disabled_at } : null;
  }

  async setReleaseNotes(appId: string, releaseId: string, notes: string | null): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({ notes })
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .execute();
  }

  async setReleaseDisabled(appId: string, releaseId: string, at: string): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({ disabled_at: at })
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .execute();
  }

  async listPointerStates(appId: string): Promise<PointerState[]> {
    const rows = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('channel')
      .orderBy('platform')
      .orderBy('runtime_version')
      .execute();
    return rows.map(toPointerState);
  }

  async getPointerState(appId: string, channel: string, platform: string, runtimeVersion: string) {
    const r = await this.db
      .selectFrom('pointers')
      .selectAll()
      .where('app_id', '=', appId)
      .where('channel', '=', channel)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    return r ? toPointerState(r) : null;
  }

  async putPointerState(p: PointerState): Promise<void> {
    const values = {
      release_id: p.releaseId,
      previous_release_id: p.previousReleaseId,
      basis_points: p.basisPoints,
      salt: p.salt,
      mandatory: p.mandatory ? 1 : 0,
      updated_at: p.updatedAt,
      halted_at: p.haltedAt,
      targeting_json: json(p.targeting),
      previous_targeting_json: json(p.previousTargeting),
    };
    await this.db
      .insertInto('pointers')
      .values({
        app_id: p.appId,
        channel: p.channel,
        platform: p.platform,
        runtime_version: p.runtimeVersion,
        ...values,
      })
      .onConflict((oc) => oc.columns(['app_id', 'channel', 'platform', 'runtime_version']).doUpdateSet(values))
      .execute();
  }

  async deletePointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<void> {
    await this.db
      .deleteFrom('pointers')
      .where('app_id', '=', appId)
      .where('channel', '=', channel)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .execute();
  }

  async insertSchedule(s: ScheduledDeployment): Promise<void> {
    await this.db
      .insertInto('scheduled_deployments')
      .values({
        id: s.id,
        app_id: s.appId,
        channel: s.channel,
        release_id: s.releaseId,
        basis_points: s.basisPoints,
        mandatory: s.mandatory ? 1 : 0,
        targeting_json: json(s.targeting),
        start_at: s.startAt,
        status: s.status,
        detail: s.detail,
        created_at: s.createdAt,
        created_by: s.createdBy,
        updated_at: s.updatedAt,
      })
      .execute();
  }

  async listSchedules(appId: string, filter: { releaseId?: string; status?: ScheduleStatus } = {}) {
    let q = this.db.selectFrom('scheduled_deployments').selectAll().where('app_id', '=', appId);
    if (filter.releaseId !== undefined) q = q.where('release_id', '=', filter.releaseId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.orderBy('start_at').orderBy('id').execute()).map(toSchedule);
  }

  async dueSchedules(nowIso: string, limit: number): Promise<ScheduledDeployment[]> {
    const rows = await this.db
      .selectFrom('scheduled_deployments')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('start_at', '<=', nowIso)
      .orderBy('start_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toSchedule);
  }

  async setScheduleStatus(
    id: string,
    from: ScheduleStatus,
    to: ScheduleStatus,
    at: string,
    detail?: string,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('scheduled_deployments')
      .set({ status: to, updated_at: at, ...(detail !== undefined ? { detail } : {}) })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async lastAudit(orgId: string): Promise<AuditRecord | null> {
    const r = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toAudit(r) : null;
  }

  async lastAuditOfApp(orgId: string, appId: string): Promise<AuditRecord | null> {
    const r = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('app_id', '=', appId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toAudit(r) : null;
  }

  async insertAudit(e: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        org_id: e.orgId,
        seq: e.seq,
        app_id: e.appId,
        actor_id: e.actorId,
        actor_name: e.actorName,
        actor_role: e.actorRole,
        actor_kind: e.actorKind,
        action: e.action,
        target: e.target,
        release_id: e.releaseId,
        manifest_sha256: e.manifestSha256,
        signing_key_ids: JSON.stringify(e.signingKeyIds),
        details: JSON.stringify(e.details),
        request_id: e.requestId,
        at: e.at,
        prev_hash: e.prevHash,
        app_prev_hash: e.appPrevHash,
        hash: e.hash,
      })
      .execute();
  }

  async listAudit(orgId: string, filter: { appId?: string; afterSeq?: number; limit?: number }) {
    let q = this.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
    if (filter.appId !== undefined) q = q.where('app_id', '=', filter.appId);
    if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
    q = q.orderBy('seq');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map(toAudit);
  }
}

function toPrincipal(r: Selectable<ApiKeysTable>): PrincipalRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    kind: r.kind as PrincipalKind,
    role: r.role as Role,
    scopes: JSON.parse(r.scopes) as string[],
    keySha256: r.key_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

function toPointerState(r: Selectable<PointersTable>): PointerState {
  return {
    appId: r.app_id,
    channel: r.channel,
    platform: r.platform,
    runtimeVersion: r.runtime_version,
    releaseId: r.release_id,
    previousReleaseId: r.previous_release_id,
    basisPoints: Number(r.basis_points),
    salt: r.salt,
    mandatory: r.mandatory !== 0,
    haltedAt: r.halted_at,
    targeting: parseJson(r.targeting_json),
    previousTargeting: parseJson(r.previous_targeting_json),
    updatedAt: r.updated_at,
  };
}

function toSchedule(r: Selectable<ScheduledDeploymentsTable>): ScheduledDeployment {
  return {
    id: r.id,
    appId: r.app_id,
    channel: r.channel,
    releaseId: r.release_id,
    basisPoints: Number(r.basis_points),
    mandatory: r.mandatory !== 0,
    targeting: parseJson(r.targeting_json),
    startAt: r.start_at,
    status: r.status as ScheduleStatus,
    detail: r.detail,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function toAudit(r: Selectable<AuditLogTable>): AuditRecord {
  return {
    orgId: r.org_id,
    seq: Number(r.seq),
    appId: r.app_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    actorKind: r.actor_kind,
    action: r.action,
    target: r.target,
    releaseId: r.release_id,
    manifestSha256: r.manifest_sha256,
    signingKeyIds: tolerantJson<string[]>(r.signing_key_ids, (raw) => [`unparseable:${raw}`]),
    details: tolerantJson<Record<string, unknown>>(r.details, (raw) => ({ unparseable: raw })),
    requestId: r.request_id,
    at: r.at,
    prevHash: r.prev_hash,
    appPrevHash: r.app_prev_hash,
    hash: r.hash,
  };
}
