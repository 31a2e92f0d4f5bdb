import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8Encode } from '../encoding.js';
import { UpdraftError } from '../errors.js';
import { base64DecodeStrict, base64Encode } from './base64.js';

/**
 * C2SP signed-note (the format of golang.org/x/mod/sumdb/note): a text ending in a newline,
 * a blank line, then lines `— <key name> base64(key id ‖ signature)`. Keys are written as
 * verifier keys `<name>+<key id hex>+base64(type ‖ public key)` and signer keys
 * `PRIVATE+KEY+<name>+<key id hex>+base64(type ‖ seed)`, as the Go package does.
 */

/** Signature types (C2SP signed-note "Signature types"). */
export const NOTE_ED25519 = 0x01;
export const NOTE_COSIGNATURE_V1 = 0x04;

export interface NoteVerifierKey {
  name: string;
  /** The uint32 key id. */
  keyId: number;
  type: number;
  publicKey: Uint8Array;
}

export interface NoteSignerKey extends NoteVerifierKey {
  /** The 32-byte Ed25519 seed. */
  seed: Uint8Array;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The bytes after the key id. */
  signature: Uint8Array;
  /** The whole line, newline included, to copy it into another note unchanged. */
  line: string;
}

export interface Note {
  /** The signed text, final newline included. */
  body: string;
  signatures: NoteSignature[];
}

/** Notes with more signatures than this are refused (the spec asks verifiers to take at least 16). */
export const MAX_NOTE_SIGNATURES = 100;
const NAME = /^[^\s+]+$/u;

function bad(message: string): never {
  throw new UpdraftError('malformed', message);
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as a big-endian uint32. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a, type), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function checkName(name: string): void {
  if (!NAME.test(name)) bad(`note key name "${name}" must be non-empty, without spaces or "+"`);
}

export function formatVerifierKey(key: Omit<NoteVerifierKey, 'keyId'>): string {
  checkName(key.name);
  const id = noteKeyId(key.name, key.type, key.publicKey);
  return `${key.name}+${hex8(id)}+${base64Encode(concatBytes(Uint8Array.of(key.type), key.publicKey))}`;
}

export function parseVerifierKey(vkey: string): NoteVerifierKey {
  // The base64 key material may itself contain "+": split off only the first two fields.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey);
  if (!m) bad(`verifier key "${vkey}" must be <name>+<key id>+<base64 key>`);
  const [, name, idHex, material] = m as unknown as [string, string, string, string];
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) bad(`verifier key "${vkey}" has a malformed key id`);
  const bytes = base64DecodeStrict(material, 'verifier key');
  const type = bytes[0];
  const publicKey = bytes.slice(1);
  if ((type !== NOTE_ED25519 && type !== NOTE_COSIGNATURE_V1) || publicKey.length !== 32) {
    bad(`verifier key "${vkey}" is not an Ed25519 (0x01) or cosignature/v1 (0x04) key`);
  }
  const keyId = noteKeyId(name, type, publicKey);
  if (hex8(keyId) !== idHex) bad(`verifier key "${vkey}": the key id does not match the key`);
  return { name, keyId, type, publicKey };
}

export function parseSignerKey(skey: string): NoteSignerKey {
  const m = /^PRIVATE\+KEY\+([^+]*)\+([^+]*)\+(.*)$/s.exec(skey);
  if (!m) bad('a signer key must be PRIVATE+KEY+<name>+<key id>+<base64 key>');
  const [, name, idHex, material] = m as unknown as [string, string, string, string];
  checkName(name);
  const bytes = base64DecodeStrict(material, 'signer key');
  const type = bytes[0]!;
  const seed = bytes.slice(1);
  if ((type !== NOTE_ED25519 && type !== NOTE_COSIGNATURE_V1) || seed.length !== 32) {
    bad('the signer key is not an Ed25519 (0x01) or cosignature/v1 (0x04) key');
  }
  const publicKey = ed25519.getPublicKey(seed);
  const keyId = noteKeyId(name, type, publicKey);
  if (hex8(keyId) !== idHex) bad('the signer key id does not match the key');
  return { name, keyId, type, publicKey, seed };
}

