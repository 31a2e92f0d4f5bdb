import type { Kysely } from 'kysely';
import type { ControlPlaneStore } from './control-plane-store.js';
import type { Database } from './schema.js';
import { ApiKeyQueries } from './kysely/api-keys.js';
import { AuditQueries } from './kysely/audit.js';
import { ChannelQueries } from './kysely/channels.js';
import { OrganizationQueries } from './kysely/organizations.js';
import { ReleaseQueries } from './kysely/releases.js';
import { ScheduleQueries } from './kysely/schedules.js';

/**
 * ControlPlaneStore over Kysely, dialect-neutral like KyselyMetadataStore. The queries live in
 * store/kysely/, one module per concern; this class only routes each operation to its
 * module. Signatures are taken from the interface (Parameters<...>) so they are stated, and
 * documented, once.
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

  createOrganization(...args: Parameters<ControlPlaneStore['createOrganization']>) {
    return this.organizations.createOrganization(...args);
  }
  getOrganization(...args: Parameters<ControlPlaneStore['getOrganization']>) {
    return this.organizations.getOrganization(...args);
  }
  listOrganizations() {
    return this.organizations.listOrganizations();
  }
  ensureOrgAnchorId(...args: Parameters<ControlPlaneStore['ensureOrgAnchorId']>) {
    return this.organizations.ensureOrgAnchorId(...args);
  }
  getAuditWebhook(...args: Parameters<ControlPlaneStore['getAuditWebhook']>) {
    return this.organizations.getAuditWebhook(...args);
  }
  setAuditWebhook(...args: Parameters<ControlPlaneStore['setAuditWebhook']>) {
    return this.organizations.setAuditWebhook(...args);
  }
  setAuditAlertAnchor(...args: Parameters<ControlPlaneStore['setAuditAlertAnchor']>) {
    return this.organizations.setAuditAlertAnchor(...args);
  }
  getAppOrg(...args: Parameters<ControlPlaneStore['getAppOrg']>) {
    return this.organizations.getAppOrg(...args);
  }
  setAppOrg(...args: Parameters<ControlPlaneStore['setAppOrg']>) {
    return this.organizations.setAppOrg(...args);
  }
  listAppIds(...args: Parameters<ControlPlaneStore['listAppIds']>) {
    return this.organizations.listAppIds(...args);
  }

  insertPrincipal(...args: Parameters<ControlPlaneStore['insertPrincipal']>) {
    return this.principals.insertPrincipal(...args);
  }
  findPrincipalBySha256(...args: Parameters<ControlPlaneStore['findPrincipalBySha256']>) {
    return this.principals.findPrincipalBySha256(...args);
  }
  getPrincipal(...args: Parameters<ControlPlaneStore['getPrincipal']>) {
    return this.principals.getPrincipal(...args);
  }
  listPrincipals(...args: Parameters<ControlPlaneStore['listPrincipals']>) {
    return this.principals.listPrincipals(...args);
  }
  revokePrincipal(...args: Parameters<ControlPlaneStore['revokePrincipal']>) {
    return this.principals.revokePrincipal(...args);
  }

  createChannel(...args: Parameters<ControlPlaneStore['createChannel']>) {
    return this.channels.createChannel(...args);
  }
  getChannel(...args: Parameters<ControlPlaneStore['getChannel']>) {
    return this.channels.getChannel(...args);
  }
  setChannelProtected(...args: Parameters<ControlPlaneStore['setChannelProtected']>) {
    return this.channels.setChannelProtected(...args);
  }

  getReleaseExtras(...args: Parameters<ControlPlaneStore['getReleaseExtras']>) {
    return this.releases.getReleaseExtras(...args);
  }
  setReleaseNotes(...args: Parameters<ControlPlaneStore['setReleaseNotes']>) {
    return this.releases.setReleaseNotes(...args);
  }
  setReleaseDisabled(...args: Parameters<ControlPlaneStore['setReleaseDisabled']>) {
    return this.releases.setReleaseDisabled(...args);
  }

  listPointers(...args: Parameters<ControlPlaneStore['listPointers']>) {
    return this.channels.listPointers(...args);
  }
  getPointer(...args: Parameters<ControlPlaneStore['getPointer']>) {
    return this.channels.getPointer(...args);
  }
  putPointer(...args: Parameters<ControlPlaneStore['putPointer']>) {
    return this.channels.putPointer(...args);
  }
  deletePointer(...args: Parameters<ControlPlaneStore['deletePointer']>) {
    return this.channels.deletePointer(...args);
  }

  insertSchedule(...args: Parameters<ControlPlaneStore['insertSchedule']>) {
    return this.schedules.insertSchedule(...args);
  }
  listSchedules(...args: Parameters<ControlPlaneStore['listSchedules']>) {
    return this.schedules.listSchedules(...args);
  }
  dueSchedules(...args: Parameters<ControlPlaneStore['dueSchedules']>) {
    return this.schedules.dueSchedules(...args);
  }
  setScheduleStatus(...args: Parameters<ControlPlaneStore['setScheduleStatus']>) {
    return this.schedules.setScheduleStatus(...args);
  }
  pendingSchedulesBy(...args: Parameters<ControlPlaneStore['pendingSchedulesBy']>) {
    return this.schedules.pendingSchedulesBy(...args);
  }

  lastAudit(...args: Parameters<ControlPlaneStore['lastAudit']>) {
    return this.audit.lastAudit(...args);
  }
  lastAuditOfApp(...args: Parameters<ControlPlaneStore['lastAuditOfApp']>) {
    return this.audit.lastAuditOfApp(...args);
  }
  insertAudit(...args: Parameters<ControlPlaneStore['insertAudit']>) {
    return this.audit.insertAudit(...args);
  }
  listAudit(...args: Parameters<ControlPlaneStore['listAudit']>) {
    return this.audit.listAudit(...args);
  }
}
