import { hexToBytes, bytesToHex } from './encoding.js';
import { UpdraftError } from './errors.js';
import { isIdentifier } from './paths.js';
import { asArray, asObject, asString, fail, type Obj } from './shape.js';

/**
 * Expo Updates compatibility (docs/guides/expo.md): the parts of the expo-updates protocol
 * (v0 and v1) that the publisher (CLI) and the server must agree on byte for byte. The
 * publisher builds the manifest and directive bodies and signs them offline; the server
 * stores them and serves the exact bytes.
 */

export const EXPO_PLATFORMS = ['ios', 'android'] as const;
export type ExpoPlatform = (typeof EXPO_PLATFORMS)[number];
export const EXPO_SIGNATURE_ALG = 'rsa-v1_5-sha256';
export { EXPO_DEFAULT_KEY_ID } from './vocabulary.js';
/** Where the app's `updates.url` points, under the server's base URL. */
export const expoUpdatesPath = (appId: string) => `/expo/${encodeURIComponent(appId)}`;
/** The constant body the publisher signs once per app and key. */
export const EXPO_NO_UPDATE_DIRECTIVE = '{"type":"noUpdateAvailable"}';

export function isExpoPlatform(value: unknown): value is ExpoPlatform {
  return typeof value === 'string' && (EXPO_PLATFORMS as readonly string[]).includes(value);
}

