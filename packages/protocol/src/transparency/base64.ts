import { UpdraftError } from '../errors.js';

// Standard (RFC 4648 §4) base64, hand-written for the same reason as encoding.ts: this package
// runs on Hermes without polyfills. The decoder also takes the URL-safe alphabet, which DSSE
// requires verifiers to accept.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: Record<string, number> = Object.create(null) as Record<string, number>;
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET[i]!] = i;
DECODE['-'] = 62;
DECODE['_'] = 63;

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict decoding: padding is optional, but a character outside the alphabet, a padding in
 * the middle or leftover bits that are not zero are `malformed` (so one value has one encoding).
 */
export function base64DecodeStrict(text: string, what = 'base64 value'): Uint8Array {
  const clean = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  if (clean.length % 4 === 1) throw new UpdraftError('malformed', `${what} is not valid base64`);
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = DECODE[clean[i]!];
    if (v === undefined) throw new UpdraftError('malformed', `${what} is not valid base64`);
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) {
    throw new UpdraftError('malformed', `${what} is not valid base64`);
  }
  return out;
}
