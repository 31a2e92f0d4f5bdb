import type { FilesystemPlugin } from '@capacitor/filesystem';
import type { WebViewPlugin } from '@capacitor/core';

/**
 * The Capacitor plugins the binding uses, as objects passed in: the app gets them from
 * @capacitor/filesystem and @capacitor/core; tests pass fakes of the same interfaces.
 */
export interface CapacitorPlatform {
  filesystem: Pick<
    FilesystemPlugin,
    | 'readFile'
    | 'writeFile'
    | 'appendFile'
    | 'deleteFile'
    | 'mkdir'
    | 'rmdir'
    | 'readdir'
    | 'stat'
    | 'rename'
    | 'copy'
    | 'getUri'
  >;
  webView: Pick<WebViewPlugin, 'setServerBasePath' | 'getServerBasePath' | 'persistServerBasePath'>;
  /** Defaults to the WebView's fetch. */
  fetch?: typeof fetch;
  /** Defaults to crypto.subtle when the WebView has it (secure contexts), else @noble/hashes. */
  subtle?: Sha256Digest | null;
}

/** The one WebCrypto call the binding makes. */
export interface Sha256Digest {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
}