/** The `rollBackToEmbedded` directive body (its commitTime must be later than every update it overrides). */
export function expoRollBackToEmbeddedDirective(commitTime: string): string {
  return JSON.stringify({ type: 'rollBackToEmbedded', parameters: { commitTime } });
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** An asset's `hash` as expo-updates checks it: base64url (no padding) of the SHA-256 of its bytes. */
export function expoAssetHash(sha256Hex: string): string {
  const bytes = hexToBytes(sha256Hex);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.ceil((Math.min(3, bytes.length - i) * 8) / 6);
    for (let c = 0; c < chars; c++) out += B64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** The hex SHA-256 an Expo asset hash stands for, or null when it is not one. */
export function expoAssetSha256Hex(hash: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(hash)) return null;
  const bytes: number[] = [];
  let value = 0;
  let bits = 0;
  for (const ch of hash) {
    value = ((value << 6) | B64URL.indexOf(ch)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  const hex = bytesToHex(new Uint8Array(bytes));
  // The last character carries 2 spare bits: only the canonical spelling stands for these bytes.
  return expoAssetHash(hex) === hash ? hex : null;
}

const CONTENT_TYPES: Record<string, string> = {
  js: 'application/javascript',
  hbc: 'application/javascript',
  bundle: 'application/javascript',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  ttf: 'font/ttf',
  otf: 'font/otf',
  woff: 'font/woff',
  woff2: 'font/woff2',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  html: 'text/html',
  css: 'text/css',
  txt: 'text/plain',
  xml: 'application/xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  wasm: 'application/wasm',
  db: 'application/octet-stream',
  lottie: 'application/zip',
};

/** The content type served and signed for a file extension (without the dot). */
export function expoContentType(ext: string): string {
  return CONTENT_TYPES[ext.toLowerCase()] ?? 'application/octet-stream';
}

/** A file extension as it may appear in an asset URL and manifest: letters and digits only. */
export function isExpoExtension(ext: string): boolean {
  return /^[A-Za-z0-9]{1,16}$/.test(ext);
}

/** The server's immutable, content-addressed URL path of an asset. */
export function expoAssetPath(appId: string, sha256Hex: string, ext: string): string {
  return `${expoUpdatesPath(appId)}/assets/${sha256Hex}.${ext}`;
}

export interface ExpoAsset {
  hash: string;
  key: string;
  contentType: string;
  fileExtension?: string;
  url: string;
}

export interface ExpoManifest {
  id: string;
  createdAt: string;
  runtimeVersion: string;
  launchAsset: ExpoAsset;
  assets: ExpoAsset[];
  metadata: Record<string, string>;
  extra: Obj;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Lowercase UUID text, as expo-updates echoes an update id. */
export function isExpoUpdateId(value: string): boolean {
  return UUID.test(value);
}

/** The manifest bytes the publisher signs: fixed key order, no whitespace. */
export function buildExpoManifest(m: ExpoManifest): string {
  const asset = (a: ExpoAsset) => ({
    hash: a.hash,
    key: a.key,
    contentType: a.contentType,
    ...(a.fileExtension !== undefined ? { fileExtension: a.fileExtension } : {}),
    url: a.url,
  });
  return JSON.stringify({
    id: m.id,
    createdAt: m.createdAt,
    runtimeVersion: m.runtimeVersion,
    launchAsset: asset(m.launchAsset),
    assets: m.assets.map(asset),
    metadata: m.metadata,
    extra: m.extra,
  });
}

function parseAsset(value: unknown, path: string): ExpoAsset {
  const o = asObject(value, path);
  const hash = asString(o['hash'], `${path}.hash`, 64);
  if (expoAssetSha256Hex(hash) === null) fail(`${path}.hash`, 'a base64url SHA-256 without padding');
  const url = asString(o['url'], `${path}.url`, 2048);
  if (!/^https?:\/\/[^\s]+$/.test(url)) fail(`${path}.url`, 'an absolute http(s) URL');
  const fileExtension = o['fileExtension'];
  return {
    hash,
    key: asString(o['key'], `${path}.key`, 256),
    contentType: asString(o['contentType'], `${path}.contentType`, 256),
    ...(fileExtension !== undefined ? { fileExtension: asString(fileExtension, `${path}.fileExtension`, 32) } : {}),
    url,
  };
}

/** Checks the shape of manifest bytes a publisher sent (the server never changes them). */
export function parseExpoManifest(text: string): ExpoManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpdraftError('malformed', 'the Expo manifest is not JSON');
  }
  const o = asObject(value, 'manifest');
  const id = asString(o['id'], 'manifest.id', 64);
  if (!UUID.test(id)) fail('manifest.id', 'a lowercase UUID');
  const createdAt = asString(o['createdAt'], 'manifest.createdAt', 64);
  if (!ISO.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    fail('manifest.createdAt', 'an ISO 8601 UTC time such as 2026-01-02T03:04:05.678Z');
  }
  const metadata = asObject(o['metadata'], 'manifest.metadata');
  for (const [k, v] of Object.entries(metadata)) asString(v, `manifest.metadata.${k}`, 1024);
  return {
    id,
    createdAt,
    runtimeVersion: asString(o['runtimeVersion'], 'manifest.runtimeVersion', 256),
    launchAsset: parseAsset(o['launchAsset'], 'manifest.launchAsset'),
    assets: asArray(o['assets'], 'manifest.assets', 100_000).map((a, i) => parseAsset(a, `manifest.assets[${i}]`)),
    metadata: metadata as Record<string, string>,
    extra: asObject(o['extra'] ?? {}, 'manifest.extra'),
  };
}

/** The `expo-signature` part header: an SFV dictionary (RFC 8941) of three strings. */
export function expoSignatureHeader(sig: string, keyId: string): string {
  if (!/^[A-Za-z0-9+/]+=*$/.test(sig)) throw new UpdraftError('malformed', 'an Expo signature is base64');
  const str = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `sig=${str(sig)}, keyid=${str(keyId)}, alg=${str(EXPO_SIGNATURE_ALG)}`;
}

/** A key id as the server stores it and as SFV carries it: printable ASCII, short. */
export function isExpoKeyId(value: string): boolean {
  return /^[\x20-\x7e]{1,64}$/.test(value);
}

export interface ExpoRequest {
  protocolVersion: 0 | 1;
  platform: ExpoPlatform;
  runtimeVersion: string;
  /** From `expo-channel-name`; null = the app's default channel. */
  channel: string | null;
  currentUpdateId: string | null;
  embeddedUpdateId: string | null;
  /** `eas-client-id`: the rollout bucket's device id. */
  clientId: string | null;
  /** What the response may be. */
  accepts: { multipart: boolean; json: boolean };
}

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * Reads the headers an expo-updates client sends. Throws `malformed` (a 400 for the server)
 * naming the header at fault; `get` returns the header's value or undefined.
 */
export function parseExpoRequest(get: (name: string) => string | undefined): ExpoRequest {
  const bad = (name: string, expected: string): never => {
    throw new UpdraftError('malformed', `header ${name} must be ${expected}`);
  };
  const protocol = get('expo-protocol-version');
  if (protocol !== undefined && protocol !== '0' && protocol !== '1') bad('expo-protocol-version', '0 or 1');
  const platform = get('expo-platform');
  if (!isExpoPlatform(platform)) bad('expo-platform', `one of ${EXPO_PLATFORMS.join(', ')}`);
  const runtimeVersion = get('expo-runtime-version');
  if (runtimeVersion === undefined || runtimeVersion.length > 255 || !PRINTABLE.test(runtimeVersion)) {
    bad('expo-runtime-version', 'the runtime version of the app binary (1-255 printable characters)');
  }
  const channel = get('expo-channel-name');
  if (channel !== undefined && !isIdentifier(channel)) bad('expo-channel-name', 'a channel name');
  const uuid = (name: string): string | null => {
    const v = get(name);
    if (v === undefined || v === '') return null;
    const lower = v.toLowerCase();
    if (!UUID.test(lower)) bad(name, 'an update id (a UUID)');
    return lower;
  };
  const currentUpdateId = uuid('expo-current-update-id');
  const embeddedUpdateId = uuid('expo-embedded-update-id');
  const clientId = get('eas-client-id');
  if (clientId !== undefined && (clientId.length > 256 || !PRINTABLE.test(clientId))) {
    bad('eas-client-id', 'at most 256 printable characters');
  }
  const accept = get('accept');
  const types = accept === undefined ? ['*/*'] : mediaTypes(accept);
  const any = types.includes('*/*');
  return {
    protocolVersion: protocol === '1' ? 1 : 0,
    platform: platform as ExpoPlatform,
    runtimeVersion: runtimeVersion!,
    channel: channel ?? null,
    currentUpdateId,
    embeddedUpdateId,
    clientId: clientId ?? null,
    accepts: {
      multipart: any || types.includes('multipart/mixed') || types.includes('multipart/*'),
      json:
        any ||
        types.includes('application/json') ||
        types.includes('application/expo+json') ||
        types.includes('application/*'),
    },
  };
}

/** The media types an Accept header allows (q=0 excluded). */
function mediaTypes(accept: string): string[] {
  return accept
    .split(',')
    .map((part) => part.split(';').map((s) => s.trim().toLowerCase()))
    .filter(([, ...params]) => !params.some((p) => /^q=0(\.0*)?$/.test(p)))
    .map(([type]) => type!)
    .filter(Boolean);
}

export interface ExpoPart {
  name: 'manifest' | 'directive' | 'extensions';
  body: string;
  /** The `expo-signature` header value, when signed. */
  signature?: string;
}

/** A `multipart/mixed` body (RFC 2046) of JSON parts; the boundary must not occur in any part. */
export function expoMultipart(parts: readonly ExpoPart[], boundary: string): string {
  let out = '';
  for (const p of parts) {
    if (p.body.includes(boundary)) throw new UpdraftError('malformed', 'a part contains the multipart boundary');
    out +=
      `--${boundary}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-disposition: inline; name="${p.name}"\r\n` +
      (p.signature ? `expo-signature: ${p.signature}\r\n` : '') +
      `\r\n${p.body}\r\n`;
  }
  return `${out}--${boundary}--\r\n`;
}
