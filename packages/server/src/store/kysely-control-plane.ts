import type { Kysely } from 'kysely';
import type {
  AuditRecord,
  ControlPlaneStore,
  OrganizationRecord,
  PointerRecord,
  PrincipalRecord,
  ReleaseExtras,
  ScheduleStatus,
  ScheduledDeployment,
} from './control-plane-store.js';
import type { Database } from './schema.js';
import { ApiKeyQueries } from './kysely/api-keys.js';
import { AuditQueries } from './kysely/audit.js';
import { ChannelQueries } from './kysely/channels.js';
import { OrganizationQueries } from './kysely/organizations.js';
import { ReleaseQueries } from './kysely/releases.js';
import { ScheduleQueries } from './kysely/schedules.js';

/**
 * ControlPlaneStore over Kysely, dialect-neutral like KyselyMetadataStore. The queries live in
 * store/kysely/, one module per concern; this class only routes each operation to its module.
 */
export class KyselyControlPlaneStore implements ControlPlaneStore {
  private readonly organizations: OrganizationQueries;
  private readonly principals: ApiKeyQueries;
  private readonly channels: ChannelQueries;
  private readonly releases: ReleaseQueries;
  private readonly schedules: ScheduleQueries;
  private readonly audit: AuditQueries;

  constructor(db: Kysely<Database>) {
    this.organizations = new OrganizationQueries(db);
    this.principals = new ApiKeyQueries(db);
    this.channels = new ChannelQueries(db);
    this.releases = new ReleaseQueries(db);
    this.schedules = new ScheduleQueries(db);
    this.audit = new AuditQueries(db);
  }

  createOrganization(org: OrganizationRecord): Promise<boolean> {
    return this.organizations.createOrganization(org);
  }
  getOrganization(id: string): Promise<OrganizationRecord | null> {
    return this.organizations.getOrganization(id);
  }
  listOrganizations(): Promise<OrganizationRecord[]> {
    return this.organizations.listOrganizations();
  }
  getAppOrg(appId: string): Promise<string | null> {
    return this.organizations.getAppOrg(appId);
  }
  setAppOrg(appId: string, orgId: string): Promise<void> {
    return this.organizations.setAppOrg(appId, orgId);
  }
  listAppIds(orgId: string): Promise<string[]> {
    return this.organizations.listAppIds(orgId);
  }

  insertPrincipal(p: PrincipalRecord): Promise<void> {
    return this.principals.insertPrincipal(p);
  }
  findPrincipalBySha256(keySha256: string): Promise<PrincipalRecord | null> {
    return this.principals.findPrincipalBySha256(keySha256);
  }
  getPrincipal(id: string): Promise<PrincipalRecord | null> {
    return this.principals.getPrincipal(id);
  }
  listPrincipals(orgId: string): Promise<PrincipalRecord[]> {
    return this.principals.listPrincipals(orgId);
  }
  revokePrincipal(id: string, at: string): Promise<void> {
    return this.principals.revokePrincipal(id, at);
  }

  createChannel(appId: string, name: string, isProtected: boolean, at: string): Promise<boolean> {
    return this.channels.createChannel(appId, name, isProtected, at);
  }
  getChannel(appId: string, name: string) {
    return this.channels.getChannel(appId, name);
  }
  setChannelProtected(appId: string, name: string, isProtected: boolean): Promise<void> {
    return this.channels.setChannelProtected(appId, name, isProtected);
  }

  getReleaseExtras(appId: string, releaseId: string): Promise<ReleaseExtras | null> {
    return this.releases.getReleaseExtras(appId, releaseId);
  }
  setReleaseNotes(appId: string, releaseId: string, notes: string | null): Promise<void> {
    return this.releases.setReleaseNotes(appId, releaseId, notes);
  }
  setReleaseDisabled(appId: string, releaseId: string, at: string): Promise<void> {
    return this.releases.setReleaseDisabled(appId, releaseId, at);
  }

  listPointers(appId: string): Promise<PointerRecord[]> {
    return this.channels.listPointers(appId);
  }
  getPointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<PointerRecord | null> {
    return this.channels.getPointer(appId, channel, platform, runtimeVersion);
  }
  putPointer(pointer: PointerRecord): Promise<void> {
    return this.channels.putPointer(pointer);
  }
  deletePointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<void> {
    return this.channels.deletePointer(appId, channel, platform, runtimeVersion);
  }

  insertSchedule(s: ScheduledDeployment): Promise<void> {
    return this.schedules.insertSchedule(s);
  }
  listSchedules(appId: string, filter?: { releaseId?: string; status?: ScheduleStatus }) {
    return this.schedules.listSchedules(appId, filter);
  }
  dueSchedules(nowIso: string, limit: number): Promise<ScheduledDeployment[]> {
    return this.schedules.dueSchedules(nowIso, limit);
  }
  setScheduleStatus(id: string, from: ScheduleStatus, to: ScheduleStatus, at: string, detail?: string) {
    return this.schedules.setScheduleStatus(id, from, to, at, detail);
  }

  lastAudit(orgId: string): Promise<AuditRecord | null> {
    return this.audit.lastAudit(orgId);
  }
  lastAuditOfApp(orgId: string, appId: string): Promise<AuditRecord | null> {
    return this.audit.lastAuditOfApp(orgId, appId);
  }
  insertAudit(entry: AuditRecord): Promise<void> {
    return this.audit.insertAudit(entry);
  }
  listAudit(orgId: string, filter: { appId?: string; afterSeq?: number; limit?: number }) {
    return this.audit.listAudit(orgId, filter);
  }
}
