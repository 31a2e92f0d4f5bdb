import { UpdraftError } from '@updraft/protocol';
import { checkRepository } from './check.js';
import type { ClientCore } from './client-core.js';
import { collectGarbage } from './gc.js';
import { toUpdraftError } from './guard.js';
import { installStaged } from './install.js';
import { DOWNLOADS_DIR, STAGING_DIR } from '../state/layout.js';
import { fetchManifest, stageRelease, type StageContext } from './stage.js';
import { referencedReleases, type DeviceState } from '../state/state.js';
import { newestHeld } from './status.js';
import type { DeltaSummary, SyncResult, UpdateCheck } from '../types.js';

/**
 * One update cycle in the verification order of docs/protocol.md §4: check, download and
 * stage, install as pending. Never throws: a failure is reported as an `error` event and in
 * the result, and the device keeps what it has.
 */
export async function runSyncCycle(core: ClientCore): Promise<SyncResult> {
  const { storage, events } = core;
  const counter = { bytesDownloaded: 0 };
  let state: DeviceState | null = null;
  try {
    core.phase('checking');
    state = await core.lock.run(async () => {
      const current = await core.states.load();
      // Here rather than in launch(), which must stay fast: the folder of a release that
      // failed its trial, and anything an interrupted cycle left behind.
      await collectGarbage(storage, current).catch(() => undefined);
      return current;
    });
    // Only this cycle uses staging/, so whatever is there was left by a cycle the app died in.
    await storage.remove(STAGING_DIR);
    const { repo, decision } = await checkRepository(core.checkContext(), state, core.deviceTarget(state));
    if (decision.kind !== 'install') await storage.remove(DOWNLOADS_DIR);
    if (decision.kind === 'failed-before') {
      const { releaseId, versionCode } = decision.chosen.release;
      return {
        ...upToDate(
          state,
          counter,
          `release ${releaseId} failed on this device before; it is not downloaded again (clearFailed() allows it)`,
        ),
        failedBefore: { releaseId, versionCode },
      };
    }
    if (decision.kind !== 'install') return upToDate(state, counter);
    const { releaseId, versionCode } = decision.chosen.release;
    events.emit('update-available', { releaseId, versionCode, mandatory: decision.chosen.pointer.mandatory });

    core.phase('downloading');
    const delta: DeltaSummary = { filesReused: 0, filesPatched: 0, filesDownloaded: 0, patchFailures: [] };
    const ctx: StageContext = {
      repo,
      storage,
      hasher: core.hasher,
      counter,
      embedded: core.config.embeddedFiles,
      delta,
      // A failed patch costs only bytes (the full file follows), but the app should know.
      onPatchFailure: (f) =>
        events.emit(
          'error',
          new UpdraftError(f.reason, `patch for ${f.path} failed, downloading it in full: ${f.message}`),
        ),
      ...(core.brotli ? { brotli: core.brotli } : {}),
      concurrency: core.config.downloadConcurrency,
      onProgress: (bytes, totalBytes) => events.emit('progress', { releaseId, bytes, totalBytes }),
    };
    const { manifest, bytes } = await fetchManifest(ctx, decision.chosen);
    const staging = await stageRelease(ctx, manifest, referencedReleases(state));
    core.phase('installing');
    const installed = await installStaged(core, decision.chosen, manifest, bytes, staging);
    state = installed.state;
    if (!installed.release) return upToDate(state, counter);
    return {
      status: 'updated',
      release: installed.release.releaseId,
      versionCode: installed.release.versionCode,
      bytesDownloaded: counter.bytesDownloaded,
      mandatory: decision.chosen.pointer.mandatory,
      delta,
    };
  } catch (err) {
    const error = toUpdraftError(err, 'storage');
    events.emit('error', error);
    const held = newestHeld(state ?? (await core.states.load().catch(() => null)));
    return {
      status: error.reason === 'network' || error.reason === 'storage' ? 'failed' : 'rejected',
      release: held?.releaseId ?? null,
      versionCode: held?.versionCode ?? null,
      bytesDownloaded: counter.bytesDownloaded,
      reason: error.reason,
      message: error.message,
    };
  } finally {
    core.phase('idle');
  }
}

/** The first half of a cycle alone: verify and decide, without downloading anything. */
export async function checkForUpdate(core: ClientCore): Promise<UpdateCheck> {
  try {
    const state = await core.lock.run(() => core.states.load());
    const { decision } = await checkRepository(core.checkContext(), state, core.deviceTarget(state));
    if (decision.kind !== 'install') {
      const failed = decision.kind === 'failed-before' ? { failedBefore: decision.chosen.release.releaseId } : {};
      return { available: false, ...failed };
    }
    const { releaseId, versionCode } = decision.chosen.release;
    const update = { releaseId, versionCode, mandatory: decision.chosen.pointer.mandatory };
    core.events.emit('update-available', update);
    return { available: true, ...update };
  } catch (err) {
    const error = toUpdraftError(err, 'storage');
    core.events.emit('error', error);
    return { available: false, reason: error.reason, message: error.message };
  }
}

function upToDate(state: DeviceState, counter: { bytesDownloaded: number }, message?: string): SyncResult {
  const held = newestHeld(state);
  const result: SyncResult = {
    status: 'up-to-date',
    release: held?.releaseId ?? null,
    versionCode: held?.versionCode ?? null,
    bytesDownloaded: counter.bytesDownloaded,
  };
  if (message !== undefined) result.message = message;
  return result;
}
