import { releaseDir } from '../state/layout.js';
import type { DeviceState, InstalledRelease } from '../state/state.js';
import type { ClientStatus, ReleaseSummary } from '../types.js';

/** Small read-only views of the state that the client reports. */

export function launchFile(release: InstalledRelease): string {
  return `${releaseDir(release.releaseId)}/${release.launch}`;
}

export function newestHeld(state: DeviceState | null): InstalledRelease | null {
  return state ? (state.pending ?? state.trial ?? state.confirmed) : null;
}

export function summary(r: { releaseId: string; versionCode: number } | null): ReleaseSummary | null {
  return r ? { releaseId: r.releaseId, versionCode: r.versionCode } : null;
}

export function toStatus(state: DeviceState): ClientStatus {
  return {
    confirmed: summary(state.confirmed),
    pending: summary(state.pending),
    trial: summary(state.trial),
    fallback: summary(state.fallback),
    failed: state.failed.map((f) => ({ releaseId: f.releaseId, versionCode: f.versionCode })),
  };
}
