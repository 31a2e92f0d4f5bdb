import type { Kysely } from 'kysely';
import type { Tables } from './schema.js';
import type { AccessStore } from './access-store.js';
import type { InsightStore } from './insight-store.js';
import type { LeaseStore } from './lease-store.js';
import type { ReleaseStore } from './release-store.js';
import type { RolloutStore } from './rollout-store.js';
import type { TrustStore } from './trust-store.js';
import { ApiKeyQueries } from './kysely/api-keys-table.js';
import { AppQueries } from './kysely/apps-table.js';
import { AuditQueries } from './kysely/audit-table.js';
import { ChannelQueries } from './kysely/channels-table.js';
import { DashboardUserQueries } from './kysely/dashboard-users-table.js';
import { DeviceEventQueries } from './kysely/device-events-table.js';
import { EventSourceQueries } from './kysely/event-sources-table.js';
import { FileQueries } from './kysely/blobs-table.js';
import { GuardrailQueries } from './kysely/guardrails-table.js';
import { IngestKeyQueries } from './kysely/ingest-keys-table.js';
import { LeaseQueries } from './kysely/leases-table.js';
import { OrganizationQueries } from './kysely/organizations-table.js';
import { ReleaseQueries } from './kysely/releases-table.js';
import { ScheduleQueries } from './kysely/schedules-table.js';
import { SignedMetadataQueries } from './kysely/signed-metadata-table.js';
import { WebhookQueries } from './kysely/webhooks-table.js';

// Each port over Kysely: the queries live in persistence/kysely/, one module per table group; these
// classes bind them to one connection or transaction and route each operation of a port to its
// module. Signatures are taken from the port (Parameters<...>) so they are stated, and
// documented, once. Only dialect-neutral query builder calls are used; the dialect-specific
// parts (connection, pragmas, migrations) live in sqlite.ts and postgres.ts.

export class KyselyTrustStore implements TrustStore {
  private readonly apps: AppQueries;
  private readonly signedMetadata: SignedMetadataQueries;

  constructor(db: Kysely<Tables>) {
    this.apps = new AppQueries(db);
    this.signedMetadata = new SignedMetadataQueries(db);
  }

  createApp(...args: Parameters<TrustStore['createApp']>) {
    return this.apps.createApp(...args);
  }
  getApp(...args: Parameters<TrustStore['getApp']>) {
    return this.apps.getApp(...args);
  }
  listApps(...args: Parameters<TrustStore['listApps']>) {
    return this.apps.listApps(...args);
  }
  markTrustInitialized(...args: Parameters<TrustStore['markTrustInitialized']>) {
    return this.apps.markTrustInitialized(...args);
  }
  lockApp(...args: Parameters<TrustStore['lockApp']>) {
    return this.apps.lockApp(...args);
  }
  getOnlineKeys(...args: Parameters<TrustStore['getOnlineKeys']>) {
    return this.apps.getOnlineKeys(...args);
  }
  setOnlineKey(...args: Parameters<TrustStore['setOnlineKey']>) {
    return this.apps.setOnlineKey(...args);
  }
  addOnlineKeyCandidate(...args: Parameters<TrustStore['addOnlineKeyCandidate']>) {
    return this.apps.addOnlineKeyCandidate(...args);
  }
  listOnlineKeyCandidates(...args: Parameters<TrustStore['listOnlineKeyCandidates']>) {
    return this.apps.listOnlineKeyCandidates(...args);
  }
  getExpiryPolicy(...args: Parameters<TrustStore['getExpiryPolicy']>) {
    return this.apps.getExpiryPolicy(...args);
  }
  putExpiryPolicy(...args: Parameters<TrustStore['putExpiryPolicy']>) {
    return this.apps.putExpiryPolicy(...args);
  }
  putMetadata(...args: Parameters<TrustStore['putMetadata']>) {
    return this.signedMetadata.putMetadata(...args);
  }
  getMetadata(...args: Parameters<TrustStore['getMetadata']>) {
    return this.signedMetadata.getMetadata(...args);
  }
  getLatestMetadata(...args: Parameters<TrustStore['getLatestMetadata']>) {
    return this.signedMetadata.getLatestMetadata(...args);
  }
  getLatestMetadataVersion(...args: Parameters<TrustStore['getLatestMetadataVersion']>) {
    return this.signedMetadata.getLatestMetadataVersion(...args);
  }
}

export class KyselyReleaseStore implements ReleaseStore {
  private readonly releases: ReleaseQueries;
  private readonly files: FileQueries;

  constructor(db: Kysely<Tables>) {
    this.releases = new ReleaseQueries(db);
    this.files = new FileQueries(db);
  }

