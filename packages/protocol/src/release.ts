import { UpdraftError } from './errors.js';
import { assertIdentifier, relativePathProblem } from './paths.js';
import { parseTargeting, type TargetingRules } from './targeting.js';
import { asArray, asBoolean, asInteger, asObject, asSha256, asString, asStringArray, fail, type Obj } from './shape.js';

export const MANIFEST_SCHEMA = 'updraft.release/1';

/** Signed by the publisher in the `releases` role: `custom.updraft` of `manifests/<id>.json`. */
export interface ReleaseCustom {
  appId: string;
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  versionCode: number;
  epoch: number;
  channels: string[];
  createdAt: string;
}

/**
 * Whether a release may be served on `channel`: the channels its publisher signed into it
 * (`*` is any). The server holds no releases key, so this list is what a promote can never
 * widen; the publish and promote checks and every device apply this one rule.
 */
export function signedForChannel(release: Pick<ReleaseCustom, 'channels'>, channel: string): boolean {
  return release.channels.includes('*') || release.channels.includes(channel);
}

/**
 * A binary patch that builds this file from another file the device may hold (protocol.md
 * §3.5). Listed in the signed manifest, so the patch bytes are authenticated by `sha256`
 * and `length` like any file, and served at `targets/files/<sha256>`.
 */
export interface FilePatch {
  /** SHA-256 of the base file the patch applies to. */
  from: string;
  sha256: string;
  length: number;
  /** `bsdiff-brotli` or `zstd-patch-from`; a device skips patches in formats it does not know. */
  format: string;
}

export interface ManifestFile {
  path: string;
  sha256: string;
  length: number;
  contentType: string;
  /** Absent in manifests without patches (and in every manifest before delta updates). */
  patches?: FilePatch[];
}

export const MAX_PATCHES_PER_FILE = 16;

/** The bytes of a release target: every file of the release. */
export interface ReleaseManifest {
  schema: typeof MANIFEST_SCHEMA;
  appId: string;
  releaseId: string;
  platform: string;
  runtimeVersion: string;
  versionCode: number;
  epoch: number;
  launch: string;
  createdAt: string;
  files: ManifestFile[];
}

export interface ReleaseRef {
  releaseId: string;
  versionCode: number;
  length: number;
  sha256: string;
  /** Which devices the previous release is for; absent = every device. */
  targeting?: TargetingRules;
}

/** Signed by the server in the `director` role: `custom.updraft` of `channels/<c>/<p>/<rv>`. */
export interface PointerCustom {
  channel: string;
  platform: string;
  runtimeVersion: string;
  releaseId: string;
  versionCode: number;
  mandatory: boolean;
  rollout: { basisPoints: number; salt: string };
  /** Which devices the release is for (docs/protocol.md §5.1); absent = every device. */
  targeting?: TargetingRules;
  previous: ReleaseRef | null;
}

const MAX_VERSION_CODE = 2 ** 31 - 1;
export const MAX_MANIFEST_FILES = 20_000;

function updraftCustom(custom: Obj | undefined, path: string): Obj {
  if (custom === undefined) fail(`${path}.custom`, 'present');
  return asObject(asObject(custom, `${path}.custom`)['updraft'], `${path}.custom.updraft`);
}

export function parseReleaseCustom(custom: Obj | undefined, path: string): ReleaseCustom {
  const c = updraftCustom(custom, path);
  const p = `${path}.custom.updraft`;
  return {
    appId: asString(c['appId'], `${p}.appId`, 128),
    releaseId: asString(c['releaseId'], `${p}.releaseId`, 128),
    platform: asString(c['platform'], `${p}.platform`, 128),
    runtimeVersion: asString(c['runtimeVersion'], `${p}.runtimeVersion`, 128),
    versionCode: asInteger(c['versionCode'], `${p}.versionCode`, 1, MAX_VERSION_CODE),
    epoch: asInteger(c['epoch'], `${p}.epoch`, 0, MAX_VERSION_CODE),
    channels: asStringArray(c['channels'], `${p}.channels`, 256),
    createdAt: asString(c['createdAt'], `${p}.createdAt`, 40),
  };
}

function parseReleaseRef(value: unknown, path: string): ReleaseRef {
  const r = asObject(value, path);
  const ref: ReleaseRef = {
    releaseId: asString(r['releaseId'], `${path}.releaseId`, 128),
    versionCode: asInteger(r['versionCode'], `${path}.versionCode`, 1, MAX_VERSION_CODE),
    length: asInteger(r['length'], `${path}.length`, 0),
    sha256: asSha256(r['sha256'], `${path}.sha256`),
  };
  if (r['targeting'] !== undefined) ref.targeting = parseTargeting(r['targeting'], `${path}.targeting`);
  return ref;
}

