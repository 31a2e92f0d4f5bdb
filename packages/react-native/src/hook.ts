import { useSyncExternalStore } from 'react';
import type { Updraft, UpdraftSnapshot } from './updraft.js';

export interface UseUpdraft extends UpdraftSnapshot {
  sync: Updraft['sync'];
  checkForUpdate: Updraft['checkForUpdate'];
  notifyAppReady: Updraft['notifyAppReady'];
  clearFailed: Updraft['clearFailed'];
}

/** Re-renders on every state, phase, progress and error change of `updraft`. */
export function useUpdraft(updraft: Updraft): UseUpdraft {
  const snapshot = useSyncExternalStore(updraft.subscribe, updraft.getSnapshot);
  return {
    ...snapshot,
    sync: () => updraft.sync(),
    checkForUpdate: () => updraft.checkForUpdate(),
    notifyAppReady: () => updraft.notifyAppReady(),
    clearFailed: (releaseId?: string) => updraft.clearFailed(releaseId),
  };
}
