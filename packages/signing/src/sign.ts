import { Metadata, MetadataKind, Signature } from '@tufjs/models';
import { canonicalBytes, type JsonObject, type MetaEntry, type SignedEnvelope } from '@updraft/protocol';
import { createHash } from 'node:crypto';
import type { Signer } from './keys.js';

const KIND = {
  root: MetadataKind.Root,
  targets: MetadataKind.Targets,
  snapshot: MetadataKind.Snapshot,
  timestamp: MetadataKind.Timestamp,
} as const;

/**
 * Validates `signed` as TUF metadata of its `_type` with @tufjs/models (TUF 1.0), then signs
 * it with every signer (a role with threshold > 1 gets several signatures).
 */
export async function signMetadata(signed: JsonObject, signers: Signer[]): Promise<SignedEnvelope> {
  const type = signed['_type'];
  if (type !== 'root' && type !== 'targets' && type !== 'snapshot' && type !== 'timestamp') {
    throw new Error(`unknown metadata type ${String(type)}`);
  }
  const md = Metadata.fromJSON(KIND[type] as MetadataKind.Root, { signed, signatures: [] });
  const message = canonicalBytes(md.signed.toJSON());
  for (const signer of signers) {
    const sig = await signer.sign(message);
    md.sign(() => new Signature({ keyID: signer.keyId, sig }), true);
  }
  return md.toJSON() as unknown as SignedEnvelope;
}

/** Adds signatures to an envelope signed elsewhere (threshold signing from several key files). */
export async function addSignatures(envelope: SignedEnvelope, signers: Signer[]): Promise<SignedEnvelope> {
  const message = canonicalBytes(envelope.signed);
  const signatures = envelope.signatures.filter((s) => !signers.some((k) => k.keyId === s.keyid));
  for (const signer of signers) signatures.push({ keyid: signer.keyId, sig: await signer.sign(message) });
  return { signed: envelope.signed, signatures };
}

/** The meta entry (snapshot or timestamp) that names a role's served bytes. Node's hash: a releases role can be megabytes. */
export function metaEntryFor(bytes: Uint8Array, version: number): MetaEntry {
  return { version, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
