import { Filesystem } from '@capacitor/filesystem';
import { WebView } from '@capacitor/core';
import { CapacitorUpdraft, type CapacitorUpdraftOptions } from './updraft.js';

export { CapacitorUpdraft, type CapacitorUpdraftOptions } from './updraft.js';
export { CapacitorHasher, CapacitorStorage, CapacitorTransport, CAPACITOR_FOLDER } from './ports.js';
export type { CapacitorPlatform } from './platform.js';
export type { SyncResult, ClientStatus, LaunchResult, UpdateCheck } from '@updraft/client';
// Device telemetry for the dashboard (docs/dashboard.md), from the package the app installs.
export { Telemetry, type TelemetryOptions } from '@updraft/client';

/** The Updraft instance for this app on @capacitor/filesystem and the WebView plugin. */
export function createUpdraft(options: CapacitorUpdraftOptions): Promise<CapacitorUpdraft> {
  return CapacitorUpdraft.create(options, { filesystem: Filesystem, webView: WebView });
}
