export { UpdraftClient } from './client.js';
export { DEFAULT_TIMEOUT_MS, type EmbeddedFile, type UpdraftClientConfig } from './config.js';
export { pureBrotliDecoder } from './patch-fetch.js';
export type { UpdraftEvents, Listener } from './events.js';
export type {
  BrotliDecoder,
  Clock,
  DownloadOptions,
  DownloadResult,
  FetchOptions,
  FetchResult,
  Hasher,
  RandomSource,
  Storage,
  Transport,
  UpdraftPorts,
} from './ports.js';
export { STATE_SCHEMA, type DeviceState, type FailedRelease, type InstalledRelease } from './state.js';
export { STATE_PATH, STATE_BACKUP_PATH } from './state-store.js';
export type {
  ClientStatus,
  DeltaSummary,
  PatchFailureReport,
  LaunchResult,
  ReleaseSummary,
  SyncResult,
  SyncStatus,
} from './types.js';
export { UpdraftError, isUpdraftError, type ReasonCode } from '@updraft/protocol';
