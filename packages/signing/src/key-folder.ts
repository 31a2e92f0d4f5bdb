import { chmod, mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateKeyFile, localSigner, parseKeyFile, type KeyFile, type Signer } from './keys.js';
import { readPrivateKey } from './signers.js';
import { OFFLINE_ROLES, type KeyAlgorithm, type OfflineRole } from '@updraft/protocol';
import { SigningError } from './errors.js';

/**
 * The publisher's key folder (default ./updraft-keys/<appId>): the offline keys root,
 * targets and releases as <role>.key.json (mode 0600) and root.json, the trust anchor to
 * ship inside the app binary. The server never sees these private keys.
 */

// The protocol's list: the roles whose keys live here, and never on the server.
export { OFFLINE_ROLES, type OfflineRole };

export function defaultKeysDir(appId: string): string {
  return resolve('updraft-keys', appId);
}

export function keyPath(dir: string, role: OfflineRole): string {
  return join(dir, `${role}.key.json`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Loads the role's key, or creates it when absent (so a retried `apps create` reuses keys). */
export async function loadOrCreateKey(dir: string, role: OfflineRole, algorithm: KeyAlgorithm): Promise<KeyFile> {
  const path = keyPath(dir, role);
  if (await exists(path)) return readRoleKey(dir, role);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = generateKeyFile(algorithm);
  await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return key;
}

export async function readRoleKey(dir: string, role: OfflineRole): Promise<KeyFile> {
  const path = keyPath(dir, role);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SigningError(
      'keys-missing',
      `no ${role} key at ${path}; pass --keys with the folder 'updraft apps create' wrote for this app`,
    );
  }
  try {
    return parseKeyFile(JSON.parse(text), path);
  } catch (err) {
    throw new SigningError('keys-invalid', `${path} is not a valid key file: ${(err as Error).message}`);
  }
}

export async function writeTrustAnchor(dir: string, rootBytes: Uint8Array): Promise<string> {
  const path = join(dir, 'root.json');
  await writeFile(path, rootBytes);
  return path;
}

/** The folder's own key files as signers: they sign whatever envelope lists them. */
export async function folderSigners(dir: string): Promise<Signer[]> {
  const out: Signer[] = [];
  for (const role of OFFLINE_ROLES) {
    if (await exists(keyPath(dir, role))) out.push(localSigner(await readPrivateKey(keyPath(dir, role))));
  }
  return out;
}
