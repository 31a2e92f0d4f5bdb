import { bytesToHex } from '@updraft/protocol';
import type { RandomSource } from '../ports/ports.js';

interface WebCryptoLike {
  getRandomValues?: (array: Uint8Array) => Uint8Array;
}

/** The platform's secure random source, or null: Math.random would skew rollout buckets. */
export function defaultRandomSource(): RandomSource | null {
  const c = (globalThis as { crypto?: WebCryptoLike }).crypto;
  const getRandomValues = c?.getRandomValues;
  if (typeof getRandomValues !== 'function') return null;
  return (n) => getRandomValues.call(c, new Uint8Array(n));
}

/** 128 random bits in hex: the rollout identity, never sent anywhere except as a bucket input. */
export function newDeviceId(random: RandomSource): string {
  const bytes = random(16);
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16)
    throw new TypeError('the random port must return the requested bytes');
  return bytesToHex(bytes);
}
