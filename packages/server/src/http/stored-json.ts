/**
 * Stored JSON bytes, sent as they are: Fastify writes a Buffer without serializing it, so
 * the bytes a signature covers reach the caller unchanged. Typed as the open object the
 * route's response schema documents, which is what the bytes hold.
 */
export function storedJson(bytes: Uint8Array): { [key: string]: unknown } {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as { [key: string]: unknown };
}