  insertRelease(...args: Parameters<ReleaseStore['insertRelease']>) {
    return this.releases.insertRelease(...args);
  }
  getRelease(...args: Parameters<ReleaseStore['getRelease']>) {
    return this.releases.getRelease(...args);
  }
  listReleases(...args: Parameters<ReleaseStore['listReleases']>) {
    return this.releases.listReleases(...args);
  }
  maxVersionCode(...args: Parameters<ReleaseStore['maxVersionCode']>) {
    return this.releases.maxVersionCode(...args);
  }
  getReleaseExtras(...args: Parameters<ReleaseStore['getReleaseExtras']>) {
    return this.releases.getReleaseExtras(...args);
  }
  setReleaseNotes(...args: Parameters<ReleaseStore['setReleaseNotes']>) {
    return this.releases.setReleaseNotes(...args);
  }
  setReleaseDisabled(...args: Parameters<ReleaseStore['setReleaseDisabled']>) {
    return this.releases.setReleaseDisabled(...args);
  }
  addAppBlob(...args: Parameters<ReleaseStore['addAppBlob']>) {
    return this.files.addAppBlob(...args);
  }
  findAppBlobs(...args: Parameters<ReleaseStore['findAppBlobs']>) {
    return this.files.findAppBlobs(...args);
  }
  listBlobs(...args: Parameters<ReleaseStore['listBlobs']>) {
    return this.files.listBlobs(...args);
  }
  getEmbeddedBundle(...args: Parameters<ReleaseStore['getEmbeddedBundle']>) {
    return this.files.getEmbeddedBundle(...args);
  }
  putEmbeddedBundle(...args: Parameters<ReleaseStore['putEmbeddedBundle']>) {
    return this.files.putEmbeddedBundle(...args);
  }
}

export class KyselyRolloutStore implements RolloutStore {
  private readonly channels: ChannelQueries;
  private readonly schedules: ScheduleQueries;

  constructor(db: Kysely<Tables>) {
    this.channels = new ChannelQueries(db);
    this.schedules = new ScheduleQueries(db);
  }

  ensureChannel(...args: Parameters<RolloutStore['ensureChannel']>) {
    return this.channels.ensureChannel(...args);
  }
  listChannels(...args: Parameters<RolloutStore['listChannels']>) {
    return this.channels.listChannels(...args);
  }
  createChannel(...args: Parameters<RolloutStore['createChannel']>) {
    return this.channels.createChannel(...args);
  }
  getChannel(...args: Parameters<RolloutStore['getChannel']>) {
    return this.channels.getChannel(...args);
  }
  setChannelProtected(...args: Parameters<RolloutStore['setChannelProtected']>) {
    return this.channels.setChannelProtected(...args);
  }
  listPointers(...args: Parameters<RolloutStore['listPointers']>) {
    return this.channels.listPointers(...args);
  }
  getPointer(...args: Parameters<RolloutStore['getPointer']>) {
    return this.channels.getPointer(...args);
  }
  putPointer(...args: Parameters<RolloutStore['putPointer']>) {
    return this.channels.putPointer(...args);
  }
  deletePointer(...args: Parameters<RolloutStore['deletePointer']>) {
    return this.channels.deletePointer(...args);
  }
  insertSchedule(...args: Parameters<RolloutStore['insertSchedule']>) {
    return this.schedules.insertSchedule(...args);
  }
  listSchedules(...args: Parameters<RolloutStore['listSchedules']>) {
    return this.schedules.listSchedules(...args);
  }
  dueSchedules(...args: Parameters<RolloutStore['dueSchedules']>) {
    return this.schedules.dueSchedules(...args);
  }
  pendingSchedulesBy(...args: Parameters<RolloutStore['pendingSchedulesBy']>) {
    return this.schedules.pendingSchedulesBy(...args);
  }
  setScheduleStatus(...args: Parameters<RolloutStore['setScheduleStatus']>) {
    return this.schedules.setScheduleStatus(...args);
  }
}

export class KyselyAccessStore implements AccessStore {
  private readonly organizations: OrganizationQueries;
  private readonly principals: ApiKeyQueries;
  private readonly users: DashboardUserQueries;
  private readonly audit: AuditQueries;

  constructor(db: Kysely<Tables>) {
    this.organizations = new OrganizationQueries(db);
    this.principals = new ApiKeyQueries(db);
    this.users = new DashboardUserQueries(db);
    this.audit = new AuditQueries(db);
  }

