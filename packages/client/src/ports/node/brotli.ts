import { brotliDecompressSync } from 'node:zlib';
import { UpdraftError } from '@updraft/protocol';
import type { BrotliDecoder } from '../ports.js';

/** node:zlib's native brotli, stopping as soon as the output would pass the declared size. */
export const nodeBrotliDecoder: BrotliDecoder = {
  decompress(input, outputLength) {
    let out: Buffer;
    try {
      out = brotliDecompressSync(input, { maxOutputLength: Math.max(outputLength, 1) });
    } catch (err) {
      throw new UpdraftError('malformed', `patch: brotli stream does not decode (${(err as Error).message})`);
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};
