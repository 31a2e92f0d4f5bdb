import { MANIFESTS_DIR, RELEASES_DIR, releaseDir } from '../state/layout.js';
import type { Storage } from '../ports/ports.js';
import { referencedReleases, type DeviceState } from '../state/state.js';

/**
 * Removes release folders and manifests the state no longer refers to. Runs under the
 * state lock right after a state write, so it never races a release being moved into
 * place. Best effort: leftover files waste space but are never launched.
 */
export async function collectGarbage(storage: Storage, state: DeviceState): Promise<void> {
  const keep = new Set(referencedReleases(state).map((r) => r.releaseId));
  for (const name of await storage.listDir(RELEASES_DIR)) {
    if (!keep.has(name)) await storage.remove(releaseDir(name));
  }
  for (const name of await storage.listDir(MANIFESTS_DIR)) {
    const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : null;
    if (id === null || !keep.has(id)) await storage.remove(`${MANIFESTS_DIR}/${name}`);
  }
}
