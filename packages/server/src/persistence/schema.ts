import type { CodePushTables } from './codepush/codepush-schema.js';
import type { ExpoTables } from './expo/expo-schema.js';
import type { SourcemapTables } from './sourcemaps/sourcemap-schema.js';
import type { InsightTables } from './insight-schema.js';
import type { LogTables } from './transparency-log-schema.js';
import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Kept dialect-neutral: text timestamps (ISO 8601 UTC),
 * integer 0/1 flags and byte columns, so the same queries run on SQLite and PostgreSQL;
 * each dialect only gets its own migration history.
 */

export interface AppsTable {
  app_id: string;
  created_at: string;
  trust_initialized_at: string | null;
  org_id: Generated<string>;
}

export interface OnlineKeysTable {
  app_id: string;
  role: string;
  keyid: string;
  /** The KeyFile, private PEM included. */
  key_json: string;
  created_at: string;
}

export interface MetadataTable {
  app_id: string;
  role: string;
  version: number;
  bytes: Uint8Array;
  sha256: string;
  length: number;
  expires_at: string;
  created_at: string;
}

export interface BlobsTable {
  sha256: string;
  length: number;
  created_at: string;
}

export interface AppBlobsTable {
  app_id: string;
  sha256: string;
  created_at: string;
}

export interface ReleasesTable {
  app_id: string;
  release_id: string;
  version_code: number;
  epoch: number;
  platform: string;
  runtime_version: string;
  channel: string;
  manifest_sha256: string;
  manifest_length: number;
  releases_version: number;
  created_at: string;
  notes: Generated<string | null>;
  disabled_at: Generated<string | null>;
}

export interface ChannelsTable {
  app_id: string;
  name: string;
  protected: number;
  created_at: string;
}

export interface PointersTable {
  app_id: string;
  channel: string;
  platform: string;
  runtime_version: string;
  release_id: string;
  previous_release_id: string | null;
  basis_points: number;
  salt: string;
  mandatory: number;
  updated_at: string;
  halted_at: Generated<string | null>;
  targeting_json: Generated<string | null>;
  previous_targeting_json: Generated<string | null>;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_sha256: string;
  role: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  org_id: Generated<string>;
  kind: Generated<string>;
  scopes: Generated<string>;
  expires_at: Generated<string | null>;
  created_by: Generated<string | null>;
  /** JSON array of app ids, or null = every app (0008). */
  apps: Generated<string | null>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: string;
  /** Opaque id naming the organization in the public audit-anchor log (0011). */
  anchor_id: Generated<string | null>;
  /** Where audit alerts are posted (0011). */
  audit_webhook_url: Generated<string | null>;
  /** The anchor the last audit alert was raised against (0011). */
  audit_alert_anchor: Generated<number | null>;
}

export interface ScheduledDeploymentsTable {
  id: string;
  app_id: string;
  channel: string;
  release_id: string;
  basis_points: number;
  mandatory: number;
  targeting_json: string | null;
  start_at: string;
  status: string;
  detail: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface AuditLogTable {
  org_id: string;
  seq: number;
  app_id: string | null;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  actor_kind: string;
  action: string;
  target: string;
  release_id: string | null;
  manifest_sha256: string | null;
  signing_key_ids: string;
  details: string;
  request_id: string;
  at: string;
  prev_hash: string;
  app_prev_hash: string | null;
  hash: string;
}

/** A named lease a background job takes so it runs on one instance at a time (see JobRunner). */
export interface LeasesTable {
  name: string;
  holder: string;
  /** Epoch milliseconds; an integer in both dialects (bigint on PostgreSQL). */
  expires_at_ms: number;
}

export interface EmbeddedBundlesTable {
  app_id: string;
  platform: string;
  runtime_version: string;
  /** EmbeddedFile[]: the files the app binary ships, by path, hash and length. */
  files_json: string;
  registered_at: string;
}

export interface AppExpiryTable {
  app_id: string;
  /** An ExpiryPolicy: lifetimes in seconds per role. */
  policy_json: string;
  updated_at: string;
}

export interface OnlineKeyCandidatesTable {
  app_id: string;
  role: string;
  keyid: string;
  key_json: string;
  created_at: string;
}

export interface Tables extends LogTables, InsightTables, CodePushTables, ExpoTables, SourcemapTables {
  apps: AppsTable;
  online_keys: OnlineKeysTable;
  metadata: MetadataTable;
  blobs: BlobsTable;
  app_blobs: AppBlobsTable;
  releases: ReleasesTable;
  channels: ChannelsTable;
  pointers: PointersTable;
  api_keys: ApiKeysTable;
  organizations: OrganizationsTable;
  scheduled_deployments: ScheduledDeploymentsTable;
  audit_log: AuditLogTable;
  leases: LeasesTable;
  app_expiry: AppExpiryTable;
  embedded_bundles: EmbeddedBundlesTable;
  online_key_candidates: OnlineKeyCandidatesTable;
}
