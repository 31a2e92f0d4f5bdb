import type { appsApi } from '@updraft/api';
import { type JsonObject } from '@updraft/protocol';
import { isTransparencyPolicy, LOG_PIN_FIELD, type LogPin, logTrustFromPin } from '@updraft/protocol/transparency';
import { CliError } from './output.js';

/** What the server answers for an app's log (POST /v1/apps, GET /v1/apps/:id/log). */
export type LogIdentity = appsApi.CreatedApp['log'];

/**
 * The `x-updraft-log` pin for root: the server's log key plus the publisher's choice of
 * policy and witnesses. Null when the server has no log (an older server) and the policy is off.
 */
export function buildLogPin(
  log: LogIdentity | undefined,
  opts: { transparency: string; witness?: string[]; witnessThreshold?: string },
): LogPin | null {
  if (!isTransparencyPolicy(opts.transparency)) {
    throw new CliError('usage', `--transparency must be off, warn or enforce, not "${opts.transparency}"`, {
      exitCode: 2,
    });
  }
  if (!log) {
    if (opts.transparency === 'off') return null;
    throw new CliError('no-log', 'this server has no transparency log; upgrade it or pass --transparency off');
  }
  const witnesses = opts.witness ?? [];
  const threshold = opts.witnessThreshold === undefined ? witnesses.length : Number(opts.witnessThreshold);
  if (!Number.isSafeInteger(threshold) || threshold < 0) {
    throw new CliError('usage', '--witness-threshold must be a whole number', { exitCode: 2 });
  }
  const pin: LogPin = {
    origin: log.origin,
    key: log.key,
    witnesses,
    witnessThreshold: threshold,
    policy: opts.transparency,
  };
  try {
    logTrustFromPin(pin);
  } catch (err) {
    throw new CliError('usage', `cannot pin the log: ${(err as Error).message}`, { exitCode: 2 });
  }
  return pin;
}

export function withLogPin(signed: JsonObject, pin: LogPin | null): JsonObject {
  if (!pin) return signed;
  return { ...signed, [LOG_PIN_FIELD]: { ...pin, witnesses: [...pin.witnesses] } };
}
