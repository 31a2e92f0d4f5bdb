import { UpdraftError } from '../errors.js';
import { asArray, asInteger, asObject, asString } from '../shape.js';
import { base64DecodeStrict, base64Encode } from './base64.js';
import { HASH_SIZE } from './merkle.js';

/** The JSON answers of the log's proof endpoints (docs/protocol.md §9), parsed and checked for shape. */

export interface InclusionProofAnswer {
  leafIndex: number;
  treeSize: number;
  hashes: Uint8Array[];
}

export interface ConsistencyProofAnswer {
  from: number;
  to: number;
  hashes: Uint8Array[];
}

const MAX_PROOF_HASHES = 128;

function hashes(value: unknown, path: string): Uint8Array[] {
  return asArray(value, path, MAX_PROOF_HASHES).map((h, i) => {
    const bytes = base64DecodeStrict(asString(h, `${path}[${i}]`, 64), `${path}[${i}]`);
    if (bytes.length !== HASH_SIZE) throw new UpdraftError('malformed', `${path}[${i}] must be a 32-byte hash`);
    return bytes;
  });
}

export function encodeProofHashes(list: readonly Uint8Array[]): string[] {
  return list.map(base64Encode);
}

export function parseInclusionProof(value: unknown): InclusionProofAnswer {
  const obj = asObject(value, 'inclusion proof');
  return {
    leafIndex: asInteger(obj['leafIndex'], 'inclusion proof.leafIndex', 0),
    treeSize: asInteger(obj['treeSize'], 'inclusion proof.treeSize', 1),
    hashes: hashes(obj['hashes'], 'inclusion proof.hashes'),
  };
}

export function parseConsistencyProof(value: unknown): ConsistencyProofAnswer {
  const obj = asObject(value, 'consistency proof');
  return {
    from: asInteger(obj['from'], 'consistency proof.from', 0),
    to: asInteger(obj['to'], 'consistency proof.to', 0),
    hashes: hashes(obj['hashes'], 'consistency proof.hashes'),
  };
}
