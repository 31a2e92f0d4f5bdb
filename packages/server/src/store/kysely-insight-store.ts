import type { Kysely } from 'kysely';
import type { InsightStore } from './insight-store.js';
import type { Database } from './schema.js';
import { DashboardUserQueries } from './kysely/dashboard-users.js';
import { DeviceEventQueries } from './kysely/device-events.js';
import { GuardrailQueries } from './kysely/guardrails.js';
import { IngestKeyQueries } from './kysely/ingest-keys.js';
import { EventSourceQueries } from './kysely/event-sources.js';
import { WebhookQueries } from './kysely/webhooks.js';

/**
 * InsightStore over Kysely, dialect-neutral like KyselyMetadataStore. The queries live in
 * store/kysely/, one module per concern; this class only routes each operation to its
 * module. Signatures are taken from the interface (Parameters<...>) so they are stated, and
 * documented, once.
 */
export class KyselyInsightStore implements InsightStore {
  private readonly ingestKeys: IngestKeyQueries;
  private readonly events: DeviceEventQueries;
  private readonly guardrails: GuardrailQueries;
  private readonly users: DashboardUserQueries;
  private readonly sources: EventSourceQueries;
  private readonly webhooks: WebhookQueries;

  constructor(db: Kysely<Database>) {
    this.ingestKeys = new IngestKeyQueries(db);
    this.events = new DeviceEventQueries(db);
    this.guardrails = new GuardrailQueries(db);
    this.users = new DashboardUserQueries(db);
    this.sources = new EventSourceQueries(db);
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
  pruneWebhooks(...args: Parameters<InsightStore['pruneWebhooks']>) {
    return this.webhooks.pruneWebhooks(...args);
  }

  insertUser(...args: Parameters<InsightStore['insertUser']>) {
    return this.users.insertUser(...args);
  }
  getUser(...args: Parameters<InsightStore['getUser']>) {
    return this.users.getUser(...args);
  }
  findUserByEmail(...args: Parameters<InsightStore['findUserByEmail']>) {
    return this.users.findUserByEmail(...args);
  }
  listUsers(...args: Parameters<InsightStore['listUsers']>) {
    return this.users.listUsers(...args);
  }
  disableUser(...args: Parameters<InsightStore['disableUser']>) {
    return this.users.disableUser(...args);
  }
  insertSession(...args: Parameters<InsightStore['insertSession']>) {
    return this.users.insertSession(...args);
  }
  getSession(...args: Parameters<InsightStore['getSession']>) {
    return this.users.getSession(...args);
  }
  deleteSession(...args: Parameters<InsightStore['deleteSession']>) {
    return this.users.deleteSession(...args);
  }
  deleteSessionsOf(...args: Parameters<InsightStore['deleteSessionsOf']>) {
    return this.users.deleteSessionsOf(...args);
  }
  reserveSignInAttempt(...args: Parameters<InsightStore['reserveSignInAttempt']>) {
    return this.users.reserveSignInAttempt(...args);
  }
  clearSignInAttempts(...args: Parameters<InsightStore['clearSignInAttempts']>) {
    return this.users.clearSignInAttempts(...args);
  }
  evictSignInAttempts(...args: Parameters<InsightStore['evictSignInAttempts']>) {
    return this.users.evictSignInAttempts(...args);
  }
}
