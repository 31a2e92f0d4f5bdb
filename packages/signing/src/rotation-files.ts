import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyFile } from './keys.js';
import { metadataFileName, ROOT_ROLE, type SignedEnvelope } from '@updraft/protocol';
import { keyPath, type OfflineRole } from './key-folder.js';

/**
 * What key rotation adds to the publisher's key folder: retired keys under retired/, the
 * rotation in progress (the keys a later `--finish` drops) in rotation.json, and every root
 * version as <N>.root.json next to root.json (the newest, the anchor new app builds ship).
 */

export interface RotationState {
  /** Per role: key ids listed only for the overlap, dropped by `keys rotate --finish`. */
  [role: string]: { remove: string[]; startedAt: string } | undefined;
}

const ROTATION_FILE = 'rotation.json';

export async function readRotation(dir: string): Promise<RotationState> {
  try {
    return JSON.parse(await readFile(join(dir, ROTATION_FILE), 'utf8')) as RotationState;
  } catch {
    return {};
  }
}

export async function writeRotation(dir: string, state: RotationState): Promise<void> {
  await writeFile(join(dir, ROTATION_FILE), JSON.stringify(state, null, 2) + '\n');
}

/** Writes a new private key next to the role's current one; never overwrites a file. */
export async function writeNewKey(dir: string, role: OfflineRole, key: KeyFile): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${role}.${key.keyid.slice(0, 16)}.key.json`);
  await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return path;
}

/** The new key becomes <role>.key.json (what publish and later rotations use); the old one moves to retired/. */
export async function promoteKey(
  dir: string,
  role: OfflineRole,
  newPath: string,
  oldKeyId: string | null,
): Promise<void> {
  const current = keyPath(dir, role);
  if (oldKeyId) {
    await mkdir(join(dir, 'retired'), { recursive: true, mode: 0o700 });
    await rename(current, join(dir, 'retired', `${role}.${oldKeyId.slice(0, 16)}.key.json`)).catch(() => undefined);
  }
  await rename(newPath, current);
}

/** root.json becomes the new root; the one it replaces is kept as <N>.root.json (older app builds ship it). */
export async function writeRoots(dir: string, root: SignedEnvelope): Promise<string> {
  const previous = await readFile(join(dir, 'root.json'), 'utf8').catch(() => null);
  if (previous) {
    const version = (JSON.parse(previous) as { signed?: { version?: unknown } }).signed?.version;
    if (typeof version === 'number') {
      await writeFile(join(dir, metadataFileName(ROOT_ROLE, version)), previous, { flag: 'wx' }).catch(() => undefined);
    }
  }
  const bytes = JSON.stringify(root);
  const version = root.signed['version'] as number;
  await writeFile(join(dir, metadataFileName(ROOT_ROLE, version)), bytes);
  const path = join(dir, 'root.json');
  await writeFile(path, bytes);
  return path;
}
