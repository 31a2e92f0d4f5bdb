// Re-exports kept while other branches still import signing from the server: new code imports
// @updraft/signing (keys, signers, signing, expiry) and @updraft/protocol (metadata builders).
export * from '@updraft/signing';
export {
  SPEC_VERSION,
  rootSigned,
  targetsSigned,
  delegatedSigned,
  snapshotSigned,
  timestampSigned,
  serializeEnvelope,
  type JsonObject,
  type JsonValue,
  type SignedEnvelope,
  type RoleKeySet,
  type TargetEntry,
  type MetaEntry,
} from '@updraft/protocol';
export * from './server.js';
export * from './api-error.js';
export * from './store/index.js';
export * from './blobs/index.js';
export * from './services/index.js';
export * from './jobs/index.js';
export type { ErrorBody } from './routes/errors.js';
export * from './export/index.js';
export { createLogger, isLogLevel, LOG_LEVELS, type LogFormat, type LogLevel } from './observability/logger.js';
export { Metrics } from './observability/metrics.js';
export { DEFAULT_DOWNLOAD_LIMITS, DownloadSlots, type DownloadLimits } from './http/download-slots.js';
