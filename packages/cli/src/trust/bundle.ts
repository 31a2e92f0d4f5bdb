import { readFile, writeFile } from 'node:fs/promises';
import { BUNDLE_ROLES, type MetadataBundle } from '@updraft/signing';
import { CliError } from '../output.js';

/**
 * The file `keys rotate --out` writes: new offline metadata (a MetadataBundle of
 * @updraft/signing) that several key holders sign in turn (`keys sign`) before `keys push`.
 */

export async function readBundle(path: string): Promise<MetadataBundle> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new CliError('bad-input', `${path} is not a metadata file written by 'updraft keys rotate --out'`);
  }
  const b = json as Partial<MetadataBundle> | null;
  if (!b || typeof b.appId !== 'string' || !BUNDLE_ROLES.some((r) => b[r] !== undefined)) {
    throw new CliError('bad-input', `${path} is not a metadata file written by 'updraft keys rotate --out'`);
  }
  return b as MetadataBundle;
}

export async function writeBundle(path: string, bundle: MetadataBundle): Promise<void> {
  await writeFile(path, JSON.stringify(bundle, null, 2) + '\n');
}
