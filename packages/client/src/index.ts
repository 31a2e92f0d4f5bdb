export { UpdraftClient } from './client.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_READY_TIMEOUT_MS, type EmbeddedFile, type UpdraftClientConfig } from './config.js';
export { pureBrotliDecoder } from './engine/patch-fetch.js';
export type {
  UpdraftEvents,
  Listener,
  ProgressEvent,
  RollbackEvent,
  SyncPhase,
  UpdateAvailableEvent,
} from './events.js';
export {
  applyNativeBoot,
  NATIVE_BOOT_RULES,
  bootPointerOf,
  launchPathOf,
  parseBootPointer,
  serializeBootPointer,
  BOOT_POINTER_PATH,
  BOOT_POINTER_SCHEMA,
  type BootPointer,
  type NativeBootDecision,
  type NativeBootRule,
} from './state/boot-pointer.js';
export {
  UpdatePolicyRunner,
  resolvePolicy,
  type CheckTrigger,
  type InstallMode,
  type UpdatePolicy,
  type PolicyHooks,
} from './engine/policy.js';
export type {
  BrotliDecoder,
  Clock,
  DownloadOptions,
  DownloadResult,
  FetchOptions,
  FetchResult,
  Hasher,
  RandomSource,
  Timers,
  Storage,
  Transport,
  UpdraftPorts,
} from './ports/ports.js';
export { storagePathSegments } from './ports/storage-path.js';
export {
  readVerifiedRepository,
  type ReadRepositoryOptions,
  type VerifiedRepository,
} from './engine/verified-repository.js';
export type { TrustedSet } from './engine/refresh.js';
export { STATE_SCHEMA, type DeviceState, type FailedRelease, type InstalledRelease } from './state/state.js';
export { STATE_PATH, STATE_BACKUP_PATH } from './state/state-store.js';
export type {
  ClientStatus,
  DeltaSummary,
  PatchFailureReport,
  LaunchOptions,
  LaunchResult,
  ReleaseSummary,
  SyncResult,
  SyncStatus,
  UpdateCheck,
} from './types.js';
export { UpdraftError, isUpdraftError, type ReasonCode } from '@updraft/protocol';
export { Telemetry, type TelemetryOptions, type TelemetrySender } from './engine/telemetry.js';