/** A new key pair from 32 random bytes (the caller supplies them: this package has no randomness). */
export function noteKeyFromSeed(
  name: string,
  type: number,
  seed: Uint8Array,
): { signerKey: string; verifierKey: string } {
  checkName(name);
  if (seed.length !== 32) throw new RangeError('a note key seed is 32 bytes');
  const publicKey = ed25519.getPublicKey(seed);
  const id = hex8(noteKeyId(name, type, publicKey));
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${base64Encode(concatBytes(Uint8Array.of(type), seed))}`,
    verifierKey: formatVerifierKey({ name, type, publicKey }),
  };
}

export function parseNote(text: string, what = 'signed note'): Note {
  if (text.length > 1024 * 1024) bad(`${what} is too large`);
  // eslint-disable-next-line no-control-regex -- the spec forbids control characters other than newline
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) bad(`${what} contains control characters`);
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) bad(`${what} must be a text, a blank line and signature lines`);
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) bad(`${what} has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m) bad(`${what} has a malformed signature line`);
    const name = m[1]!;
    checkName(name);
    const bytes = base64DecodeStrict(m[2]!, `${what} signature`);
    if (bytes.length < 5) bad(`${what} has a signature that is too short`);
    const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    return { name, keyId, signature: bytes.slice(4), line: `${line}\n` };
  });
  return { body, signatures };
}

export function formatNote(body: string, signatureLines: readonly string[]): string {
  return `${body}\n${signatureLines.join('')}`;
}

function signatureLine(key: NoteVerifierKey, signature: Uint8Array): string {
  const id = Uint8Array.of(key.keyId >>> 24, (key.keyId >>> 16) & 255, (key.keyId >>> 8) & 255, key.keyId & 255);
  return `\u2014 ${key.name} ${base64Encode(concatBytes(id, signature))}\n`;
}

/** Signs a note body with an Ed25519 (0x01) key; returns the signature line. */
export function signNoteBody(body: string, signer: NoteSignerKey): string {
  if (signer.type !== NOTE_ED25519) throw new TypeError('signNoteBody needs an Ed25519 (0x01) note key');
  return signatureLine(signer, ed25519.sign(utf8Encode(body), signer.seed));
}

/** The signatures of a note that claim to be by `key` (same name and key id). */
export function signaturesBy(note: Note, key: NoteVerifierKey): NoteSignature[] {
  return note.signatures.filter((s) => s.name === key.name && s.keyId === key.keyId);
}

export function verifyNoteSignature(body: string, signature: NoteSignature, key: NoteVerifierKey): boolean {
  if (key.type !== NOTE_ED25519 || signature.signature.length !== 64) return false;
  try {
    return ed25519.verify(signature.signature, utf8Encode(body), key.publicKey, { zip215: false });
  } catch {
    return false;
  }
}

// --- C2SP tlog-cosignature, Ed25519 (type 0x04) ---

function cosignedMessage(body: string, timestamp: number): Uint8Array {
  return utf8Encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

/** A witness's cosignature line over a checkpoint body, at `timestamp` (POSIX seconds). */
export function cosignNoteBody(body: string, signer: NoteSignerKey, timestamp: number): string {
  if (signer.type !== NOTE_COSIGNATURE_V1) throw new TypeError('cosignNoteBody needs a cosignature/v1 (0x04) key');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('timestamp must be POSIX seconds');
  const ts = new Uint8Array(8);
  let t = timestamp;
  for (let i = 7; i >= 0; i--) {
    ts[i] = t % 256;
    t = Math.floor(t / 256);
  }
  return signatureLine(signer, concatBytes(ts, ed25519.sign(cosignedMessage(body, timestamp), signer.seed)));
}

/** The cosignature's timestamp when it verifies, otherwise null. */
export function verifyCosignature(body: string, signature: NoteSignature, key: NoteVerifierKey): number | null {
  if (key.type !== NOTE_COSIGNATURE_V1 || signature.signature.length !== 72) return null;
  let timestamp = 0;
  for (let i = 0; i < 8; i++) timestamp = timestamp * 256 + signature.signature[i]!;
  if (!Number.isSafeInteger(timestamp)) return null;
  try {
    const ok = ed25519.verify(signature.signature.slice(8), cosignedMessage(body, timestamp), key.publicKey, {
      zip215: false,
    });
    return ok ? timestamp : null;
  } catch {
    return null;
  }
}
