import type { ChosenRelease, ReleaseManifest } from '@updraft/protocol';
import type { ClientCore } from './client-core.js';
import { collectGarbage } from './gc.js';
import { MANIFESTS_DIR, RELEASES_DIR, manifestFile, releaseDir } from '../state/layout.js';
import { decide } from './select.js';
import { referencedReleases, type DeviceState, type InstalledRelease } from '../state/state.js';

/**
 * Moves a fully verified staging folder into place and records it as pending. Under the
 * lock, and re-decided on the current state: a launch or confirmation may have happened
 * while the files were downloading.
 */
export function installStaged(
  core: ClientCore,
  chosen: ChosenRelease,
  manifest: ReleaseManifest,
  manifestBytes: Uint8Array,
  staging: string,
): Promise<{ state: DeviceState; release: InstalledRelease | null }> {
  const { storage, states } = core;
  return core.lock.run(async () => {
    const id = manifest.releaseId;
    let state: DeviceState;
    try {
      state = await states.load();
      const decision = decide(chosen, state);
      if (decision.kind !== 'install' || referencedReleases(state).some((r) => r.releaseId === id)) {
        await storage.remove(staging);
        return { state, release: null };
      }
    } catch (err) {
      await storage.remove(staging).catch(() => undefined);
      throw err;
    }
    const release: InstalledRelease = {
      releaseId: id,
      versionCode: manifest.versionCode,
      epoch: manifest.epoch,
      launch: manifest.launch,
    };
    let next: DeviceState;
    try {
      await storage.mkdirp(MANIFESTS_DIR);
      await storage.writeFileAtomic(manifestFile(id), manifestBytes);
      await storage.mkdirp(RELEASES_DIR);
      await storage.remove(releaseDir(id)); // unreferenced leftover of an interrupted cycle
      await storage.rename(staging, releaseDir(id));
      next = await states.save({ ...state, pending: release });
    } catch (err) {
      // The state does not name this release, so nothing may keep a half-installed copy.
      await storage.remove(staging).catch(() => undefined);
      await storage.remove(releaseDir(id)).catch(() => undefined);
      await storage.remove(manifestFile(id)).catch(() => undefined);
      throw err;
    }
    core.emitState(next);
    await collectGarbage(storage, next).catch(() => undefined);
    return { state: next, release };
  });
}
