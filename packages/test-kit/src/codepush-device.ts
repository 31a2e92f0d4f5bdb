import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { unzipSync } from 'fflate';

/**
 * A react-native-code-push device in a test: the real acquisition SDK (code-push 4.2.3) driven
 * through the real request adapter of react-native-code-push 9.0.1 (global fetch). Only what
 * the native code does with a download (unzip, apply a diff, hash the folder) is written
 * here, after CodePushUpdateManager.java / CodePushUpdateUtils.java.
 */

const require = createRequire(import.meta.url);

interface Requester {
  request(verb: number, url: string, body: unknown, callback?: unknown): void;
}
interface RemotePackage {
  label: string;
  appVersion: string;
  isMandatory: boolean;
  packageHash: string;
  packageSize: number;
  downloadUrl: string;
  description: string;
  deploymentKey: string;
}
type Answer = RemotePackage | { updateAppVersion: true; appVersion: string } | null;
type Callback<T> = (error: Error | null, value: T) => void;
interface AcquisitionManager {
  queryUpdateWithCurrentPackage(
    current: { appVersion: string; packageHash?: string; label?: string },
    cb: Callback<Answer>,
  ): void;
  reportStatusDeploy(
    pkg: { label: string; appVersion: string } | null,
    status: string | null,
    previous: string | null,
    previousKey: string | null,
    cb: Callback<null>,
  ): void;
  reportStatusDownload(pkg: { label: string }, cb: Callback<null>): void;
}

const sdk = require('code-push/script/acquisition-sdk') as {
  AcquisitionManager: new (
    requester: Requester,
    config: {
      serverUrl: string;
      appVersion: string;
      clientUniqueId: string;
      deploymentKey: string;
      ignoreAppVersion?: boolean;
    },
  ) => AcquisitionManager;
};
const adapter = require('react-native-code-push/request-fetch-adapter.js') as Requester;

const promised = <T>(fn: (cb: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** The files of an installed package, by zip path (CodePush/…). */
export type PackageFolder = Map<string, Uint8Array>;

export class CodePushDevice {
  readonly sdk: AcquisitionManager;
  /** What runs now: nothing (the binary) until an update is installed. */
  current: { label: string; packageHash: string; folder: PackageFolder } | null = null;

  constructor(
    serverUrl: string,
    readonly deploymentKey: string,
    readonly clientUniqueId: string,
    readonly appVersion: string,
  ) {
    this.sdk = new sdk.AcquisitionManager(adapter, { serverUrl, appVersion, clientUniqueId, deploymentKey });
  }

  check(): Promise<Answer> {
    const current = this.current
      ? { appVersion: this.appVersion, packageHash: this.current.packageHash, label: this.current.label }
      : { appVersion: this.appVersion };
    return promised((cb) => this.sdk.queryUpdateWithCurrentPackage(current, cb));
  }

  /** Downloads and installs as the native code does; returns the HTTP response for checks. */
  async install(pkg: RemotePackage): Promise<{ response: Response; body: Uint8Array; folder: PackageFolder }> {
    const response = await fetch(pkg.downloadUrl, { headers: { 'accept-encoding': 'identity' } });
    const body = new Uint8Array(await response.arrayBuffer());
    if (Number(response.headers.get('content-length')) !== body.length) {
      throw new Error('received bytes differ from Content-Length (Android throws here)');
    }
    const folder = applyPackage(this.current?.folder ?? new Map(), body);
    if (folderHash(folder) !== pkg.packageHash) throw new Error('the folder hash is not the package hash');
    this.current = { label: pkg.label, packageHash: pkg.packageHash, folder };
    return { response, body, folder };
  }

  reportDeploy(status: 'DeploymentSucceeded' | 'DeploymentFailed', label: string): Promise<null> {
    return promised((cb) =>
      this.sdk.reportStatusDeploy({ label, appVersion: this.appVersion }, status, null, null, cb),
    );
  }

  reportDownload(label: string): Promise<null> {
    return promised((cb) => this.sdk.reportStatusDownload({ label }, cb));
  }
}

/**
 * A full package replaces the folder; a diff (it holds hotcodepush.json) is applied to a copy
 * of the current one: delete the listed files, overlay the zip.
 */
export function applyPackage(current: PackageFolder, zip: Uint8Array): PackageFolder {
  if (!(zip[0] === 0x50 && zip[1] === 0x4b && zip[2] === 3 && zip[3] === 4)) throw new Error('not a zip');
  const entries = unzipSync(zip);
  const manifest = entries['hotcodepush.json'];
  if (!manifest) return new Map(Object.entries(entries));
  const next = new Map(current);
  const { deletedFiles } = JSON.parse(new TextDecoder().decode(manifest)) as { deletedFiles: string[] };
  for (const f of deletedFiles) next.delete(f);
  for (const [path, bytes] of Object.entries(entries)) if (path !== 'hotcodepush.json') next.set(path, bytes);
  return next;
}

/** CodePushUpdateUtils.verifyFolderHash: sorted "path:sha256" strings, JSON, SHA-256. */
export function folderHash(folder: PackageFolder): string {
  const manifest: string[] = [];
  for (const [path, bytes] of folder) {
    if (path.startsWith('__MACOSX/') || path === '.DS_Store' || path.endsWith('/.DS_Store')) continue;
    if (path === '.codepushrelease' || path.endsWith('/.codepushrelease')) continue;
    manifest.push(`${path}:${createHash('sha256').update(bytes).digest('hex')}`);
  }
  manifest.sort();
  // Java and ObjC replace "\/" by "/" after serialising: JSON.stringify never writes "\/".
  return createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
}
