import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureBackend } from '@updraft/protocol';

// SPKI DER headers for a raw Ed25519 key and an uncompressed P-256 point.
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const P256_SPKI = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** Key objects by key, so a check of a known key costs only the OpenSSL verify. */
const cache = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 256;

function keyObject(header: Buffer, raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('hex');
  let key = cache.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([header, raw]), format: 'der', type: 'spki' });
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** OpenSSL through node:crypto: the Node adapter's signature backend. */
export const nodeSignatureBackend: SignatureBackend = {
  verifyEd25519(publicKey, signature, message) {
    try {
      return verify(null, message, keyObject(ED25519_SPKI, publicKey), signature);
    } catch {
      return false;
    }
  },
  verifyP256(publicKey, signature, message) {
    try {
      return verify('sha256', message, { key: keyObject(P256_SPKI, publicKey), dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  },
};