  createOrganization(...args: Parameters<AccessStore['createOrganization']>) {
    return this.organizations.createOrganization(...args);
  }
  getOrganization(...args: Parameters<AccessStore['getOrganization']>) {
    return this.organizations.getOrganization(...args);
  }
  listOrganizations(...args: Parameters<AccessStore['listOrganizations']>) {
    return this.organizations.listOrganizations(...args);
  }
  ensureOrgAnchorId(...args: Parameters<AccessStore['ensureOrgAnchorId']>) {
    return this.organizations.ensureOrgAnchorId(...args);
  }
  lockOrg(...args: Parameters<AccessStore['lockOrg']>) {
    return this.organizations.lockOrg(...args);
  }
  getAuditWebhook(...args: Parameters<AccessStore['getAuditWebhook']>) {
    return this.organizations.getAuditWebhook(...args);
  }
  setAuditWebhook(...args: Parameters<AccessStore['setAuditWebhook']>) {
    return this.organizations.setAuditWebhook(...args);
  }
  setAuditAlertAnchor(...args: Parameters<AccessStore['setAuditAlertAnchor']>) {
    return this.organizations.setAuditAlertAnchor(...args);
  }
  getAppOrg(...args: Parameters<AccessStore['getAppOrg']>) {
    return this.organizations.getAppOrg(...args);
  }
  setAppOrg(...args: Parameters<AccessStore['setAppOrg']>) {
    return this.organizations.setAppOrg(...args);
  }
  listAppIds(...args: Parameters<AccessStore['listAppIds']>) {
    return this.organizations.listAppIds(...args);
  }
  insertPrincipal(...args: Parameters<AccessStore['insertPrincipal']>) {
    return this.principals.insertPrincipal(...args);
  }
  findPrincipalBySha256(...args: Parameters<AccessStore['findPrincipalBySha256']>) {
    return this.principals.findPrincipalBySha256(...args);
  }
  getPrincipal(...args: Parameters<AccessStore['getPrincipal']>) {
    return this.principals.getPrincipal(...args);
  }
  listPrincipals(...args: Parameters<AccessStore['listPrincipals']>) {
    return this.principals.listPrincipals(...args);
  }
  revokePrincipal(...args: Parameters<AccessStore['revokePrincipal']>) {
    return this.principals.revokePrincipal(...args);
  }
  countApiKeys(...args: Parameters<AccessStore['countApiKeys']>) {
    return this.principals.countApiKeys(...args);
  }
  insertApiKey(...args: Parameters<AccessStore['insertApiKey']>) {
    return this.principals.insertApiKey(...args);
  }
  findApiKeyBySha256(...args: Parameters<AccessStore['findApiKeyBySha256']>) {
    return this.principals.findApiKeyBySha256(...args);
  }
  touchApiKey(...args: Parameters<AccessStore['touchApiKey']>) {
    return this.principals.touchApiKey(...args);
  }
  insertUser(...args: Parameters<AccessStore['insertUser']>) {
    return this.users.insertUser(...args);
  }
  getUser(...args: Parameters<AccessStore['getUser']>) {
    return this.users.getUser(...args);
  }
  findUserByEmail(...args: Parameters<AccessStore['findUserByEmail']>) {
    return this.users.findUserByEmail(...args);
  }
  listUsers(...args: Parameters<AccessStore['listUsers']>) {
    return this.users.listUsers(...args);
  }
  disableUser(...args: Parameters<AccessStore['disableUser']>) {
    return this.users.disableUser(...args);
  }
  insertSession(...args: Parameters<AccessStore['insertSession']>) {
    return this.users.insertSession(...args);
  }
  getSession(...args: Parameters<AccessStore['getSession']>) {
    return this.users.getSession(...args);
  }
  deleteSession(...args: Parameters<AccessStore['deleteSession']>) {
    return this.users.deleteSession(...args);
  }
  deleteSessionsOf(...args: Parameters<AccessStore['deleteSessionsOf']>) {
    return this.users.deleteSessionsOf(...args);
  }
  reserveSignInAttempt(...args: Parameters<AccessStore['reserveSignInAttempt']>) {
    return this.users.reserveSignInAttempt(...args);
  }
  clearSignInAttempts(...args: Parameters<AccessStore['clearSignInAttempts']>) {
    return this.users.clearSignInAttempts(...args);
  }
  evictSignInAttempts(...args: Parameters<AccessStore['evictSignInAttempts']>) {
    return this.users.evictSignInAttempts(...args);
  }
  lastAudit(...args: Parameters<AccessStore['lastAudit']>) {
    return this.audit.lastAudit(...args);
  }
  lastAuditOfApp(...args: Parameters<AccessStore['lastAuditOfApp']>) {
    return this.audit.lastAuditOfApp(...args);
  }
  insertAudit(...args: Parameters<AccessStore['insertAudit']>) {
    return this.audit.insertAudit(...args);
  }
  listAudit(...args: Parameters<AccessStore['listAudit']>) {
    return this.audit.listAudit(...args);
  }
}

