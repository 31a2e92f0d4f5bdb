import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { canonicalBytes } from './canonical-json.js';
import { hexToBytes, isHex } from './encoding.js';
import { sha256Hex } from './hash.js';

/** A public key as TUF metadata lists it. */
export interface TufKey {
  keytype: string;
  scheme: string;
  keyval: { public: string };
}

export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256';

export const ED25519_SCHEME = 'ed25519';
export const ECDSA_P256_SCHEME = 'ecdsa-sha2-nistp256';

/** TUF key id: SHA-256 of the canonical JSON of the public key object. */
export function keyId(key: TufKey): string {
  return sha256Hex(canonicalBytes({ keytype: key.keytype, scheme: key.scheme, keyval: { public: key.keyval.public } }));
}

export function keyAlgorithm(key: TufKey): KeyAlgorithm | null {
  if (key.keytype === 'ed25519' && key.scheme === ED25519_SCHEME) return 'ed25519';
  if ((key.keytype === 'ecdsa' || key.keytype === ECDSA_P256_SCHEME) && key.scheme === ECDSA_P256_SCHEME) {
    return 'ecdsa-p256';
  }
  return null;
}

/**
 * A platform's native signature checks (OpenSSL in Node, CryptoKit/BoringSSL on phones).
 * Pure-JS verification costs milliseconds per signature, native tens of microseconds; the
 * encodings are checked here first, so a backend only ever sees well-formed input.
 */
export interface SignatureBackend {
  /** `publicKey`: 32 raw bytes; `signature`: 64 bytes. */
  verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean;
  /** `publicKey`: 65-byte uncompressed point; `signature`: DER; the message is hashed with SHA-256. High S is valid. */
  verifyP256(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean;
}

let backend: SignatureBackend | null = null;

/** Installs a native backend for every signature check in this process (null: pure JS again). */
export function setSignatureBackend(next: SignatureBackend | null): void {
  backend = next;
}

/**
 * Verifies one signature. Returns false (never throws) for any malformed key or signature,
 * so one bad entry cannot stop the threshold count.
 */
export function verifySignature(key: TufKey, signatureHex: string, message: Uint8Array): boolean {
  try {
    if (!isHex(signatureHex)) return false;
    const sig = hexToBytes(signatureHex);
    const alg = keyAlgorithm(key);
    if (alg === 'ed25519') {
      const pub = rawPublicKey(key.keyval.public, 32, ED25519_SPKI_PREFIX_LENGTH);
      if (!pub || sig.length !== 64) return false;
      if (backend) return backend.verifyEd25519(pub, sig, message);
      return ed25519.verify(sig, message, pub, { zip215: false });
    }
    if (alg === 'ecdsa-p256') {
      const pub = rawPublicKey(key.keyval.public, 65, P256_SPKI_PREFIX_LENGTH);
      if (!pub || pub[0] !== 4) return false;
      if (backend) return backend.verifyP256(pub, sig, message);
      // OpenSSL (and so securesystemslib, Node, KMS) does not normalise S: accept high S.
      return p256.verify(sig, message, pub, { prehash: true, lowS: false, format: 'der' });
    }
    return false;
  } catch {
    return false;
  }
}

const ED25519_SPKI_PREFIX_LENGTH = 12;
const P256_SPKI_PREFIX_LENGTH = 26;

/** Accepts the raw key in hex, SPKI DER in hex, or a PEM SPKI block. */
function rawPublicKey(value: string, rawLength: number, spkiPrefix: number): Uint8Array | null {
  let bytes: Uint8Array;
  if (value.startsWith('-----BEGIN PUBLIC KEY-----')) {
    const body = value
      .replace('-----BEGIN PUBLIC KEY-----', '')
      .replace('-----END PUBLIC KEY-----', '')
      .replace(/\s+/g, '');
    bytes = base64Decode(body);
  } else if (isHex(value)) {
    bytes = hexToBytes(value);
  } else return null;
  if (bytes.length === rawLength) return bytes;
  if (bytes.length === rawLength + spkiPrefix) return bytes.slice(spkiPrefix);
  return null;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error('invalid base64');
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}
