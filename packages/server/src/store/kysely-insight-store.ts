import type { Kysely } from 'kysely';
import type {
  GuardrailConfig,
  GuardrailTrip,
  IngestKeyRecord,
  InsightStore,
  RollupRow,
  SessionRecord,
  StoredEvent,
  UserRecord,
} from './insight-store.js';
import type { Database } from './schema.js';
import { DashboardUserQueries } from './kysely/dashboard-users.js';
import { DeviceEventQueries } from './kysely/device-events.js';
import { GuardrailQueries } from './kysely/guardrails.js';
import { IngestKeyQueries } from './kysely/ingest-keys.js';

/**
 * InsightStore over Kysely, dialect-neutral like KyselyMetadataStore. The queries live in
 * store/kysely/, one module per concern; this class only routes each operation to its module.
 */
export class KyselyInsightStore implements InsightStore {
  private readonly ingestKeys: IngestKeyQueries;
  private readonly events: DeviceEventQueries;
  private readonly guardrails: GuardrailQueries;
  private readonly users: DashboardUserQueries;

  constructor(db: Kysely<Database>) {
    this.ingestKeys = new IngestKeyQueries(db);
    this.events = new DeviceEventQueries(db);
    this.guardrails = new GuardrailQueries(db);
    this.users = new DashboardUserQueries(db);
  }

  insertIngestKey(k: IngestKeyRecord): Promise<void> {
    return this.ingestKeys.insertIngestKey(k);
  }
  findIngestKey(keySha256: string): Promise<IngestKeyRecord | null> {
    return this.ingestKeys.findIngestKey(keySha256);
  }
  listIngestKeys(appId: string): Promise<IngestKeyRecord[]> {
    return this.ingestKeys.listIngestKeys(appId);
  }
  revokeIngestKey(appId: string, id: string, at: string): Promise<boolean> {
    return this.ingestKeys.revokeIngestKey(appId, id, at);
  }

  insertEvents(events: StoredEvent[]): Promise<Set<string>> {
    return this.events.insertEvents(events);
  }
  countEvents(appId?: string): Promise<number> {
    return this.events.countEvents(appId);
  }
  pruneEvents(beforeMinute: number): Promise<number> {
    return this.events.pruneEvents(beforeMinute);
  }
  rollups(
    appId: string,
    releaseId: string,
    filter: { channel?: string; fromMinute: number; toMinute: number },
  ): Promise<RollupRow[]> {
    return this.events.rollups(appId, releaseId, filter);
  }
  rollupTotals(
    appId: string,
    releaseId: string,
    channel: string,
    fromMinute: number,
    toMinute: number,
  ): Promise<Record<string, number>> {
    return this.events.rollupTotals(appId, releaseId, channel, fromMinute, toMinute);
  }

  getGuardrail(appId: string, channel: string): Promise<GuardrailConfig | null> {
    return this.guardrails.getGuardrail(appId, channel);
  }
  listGuardrails(appId: string): Promise<GuardrailConfig[]> {
    return this.guardrails.listGuardrails(appId);
  }
  putGuardrail(g: GuardrailConfig): Promise<void> {
    return this.guardrails.putGuardrail(g);
  }
  insertTrip(t: GuardrailTrip): Promise<void> {
    return this.guardrails.insertTrip(t);
  }
  updateTripWebhook(id: string, status: GuardrailTrip['webhookStatus'], attempts: number): Promise<void> {
    return this.guardrails.updateTripWebhook(id, status, attempts);
  }
  listTrips(appId: string, filter?: { releaseId?: string; channel?: string }): Promise<GuardrailTrip[]> {
    return this.guardrails.listTrips(appId, filter);
  }

  insertUser(u: UserRecord): Promise<boolean> {
    return this.users.insertUser(u);
  }
  getUser(id: string): Promise<UserRecord | null> {
    return this.users.getUser(id);
  }
  findUserByEmail(email: string): Promise<UserRecord | null> {
    return this.users.findUserByEmail(email);
  }
  listUsers(orgId: string): Promise<UserRecord[]> {
    return this.users.listUsers(orgId);
  }
  disableUser(id: string, at: string): Promise<void> {
    return this.users.disableUser(id, at);
  }
  insertSession(s: SessionRecord): Promise<void> {
    return this.users.insertSession(s);
  }
  getSession(idSha256: string): Promise<SessionRecord | null> {
    return this.users.getSession(idSha256);
  }
  deleteSession(idSha256: string): Promise<void> {
    return this.users.deleteSession(idSha256);
  }
  deleteSessionsOf(principalType: SessionRecord['principalType'], principalId: string): Promise<void> {
    return this.users.deleteSessionsOf(principalType, principalId);
  }
}
