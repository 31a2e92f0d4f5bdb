import { sha256Bytes } from './hash.js';
import { utf8Encode } from './encoding.js';

export const ROLLOUT_BUCKETS = 10000;

/**
 * The one rollout function (DESIGN.md "Rollout"), shared by server and device:
 * uint32_be(sha256(utf8(salt) ‖ ":" ‖ utf8(deviceId))[0..4]) mod 10000.
 */
export function rolloutBucket(salt: string, deviceId: string): number {
  const digest = sha256Bytes(utf8Encode(`${salt}:${deviceId}`));
  const n = ((digest[0]! << 24) >>> 0) + (digest[1]! << 16) + (digest[2]! << 8) + digest[3]!;
  return n % ROLLOUT_BUCKETS;
}

/** basisPoints: 0…10000, where 10000 = 100 %. */
export function isInRollout(salt: string, deviceId: string, basisPoints: number): boolean {
  return rolloutBucket(salt, deviceId) < basisPoints;
}
