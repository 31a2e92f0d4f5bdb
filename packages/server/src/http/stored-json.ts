import type { ServedEnvelope } from '@updraft/api';

/**
 * Stored metadata bytes, sent as they are: Fastify writes a Buffer without serializing it, so
 * the bytes a signature covers reach the caller unchanged. Typed as the envelope the route's
 * response schema documents, which is what the bytes hold (the store keeps only envelopes it
 * parsed).
 */
export function storedJson(bytes: Uint8Array): ServedEnvelope {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ServedEnvelope;
}
