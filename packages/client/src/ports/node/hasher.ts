import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Hasher } from '../ports.js';

/** Streams the file through node:crypto, so hashing a large bundle uses constant memory. */
export class NodeHasher implements Hasher {
  async sha256File(absolutePath: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(absolutePath)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
}
