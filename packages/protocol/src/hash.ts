import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from './encoding.js';

/** Pure-JS SHA-256 for small inputs (metadata, key ids). Large files are hashed by a platform port. */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}
