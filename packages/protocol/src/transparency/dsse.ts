import { bytesToHex, concatBytes, utf8Decode, utf8Encode } from '../encoding.js';
import { UpdraftError } from '../errors.js';
import { keyId, verifySignature, type TufKey } from '../keys.js';
import { asArray, asObject, asString } from '../shape.js';
import { base64DecodeStrict } from './base64.js';

/**
 * DSSE (Dead Simple Signing Envelope) v1: signatures cover
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal.
 * Signatures are made with TUF-style keys (Ed25519 or ECDSA P-256, DER), base64 in the envelope.
 */

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8Encode(payloadType);
  return concatBytes(utf8Encode(`DSSEv1 ${type.length} `), type, utf8Encode(` ${payload.length} `), payload);
}

export function parseDsseEnvelope(value: unknown): DsseEnvelope {
  const obj = asObject(value, 'DSSE envelope');
  return {
    payloadType: asString(obj['payloadType'], 'DSSE envelope.payloadType', 256),
    payload: asString(obj['payload'], 'DSSE envelope.payload', 16 * 1024 * 1024),
    signatures: asArray(obj['signatures'], 'DSSE envelope.signatures', 64).map((s, i) => {
      const sig = asObject(s, `DSSE envelope.signatures[${i}]`);
      return {
        keyid: sig['keyid'] === undefined ? '' : asString(sig['keyid'], `DSSE envelope.signatures[${i}].keyid`, 256),
        sig: asString(sig['sig'], `DSSE envelope.signatures[${i}].sig`, 4096),
      };
    }),
  };
}

/**
 * Verifies a (threshold, keys) DSSE envelope. Key ids in the envelope are only hints: every
 * signature is tried against every trusted key, and each key counts once.
 */
export function verifyDsse(
  envelope: DsseEnvelope,
  trusted: readonly TufKey[],
  threshold = 1,
): { payload: Uint8Array; payloadText: string; signerKeyIds: string[] } {
  const payload = base64DecodeStrict(envelope.payload, 'DSSE payload');
  const message = pae(envelope.payloadType, payload);
  const accepted = new Set<string>();
  for (const s of envelope.signatures) {
    let sigHex: string;
    try {
      sigHex = bytesToHex(base64DecodeStrict(s.sig, 'DSSE signature'));
    } catch {
      continue;
    }
    for (const key of trusted) {
      const id = keyId(key);
      if (!accepted.has(id) && verifySignature(key, sigHex, message)) accepted.add(id);
    }
  }
  if (accepted.size < threshold) {
    throw new UpdraftError(
      'signature',
      `the DSSE envelope has ${accepted.size} valid signature(s); ${threshold} required`,
    );
  }
  let payloadText: string;
  try {
    payloadText = utf8Decode(payload);
  } catch {
    throw new UpdraftError('malformed', 'the DSSE payload is not UTF-8');
  }
  return { payload, payloadText, signerKeyIds: [...accepted] };
}
