import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTrustedRoot } from '@updraft/protocol';

/**
 * The release epoch to sign new releases with: the one the newest root in the key folder
 * allows (devices refuse a release above their root's epoch). 0 before any root raised it.
 */
export async function anchorEpoch(keysDir: string): Promise<number> {
  try {
    return loadTrustedRoot(new Uint8Array(await readFile(join(keysDir, 'root.json')))).signed.epoch;
  } catch {
    return 0;
  }
}