export function parsePointerCustom(custom: Obj | undefined, path: string): PointerCustom {
  const c = updraftCustom(custom, path);
  const p = `${path}.custom.updraft`;
  const rollout = asObject(c['rollout'], `${p}.rollout`);
  const pointer: PointerCustom = {
    channel: asString(c['channel'], `${p}.channel`, 128),
    platform: asString(c['platform'], `${p}.platform`, 128),
    runtimeVersion: asString(c['runtimeVersion'], `${p}.runtimeVersion`, 128),
    releaseId: asString(c['releaseId'], `${p}.releaseId`, 128),
    versionCode: asInteger(c['versionCode'], `${p}.versionCode`, 1, MAX_VERSION_CODE),
    mandatory: asBoolean(c['mandatory'], `${p}.mandatory`),
    rollout: {
      basisPoints: asInteger(rollout['basisPoints'], `${p}.rollout.basisPoints`, 0, 10000),
      salt: asString(rollout['salt'], `${p}.rollout.salt`, 256),
    },
    previous: c['previous'] === null ? null : parseReleaseRef(c['previous'], `${p}.previous`),
  };
  if (c['targeting'] !== undefined) pointer.targeting = parseTargeting(c['targeting'], `${p}.targeting`);
  return pointer;
}

function parsePatches(value: unknown, path: string): FilePatch[] {
  return asArray(value, path, MAX_PATCHES_PER_FILE).map((v, i) => {
    const p = `${path}[${i}]`;
    const patch = asObject(v, p);
    return {
      from: asSha256(patch['from'], `${p}.from`),
      sha256: asSha256(patch['sha256'], `${p}.sha256`),
      length: asInteger(patch['length'], `${p}.length`, 1),
      format: asString(patch['format'], `${p}.format`, 64),
    };
  });
}

/** Validates a manifest's shape and every file path; throws `malformed` naming the field. */
export function parseManifest(value: unknown): ReleaseManifest {
  const m = asObject(value, 'manifest');
  if (m['schema'] !== MANIFEST_SCHEMA) fail('manifest.schema', `"${MANIFEST_SCHEMA}"`);
  const files = asArray(m['files'], 'manifest.files', MAX_MANIFEST_FILES).map((f, i) => {
    const p = `manifest.files[${i}]`;
    const file = asObject(f, p);
    const path = asString(file['path'], `${p}.path`, 1024);
    const problem = relativePathProblem(path);
    if (problem) throw new UpdraftError('malformed', `${p}.path "${path}" ${problem}`);
    const parsed: ManifestFile = {
      path,
      sha256: asSha256(file['sha256'], `${p}.sha256`),
      length: asInteger(file['length'], `${p}.length`, 0),
      contentType: asString(file['contentType'], `${p}.contentType`, 256),
    };
    if (file['patches'] !== undefined) parsed.patches = parsePatches(file['patches'], `${p}.patches`);
    return parsed;
  });
  const seen = new Set<string>();
  for (const f of files) {
    // Case-folded: two paths that differ only in case would collide on iOS/macOS file systems.
    const key = f.path.toLowerCase();
    if (seen.has(key)) throw new UpdraftError('malformed', `manifest.files lists "${f.path}" twice`);
    seen.add(key);
  }
  const launch = asString(m['launch'], 'manifest.launch', 1024);
  if (!files.some((f) => f.path === launch)) fail('manifest.launch', 'the path of one of manifest.files');
  return {
    schema: MANIFEST_SCHEMA,
    appId: assertIdentifier(m['appId'], 'manifest.appId'),
    releaseId: assertIdentifier(m['releaseId'], 'manifest.releaseId'),
    platform: assertIdentifier(m['platform'], 'manifest.platform'),
    runtimeVersion: assertIdentifier(m['runtimeVersion'], 'manifest.runtimeVersion'),
    versionCode: asInteger(m['versionCode'], 'manifest.versionCode', 1, MAX_VERSION_CODE),
    epoch: asInteger(m['epoch'], 'manifest.epoch', 0, MAX_VERSION_CODE),
    launch,
    createdAt: asString(m['createdAt'], 'manifest.createdAt', 40),
    files,
  };
}
