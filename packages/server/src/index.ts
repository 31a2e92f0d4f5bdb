// The package's public API, listed by name: what the CLI (serve, export, blobs verify), the
// end-to-end tests and the benchmarks use. Internals stay reachable only by their module path.
export { createLogger, isLogLevel, LOG_LEVELS, type LogFormat, type LogLevel } from './app/logger.js';
export { Metrics } from './app/metrics.js';
export { buildApp, type RunningServer, startServer, type StartServerOptions } from './app/server.js';
export { DEFAULT_DOWNLOAD_LIMITS, type DownloadLimits, DownloadSlots } from './http/download-slots.js';
export type { ErrorBody } from './http/error-handlers.js';
export { AuditAnchorService } from './domain/audit-anchor-service.js';
export { API_KEY_PATTERN, AuthService } from './domain/auth-service.js';
export { scrubBlobs } from './domain/blob-scrub.js';
export { resignExpiring } from './domain/online-signing.js';
export { checkWebhookUrl, guardedLookup, refusedAddress } from './domain/outbound.js';
export { sourceOf } from './domain/source-sketch.js';
export { AUDIT_LOG_ID, TransparencyLogService } from './domain/transparency-log-service.js';
export {
  type Database,
  type PortName,
  type Ports,
  type Transactional,
  StoreConflictError,
} from './persistence/database.js';
export type { GuardrailConfig, GuardrailTrip, StoredEvent, WebhookDelivery } from './persistence/insight-store.js';
export { openDatabase } from './persistence/open-database.js';
export { isPostgresUrl, openPostgresStore, redactDatabaseUrl } from './persistence/postgres.js';
export type { ReleaseRecord } from './persistence/release-store.js';
export type { ScheduledDeployment } from './persistence/rollout-store.js';
export { openSqliteStore } from './persistence/sqlite.js';
export type { OnlineRole, StoredMetadata } from './persistence/trust-store.js';
export { BlobError, type BlobStore } from './blobs/blob-store.js';
export { FolderBlobStore } from './blobs/folder-blob-store.js';
export { type BlobStoreSpec, openBlobStore } from './blobs/open-blob-store.js';
export { S3BlobStore } from './blobs/s3-blob-store.js';
export { isS3Url, parseS3Url, s3ClientFor, type S3ConnectionOptions } from './blobs/s3-client.js';
export { type PendingBlob, type RawBlobWrites, verifiedPut } from './blobs/verified-write.js';
export { anchorAuditHeads } from './jobs/audit-anchoring.js';
export { JobRunner } from './jobs/job-runner.js';
export { resignJob } from './jobs/resign-job.js';
export { openSink } from './export/sinks.js';
export { ExportError, exportRepository } from './export/static-export.js';
