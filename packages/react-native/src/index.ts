import ReactNativeBlobUtil from 'react-native-blob-util';
import { AppState } from 'react-native';
import NativeUpdraft from './NativeUpdraft.js';
import { Updraft, type UpdraftOptions } from './updraft.js';

export { Updraft, UPDRAFT_FOLDER, type UpdraftOptions, type UpdraftPlatform, type UpdraftSnapshot } from './updraft.js';
export { useUpdraft, type UseUpdraft } from './hook.js';
export { BlobUtilHasher, BlobUtilStorage, BlobUtilTransport } from './ports.js';
export type { UpdraftNativeModule } from './native-module.js';
export { applyNativeBoot, type BootPointer, type SyncResult, type ClientStatus } from '@updraft/client';
// Device telemetry for the dashboard (docs/dashboard.md), from the package the app installs.
export { Telemetry, type TelemetryOptions } from '@updraft/client';

/** The Updraft instance for this app, wired to react-native-blob-util and the native module. */
export function createUpdraft(options: UpdraftOptions): Updraft {
  const native = NativeUpdraft;
  if (!native) {
    throw new Error(
      'Updraft: the native module is missing. Rebuild the app after installing @updraft/react-native (iOS: pod install).',
    );
  }
  return new Updraft(options, { blob: ReactNativeBlobUtil, native, appState: AppState });
}
