import { bytesEqual } from '../encoding.js';
import { UpdraftError } from '../errors.js';
import { base64DecodeStrict, base64Encode } from './base64.js';
import { HASH_SIZE } from './merkle.js';
import { parseNote, signaturesBy, verifyCosignature, verifyNoteSignature, type NoteVerifierKey } from './note.js';

/**
 * C2SP tlog-checkpoint: a signed note whose body is the origin line, the tree size in
 * decimal, the base64 root hash, and optional extension lines.
 */

export interface CheckpointBody {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

export interface Checkpoint extends CheckpointBody {
  /** The signed body (what witnesses cosign). */
  body: string;
  /** The whole note as received. */
  note: string;
  /** Names of the witnesses whose cosignature verified. */
  cosigners: string[];
}

/** What a verifier of checkpoints trusts: the log key and, optionally, witnesses. */
export interface LogTrust {
  origin: string;
  logKey: NoteVerifierKey;
  witnesses: NoteVerifierKey[];
  /** How many distinct witnesses must cosign (0 = none needed). */
  witnessThreshold: number;
}

function fail(message: string): never {
  throw new UpdraftError('transparency', message);
}

export function formatCheckpointBody(body: Omit<CheckpointBody, 'extensions'> & { extensions?: string[] }): string {
  if (body.rootHash.length !== HASH_SIZE) throw new RangeError('a checkpoint root hash is 32 bytes');
  const ext = (body.extensions ?? []).map((e) => `${e}\n`).join('');
  return `${body.origin}\n${body.size}\n${base64Encode(body.rootHash)}\n${ext}`;
}

export function parseCheckpointBody(body: string): CheckpointBody {
  const lines = body.split('\n');
  // body ends in a newline, so the last element is empty.
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    fail('the checkpoint does not have origin, size and root hash lines');
  const [origin, sizeText, hashText] = lines as [string, string, string];
  if (origin === '') fail('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    fail('the checkpoint tree size is not a decimal number');
  }
  let rootHash: Uint8Array;
  try {
    rootHash = base64DecodeStrict(hashText, 'checkpoint root hash');
  } catch {
    fail('the checkpoint root hash is not base64');
  }
  if (rootHash.length !== HASH_SIZE) fail('the checkpoint root hash is not 32 bytes');
  const extensions = lines.slice(3, -1);
  if (extensions.some((e) => e === '')) fail('the checkpoint has an empty extension line');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/**
 * Verifies a checkpoint note: signed by the log key (a log-key signature that fails rejects
 * the note), for the expected origin, and cosigned by at least `witnessThreshold` distinct
 * pinned witnesses whose cosignature verifies (other lines are ignored). Throws UpdraftError('transparency') otherwise.
 */
export function openCheckpoint(text: string, trust: LogTrust): Checkpoint {
  let note;
  try {
    note = parseNote(text, 'checkpoint');
  } catch (err) {
    fail((err as Error).message);
  }
  const bySelf = signaturesBy(note, trust.logKey);
  if (bySelf.length === 0) fail(`the checkpoint is not signed by the pinned log key ${trust.logKey.name}`);
  for (const sig of bySelf) {
    if (!verifyNoteSignature(note.body, sig, trust.logKey))
      fail('the checkpoint signature by the log key does not verify');
  }
  const body = parseCheckpointBody(note.body);
  if (body.origin !== trust.origin) fail(`the checkpoint is for log "${body.origin}", not "${trust.origin}"`);
  // A witness line that does not verify is ignored, not fatal (C2SP signed-note: verifiers
  // ignore signatures they cannot use): anyone who can add a line to the served note must not
  // be able to freeze devices with it. Only verified lines count toward the threshold.
  const cosigners = new Set<string>();
  for (const witness of trust.witnesses) {
    for (const sig of signaturesBy(note, witness)) {
      if (verifyCosignature(note.body, sig, witness) !== null) cosigners.add(`${witness.name}+${witness.keyId}`);
    }
  }
  if (cosigners.size < trust.witnessThreshold) {
    fail(`the checkpoint has ${cosigners.size} valid witness cosignature(s); ${trust.witnessThreshold} are required`);
  }
  return { ...body, body: note.body, note: text, cosigners: [...cosigners].map((c) => c.split('+')[0]!) };
}

export function sameTree(
  a: { size: number; rootHash: Uint8Array },
  b: { size: number; rootHash: Uint8Array },
): boolean {
  return a.size === b.size && bytesEqual(a.rootHash, b.rootHash);
}
