/**
 * Reason codes a device reports when an update cycle stops. They are part of the wire
 * contract (docs/protocol.md §6): tests, telemetry and the CLI match on them.
 */
export const REASON_CODES = [
  'signature',
  'threshold',
  'expired',
  'rollback',
  'hash',
  'length',
  'wrong-target',
  'timeout',
  'insecure-url',
  'malformed',
  'network',
  'storage',
  'transparency',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export class UpdraftError extends Error {
  readonly reason: ReasonCode;

  constructor(reason: ReasonCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpdraftError';
    this.reason = reason;
  }
}

export function isUpdraftError(value: unknown): value is UpdraftError {
  return value instanceof UpdraftError;
}
