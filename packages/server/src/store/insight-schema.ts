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

export interface InsightTables {
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
