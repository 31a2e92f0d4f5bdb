/**
 * Where things live in the device folder. Release ids are identifiers (no '/', never '.'
 * or '..'), so each path below names exactly one release.
 *
 *   state.json, state.json.bak    the device state and its backup
 *   metadata/<role>.json          last verified TUF metadata, exact bytes
 *   releases/<releaseId>/...      one complete, verified release per folder
 *   manifests/<releaseId>.json    its verified manifest (file list for reuse by hash)
 *   staging/<releaseId>/...       a release being downloaded; never launched
 *   downloads/<sha256>            a file being downloaded (kept across cycles to resume)
 *   boot.json                     the boot pointer native code reads (nativeBoot only)
 *
 * Staging is a sibling of releases/ rather than releases/<id>.staging because ids may
 * contain '.', so "<id>.staging" could be another release's real folder.
 */
export const RELEASES_DIR = 'releases';
export const MANIFESTS_DIR = 'manifests';
export const STAGING_DIR = 'staging';
export const DOWNLOADS_DIR = 'downloads';

export function partialFile(sha256: string): string {
  return `${DOWNLOADS_DIR}/${sha256}`;
}

export function releaseDir(releaseId: string): string {
  return `${RELEASES_DIR}/${releaseId}`;
}

export function manifestFile(releaseId: string): string {
  return `${MANIFESTS_DIR}/${releaseId}.json`;
}

export function stagingDir(releaseId: string): string {
  return `${STAGING_DIR}/${releaseId}`;
}

export function parentDir(path: string): string | null {
  const slash = path.lastIndexOf('/');
  return slash > 0 ? path.slice(0, slash) : null;
}
