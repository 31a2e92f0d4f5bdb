export {
  ERROR_CATALOGUE,
  ErrorCode,
  isErrorCode,
  type ErrorBody,
  type ErrorCodeWithStatus,
  type ErrorEntry,
} from './errors.js';
export {
  adminReadErrors,
  adminWriteErrors,
  anyObject,
  appParams,
  basisPoints,
  DATE_TIME_PATTERN,
  dateTime,
  envelope,
  errorResponse,
  errorResponses,
  type ErrorStatus,
  type ErrorResponse,
  identifier,
  IDENTIFIER_PATTERN,
  LIMIT_PATTERN,
  listOf,
  noQuery,
  notes,
  PATTERN_WORDING,
  rawResponse,
  releaseParams,
  SEQ_PATTERN,
  servedEnvelope,
  type ServedEnvelope,
  sha256,
  SHA256_PATTERN,
  targeting,
} from './routes/common.js';
export * as appsApi from './routes/apps.js';
export * as channelsApi from './routes/channels.js';
export * as releasesApi from './routes/releases.js';
export * as blobUploadApi from './routes/blob-upload.js';
export * as codepushApi from './routes/codepush.js';
export * as codepushDeviceApi from './routes/codepush-device.js';
export * as deviceApi from './routes/device.js';
export * as expoApi from './routes/expo.js';
export * as expoDeviceApi from './routes/expo-device.js';
export * as eventsApi from './routes/events.js';
export * as healthApi from './routes/health.js';
export * as repositoryApi from './routes/repository.js';
export * as sourcemapsApi from './routes/sourcemaps.js';
export * as transparencyLogApi from './routes/transparency-log.js';
export * as releaseOpsApi from './routes/release-ops.js';
export * as trustApi from './routes/trust.js';
export * as accessApi from './routes/access.js';
export * as auditApi from './routes/audit.js';
export * as webhooksApi from './routes/webhooks.js';
export * as insightApi from './routes/insight.js';
export { PRINCIPAL_KINDS, ROLES, SCOPES, type PrincipalKind, type Role, type Scope } from './vocabulary.js';
export { ADMIN_ROUTES, routeTarget, type AdminRoute, type RouteInput, type RouteResponse } from './routes/table.js';
export {
  AdminClient,
  type CallArgs,
  AdminHttpError,
  AdminNetworkError,
  type AdminClientOptions,
  type FetchLike,
  type CallOptions,
} from './client.js';
export {
  isMetadataChanged,
  METADATA_CHANGED_ATTEMPTS,
  metadataKeptChangingMessage,
  retryMetadataChanged,
} from './metadata-changed.js';
