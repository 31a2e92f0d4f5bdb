/**
 * Device telemetry (docs/api.md "Device events"): what a device reports, shared by the client
 * that batches events and the server that stores and rolls them up. Privacy by construction:
 * an event names the app (through its ingest key), platform, channel, release, event, reason,
 * binary version and time — no device identifier, and the server records no IP address.
 */

export const TELEMETRY_EVENTS = [
  'check',
  'download_started',
  'download_completed',
  'download_failed',
  'installed',
  'launched',
  'app_ready',
  'rollback',
  'crash',
  'error',
] as const;

export type TelemetryEventName = (typeof TELEMETRY_EVENTS)[number];

export function isTelemetryEventName(value: unknown): value is TelemetryEventName {
  return typeof value === 'string' && (TELEMETRY_EVENTS as readonly string[]).includes(value);
}

/** One event on the wire. `id` is random per event (never per device): it only makes retries idempotent. */
export interface TelemetryEvent {
  id: string;
  event: TelemetryEventName;
  /** The release the event is about; null for the embedded bundle or a check that found nothing. */
  releaseId: string | null;
  channel: string;
  platform: string;
  /** A reason code (errors, failed downloads, rollbacks: crash | timeout), at most 64 characters. */
  reason?: string;
  /** The app binary's version (attributes.appVersion), at most 64 characters. */
  binaryVersion?: string;
  /** When it happened on the device (ISO 8601). */
  at: string;
}

/** `POST /v1/events` body; at most MAX_EVENTS_PER_BATCH events. */
export interface TelemetryBatch {
  events: TelemetryEvent[];
}

export const MAX_EVENTS_PER_BATCH = 500;
/** 128 random bits, base64url: unguessable, so one device cannot cancel another's event by reusing its id. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
