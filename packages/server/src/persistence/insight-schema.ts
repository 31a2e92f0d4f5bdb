/** Table shapes of fleet insight (migration 0004), kept apart from schema.ts to keep merges small. */

export interface IngestKeysTable {
  id: string;
  app_id: string;
  name: string;
  key_sha256: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

export interface DeviceEventsTable {
  id: string;
  app_id: string;
  platform: string;
  channel: string;
  release_id: string;
  event: string;
  reason: string | null;
  binary_version: string | null;
  at: string;
  received_minute: number;
}

export interface EventRollupsTable {
  app_id: string;
  release_id: string;
  channel: string;
  event: string;
  minute: number;
  count: number;
}

export interface GuardrailsTable {
  app_id: string;
  channel: string;
  enabled: number;
  threshold_bp: number;
  lookback_minutes: number;
  min_launches: number;
  webhook_url: string | null;
  updated_at: string;
  updated_by: string;
  /** Migration 0009: 'halt' | 'alert'; null = the default for the channel's protection. */
  mode: string | null;
  min_sources: number | null;
}

export interface GuardrailTripsTable {
  id: string;
  app_id: string;
  channel: string;
  release_id: string;
  metric: string;
  rate_bp: number;
  threshold_bp: number;
  launches: number;
  failures: number;
  at: string;
  webhook_status: string;
  webhook_attempts: number;
  /** Migration 0009: 'halted' | 'alerted'; null = halted. */
  action: string | null;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  password_hash: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
}

export interface SessionsTable {
  id_sha256: string;
  principal_type: string;
  principal_id: string;
  created_at: string;
  expires_at: string;
}

/** Migration 0009: the outbound webhook queue. */
export interface WebhookDeliveriesTable {
  id: string;
  app_id: string | null;
  kind: string;
  ref: string | null;
  url: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  settled_at: string | null;
  /** Migration 0014: the organization whose delivery it is (null before 0014). */
  org_id: string | null;
  /** Migration 0014: the HTTP status of the last attempt (null: no answer, or before 0014). */
  last_status: number | null;
  /** Migration 0014. */
  last_attempt_at: string | null;
}

/** Migration 0009: HyperLogLog registers of the sources that reported failures. */
export interface EventSourcesTable {
  app_id: string;
  release_id: string;
  channel: string;
  minute: number;
  reg: number;
  rank: number;
}

export interface InsightTables {
  webhook_deliveries: WebhookDeliveriesTable;
  event_sources: EventSourcesTable;
  ingest_keys: IngestKeysTable;
  device_events: DeviceEventsTable;
  event_rollups: EventRollupsTable;
  guardrails: GuardrailsTable;
  guardrail_trips: GuardrailTripsTable;
  users: UsersTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
}

export interface SignInThrottleTable {
  key_sha256: string;
  window_start: number;
  attempts: number;
}
