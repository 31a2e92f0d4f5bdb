import { UpdraftError } from '../errors.js';
import { asArray, asInteger, asObject, asString, optional } from '../shape.js';
import type { LogTrust } from './checkpoint.js';
import { NOTE_COSIGNATURE_V1, NOTE_ED25519, parseVerifierKey } from './note.js';

/**
 * The transparency log pinned in root. TUF lets `signed` carry fields the spec does not
 * define, and root is signed offline, so the pin is as trustworthy as root itself:
 *
 *   "x-updraft-log": { "origin": "...", "key": "<verifier key>", "witnesses": ["<vkey>", ...],
 *                      "witnessThreshold": 0, "policy": "off" | "warn" | "enforce" }
 */

export const LOG_PIN_FIELD = 'x-updraft-log';
export const TRANSPARENCY_POLICIES = ['off', 'warn', 'enforce'] as const;
export type TransparencyPolicy = (typeof TRANSPARENCY_POLICIES)[number];

export interface LogPin {
  origin: string;
  key: string;
  witnesses: string[];
  witnessThreshold: number;
  policy: TransparencyPolicy;
}

export function isTransparencyPolicy(value: unknown): value is TransparencyPolicy {
  return typeof value === 'string' && (TRANSPARENCY_POLICIES as readonly string[]).includes(value);
}

/** The stricter of two policies: a device configured to enforce keeps enforcing whatever root says, and vice versa. */
export function stricterPolicy(a: TransparencyPolicy, b: TransparencyPolicy): TransparencyPolicy {
  return TRANSPARENCY_POLICIES.indexOf(a) >= TRANSPARENCY_POLICIES.indexOf(b) ? a : b;
}

/** Reads the pin from root's raw `signed` object; null when root pins no log. */
export function parseLogPin(rawRootSigned: unknown): LogPin | null {
  const signed = asObject(rawRootSigned, 'root.signed');
  const value = signed[LOG_PIN_FIELD];
  if (value === undefined) return null;
  const path = `root.signed["${LOG_PIN_FIELD}"]`;
  const obj = asObject(value, path);
  const policy = obj['policy'] ?? 'off';
  if (!isTransparencyPolicy(policy)) throw new UpdraftError('malformed', `${path}.policy must be off, warn or enforce`);
  const witnesses =
    optional(obj['witnesses'], `${path}.witnesses`, (v, p) =>
      asArray(v, p, 64).map((w, i) => asString(w, `${p}[${i}]`, 512)),
    ) ?? [];
  const pin: LogPin = {
    origin: asString(obj['origin'], `${path}.origin`, 256),
    key: asString(obj['key'], `${path}.key`, 512),
    witnesses,
    witnessThreshold:
      optional(obj['witnessThreshold'], `${path}.witnessThreshold`, (v, p) => asInteger(v, p, 0, 64)) ?? 0,
    policy,
  };
  logTrustFromPin(pin); // validates the keys now, not at the first update
  return pin;
}

export function logTrustFromPin(pin: LogPin): LogTrust {
  const logKey = parseVerifierKey(pin.key);
  if (logKey.type !== NOTE_ED25519)
    throw new UpdraftError('malformed', 'the pinned log key must be an Ed25519 note key');
  const witnesses = pin.witnesses.map(parseVerifierKey);
  if (witnesses.some((w) => w.type !== NOTE_COSIGNATURE_V1)) {
    throw new UpdraftError('malformed', 'pinned witness keys must be cosignature/v1 (type 0x04) keys');
  }
  if (pin.witnessThreshold > witnesses.length) {
    throw new UpdraftError(
      'malformed',
      `witnessThreshold ${pin.witnessThreshold} is more than the ${witnesses.length} pinned witnesses`,
    );
  }
  return { origin: pin.origin, logKey, witnesses, witnessThreshold: pin.witnessThreshold };
}