export class KyselyInsightStore implements InsightStore {
  private readonly ingestKeys: IngestKeyQueries;
  private readonly events: DeviceEventQueries;
  private readonly sources: EventSourceQueries;
  private readonly guardrails: GuardrailQueries;
  private readonly webhooks: WebhookQueries;

  constructor(db: Kysely<Tables>) {
    this.ingestKeys = new IngestKeyQueries(db);
    this.events = new DeviceEventQueries(db);
    this.sources = new EventSourceQueries(db);
    this.guardrails = new GuardrailQueries(db);
    this.webhooks = new WebhookQueries(db);
  }

  insertIngestKey(...args: Parameters<InsightStore['insertIngestKey']>) {
    return this.ingestKeys.insertIngestKey(...args);
  }
  findIngestKey(...args: Parameters<InsightStore['findIngestKey']>) {
    return this.ingestKeys.findIngestKey(...args);
  }
  listIngestKeys(...args: Parameters<InsightStore['listIngestKeys']>) {
    return this.ingestKeys.listIngestKeys(...args);
  }
  revokeIngestKey(...args: Parameters<InsightStore['revokeIngestKey']>) {
    return this.ingestKeys.revokeIngestKey(...args);
  }
  insertEvents(...args: Parameters<InsightStore['insertEvents']>) {
    return this.events.insertEvents(...args);
  }
  countEvents(...args: Parameters<InsightStore['countEvents']>) {
    return this.events.countEvents(...args);
  }
  pruneEvents(...args: Parameters<InsightStore['pruneEvents']>) {
    return this.events.pruneEvents(...args);
  }
  rollups(...args: Parameters<InsightStore['rollups']>) {
    return this.events.rollups(...args);
  }
  rollupTotals(...args: Parameters<InsightStore['rollupTotals']>) {
    return this.events.rollupTotals(...args);
  }
  pruneRollups(...args: Parameters<InsightStore['pruneRollups']>) {
    return this.sources.pruneRollups(...args);
  }
  addEventSources(...args: Parameters<InsightStore['addEventSources']>) {
    return this.sources.addEventSources(...args);
  }
  eventSourceRegisters(...args: Parameters<InsightStore['eventSourceRegisters']>) {
    return this.sources.eventSourceRegisters(...args);
  }
  pruneEventSources(...args: Parameters<InsightStore['pruneEventSources']>) {
    return this.sources.pruneEventSources(...args);
  }
  getGuardrail(...args: Parameters<InsightStore['getGuardrail']>) {
    return this.guardrails.getGuardrail(...args);
  }
  listGuardrails(...args: Parameters<InsightStore['listGuardrails']>) {
    return this.guardrails.listGuardrails(...args);
  }
  putGuardrail(...args: Parameters<InsightStore['putGuardrail']>) {
    return this.guardrails.putGuardrail(...args);
  }
  insertTrip(...args: Parameters<InsightStore['insertTrip']>) {
    return this.guardrails.insertTrip(...args);
  }
  updateTripWebhook(...args: Parameters<InsightStore['updateTripWebhook']>) {
    return this.guardrails.updateTripWebhook(...args);
  }
  listTrips(...args: Parameters<InsightStore['listTrips']>) {
    return this.guardrails.listTrips(...args);
  }
  enqueueWebhook(...args: Parameters<InsightStore['enqueueWebhook']>) {
    return this.webhooks.enqueueWebhook(...args);
  }
  dueWebhooks(...args: Parameters<InsightStore['dueWebhooks']>) {
    return this.webhooks.dueWebhooks(...args);
  }
  updateWebhook(...args: Parameters<InsightStore['updateWebhook']>) {
    return this.webhooks.updateWebhook(...args);
  }
  getWebhook(...args: Parameters<InsightStore['getWebhook']>) {
    return this.webhooks.getWebhook(...args);
  }
  listWebhooks(...args: Parameters<InsightStore['listWebhooks']>) {
    return this.webhooks.listWebhooks(...args);
  }
  pruneWebhooks(...args: Parameters<InsightStore['pruneWebhooks']>) {
    return this.webhooks.pruneWebhooks(...args);
  }
}

export class KyselyLeaseStore implements LeaseStore {
  private readonly leases: LeaseQueries;

  constructor(db: Kysely<Tables>) {
    this.leases = new LeaseQueries(db);
  }

  tryAcquireLease(...args: Parameters<LeaseStore['tryAcquireLease']>) {
    return this.leases.tryAcquireLease(...args);
  }
  releaseLease(...args: Parameters<LeaseStore['releaseLease']>) {
    return this.leases.releaseLease(...args);
  }
}
