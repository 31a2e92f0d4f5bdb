import { utf8Decode, utf8Encode } from './encoding.js';
import { sha256Hex } from './hash.js';
import { parseSemVer } from './semver.js';

/**
 * CodePush compatibility (docs/guides/migrate-from-codepush.md): the parts of the
 * react-native-code-push package format that the publisher (CLI) and the server must compute
 * identically to the device's native code.
 */

/** Every file of a CodePush package sits under this folder; Android looks for the signature exactly there. */
export const CODEPUSH_FOLDER = 'CodePush';
/** The signature file (an RS256 JWT) inside the package folder. */
export const CODEPUSH_SIGNATURE_FILE = '.codepushrelease';
/** Lists the files a diff package removes. */
export const CODEPUSH_DIFF_MANIFEST = 'hotcodepush.json';

/** Files the device leaves out of its folder hash (Android/iOS CodePushUpdateUtils). */
export function isCodePushHashIgnored(path: string): boolean {
  return (
    path.startsWith('__MACOSX/') ||
    path === '.DS_Store' ||
    path.endsWith('/.DS_Store') ||
    path === CODEPUSH_SIGNATURE_FILE ||
    path.endsWith(`/${CODEPUSH_SIGNATURE_FILE}`)
  );
}

/** The zip entry name of a release file. */
export function codePushEntryPath(releasePath: string): string {
  return `${CODEPUSH_FOLDER}/${releasePath}`;
}

/**
 * The package hash exactly as CodePush computes it over a folder: one `"<path>:<sha256 hex>"`
 * string per file (paths relative to the zip root, `/`-separated), sorted with plain string
 * order, JSON-serialised, SHA-256 in hex. `files` are release files (paths without the
 * CodePush/ prefix).
 */
export function codePushPackageHash(files: readonly { path: string; sha256: string }[]): string {
  const entries = files
    .map((f) => ({ path: codePushEntryPath(f.path), sha256: f.sha256 }))
    .filter((f) => !isCodePushHashIgnored(f.path))
    .map((f) => `${f.path}:${f.sha256}`)
    // Plain UTF-16 code unit order, as Array.prototype.sort() without a comparator.
    .sort();
  return sha256Hex(utf8Encode(JSON.stringify(entries)));
}

/** The claims of the `.codepushrelease` JWT (CodePush CLI `sign.ts`). */
export function codePushSignatureClaims(packageHash: string): { claimVersion: '1.0.0'; contentHash: string } {
  return { claimVersion: '1.0.0', contentHash: packageHash };
}

/**
 * The package hash a `.codepushrelease` JWT claims, read without verifying (only the device,
 * holding the public key, verifies). Null when it is not a compact JWT with that claim.
 */
export function codePushSignedHash(jwt: string): string | null {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return null;
  try {
    const header = JSON.parse(base64UrlText(parts[0]!)) as unknown;
    const claims = JSON.parse(base64UrlText(parts[1]!)) as unknown;
    if (!isObject(header) || header['alg'] !== 'RS256') return null;
    if (!isObject(claims) || claims['claimVersion'] !== '1.0.0') return null;
    const hash = claims['contentHash'];
    return typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash) ? hash : null;
  } catch {
    return null;
  }
}

/**
 * The app version a CodePush device reports, as the reference server reads it: `1` and `2.0`
 * stand for `1.0.0` and `2.0.0`. Null when it is not a version at all.
 */
export function normalizeCodePushAppVersion(version: string): string | null {
  const text = version.trim();
  const full = /^\d+$/.test(text) ? `${text}.0.0` : /^\d+\.\d+$/.test(text) ? `${text}.0` : text;
  return parseSemVer(full) ? full : null;
}

/** `v1`, `v2`, …: the label CodePush users know for the n-th package of a deployment. */
export function codePushLabel(seq: number): string {
  return `v${seq}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url to text, without atob or Buffer (this package runs on Hermes too). */
function base64UrlText(s: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error('not base64url');
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return utf8Decode(new Uint8Array(bytes));
}
