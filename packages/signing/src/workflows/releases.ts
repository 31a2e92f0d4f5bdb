import { randomBytes } from 'node:crypto';
import {
  canonicalBytes,
  checkThreshold,
  delegatedSigned,
  MANIFEST_SCHEMA,
  manifestTargetPath,
  parseReleaseCustom,
  parseTargets,
  sha256Hex,
  type FilePatch,
  type JsonObject,
  type ManifestFile,
  type ReleaseCustom,
  type ReleaseManifest,
  type SignedEnvelope,
  type TargetEntry,
  type TargetsSigned,
} from '@updraft/protocol';
import type { ServedEnvelope } from '@updraft/api';
import type { ProvenanceRef } from '@updraft/protocol/transparency';
import { SigningError } from '../errors.js';
import type { Signer } from '../keys.js';
import { signMetadata } from '../sign.js';

/**
 * What publish and rollback share: the server's releases metadata, accepted only under the
 * publisher's own key; the next versionCode; and the next releases version naming one more
 * release manifest.
 */

/**
 * The server's releases metadata, accepted only if the publisher's releases key signed it,
 * so a tampering server cannot make the publisher sign targets it did not publish.
 */
export function trustedReleases(current: ServedEnvelope, releasesKey: Signer): TargetsSigned {
  const parsed = parseTargets(current, 'releases');
  try {
    checkThreshold(
      current.signed,
      parsed.signatures,
      { [releasesKey.keyId]: releasesKey.publicKey },
      { keyids: [releasesKey.keyId], threshold: 1 },
      'releases',
    );
  } catch {
    throw new SigningError(
      'untrusted-server',
      'the server returned releases metadata that your releases key did not sign; do not publish to this server until you have checked it',
    );
  }
  return parsed.signed;
}

/**
 * The signed releases targets carried into the next releases version, and the versionCode the
 * new release of this platform and runtime version takes (one more than any before it).
 */
export function nextReleaseTargets(
  signedTargets: Record<string, { length: number; hashes: Record<string, string>; custom?: Record<string, unknown> }>,
  platform: string,
  runtimeVersion: string,
): { versionCode: number; targets: Record<string, TargetEntry> } {
  let versionCode = 1;
  const targets: Record<string, TargetEntry> = {};
  for (const [path, t] of Object.entries(signedTargets)) {
    const custom = parseReleaseCustom(t.custom, path);
    if (custom.platform === platform && custom.runtimeVersion === runtimeVersion) {
      versionCode = Math.max(versionCode, custom.versionCode + 1);
    }
    targets[path] = { length: t.length, sha256: t.hashes['sha256']!, custom: t.custom as JsonObject };
  }
  return { versionCode, targets };
}

/** A new release id: the time in base 36 and 32 random bits, so ids sort roughly by age and never collide. */
export function newReleaseId(nowMs: number): string {
  return `r${nowMs.toString(36)}${randomBytes(4).toString('hex')}`;
}

/**
 * What a new release is made of: the manifest's fields, its files (with their patches by file
 * path) and the channels it may ever be served on. Built from the manifest's own type, so a
 * field added to a release is asked of every caller.
 */
export type NewRelease = Omit<ReleaseManifest, 'schema' | 'files'> & {
  files: readonly Omit<ManifestFile, 'patches'>[];
  patches?: ReadonlyMap<string, FilePatch[]> | undefined;
  /** `*` for any. */
  channels: string[];
};

/**
 * A new release's manifest and the `custom.updraft` signed into its releases target, which
 * repeats the manifest's identity (a device holds one to the other: checkManifestMatches).
 * Publish and the tests that publish by hand spell a release's fields here, once.
 */
export function releaseDocuments(r: NewRelease): { manifest: ReleaseManifest; custom: ReleaseCustom } {
  const manifest: ReleaseManifest = {
    schema: MANIFEST_SCHEMA,
    appId: r.appId,
    releaseId: r.releaseId,
    platform: r.platform,
    runtimeVersion: r.runtimeVersion,
    versionCode: r.versionCode,
    epoch: r.epoch,
    launch: r.launch,
    createdAt: r.createdAt,
    files: r.files.map((f) => {
      const patches = r.patches?.get(f.path);
      return {
        path: f.path,
        sha256: f.sha256,
        length: f.length,
        contentType: f.contentType,
        ...(patches ? { patches } : {}),
      };
    }),
  };
  const custom: ReleaseCustom = {
    appId: r.appId,
    releaseId: r.releaseId,
    platform: r.platform,
    runtimeVersion: r.runtimeVersion,
    versionCode: r.versionCode,
    epoch: r.epoch,
    channels: r.channels,
    createdAt: r.createdAt,
  };
  return { manifest, custom };
}

/** A manifest as the bytes the server stores and devices hash. */
export function manifestBlob(manifest: ReleaseManifest): { bytes: Uint8Array; sha256: string } {
  const bytes = canonicalBytes(manifest);
  return { bytes, sha256: sha256Hex(bytes) };
}

/** The next releases version: `targets` plus the new release's manifest, signed by the releases key. */
export async function signNextReleases(opts: {
  version: number;
  expires: string;
  targets: Record<string, TargetEntry>;
  manifest: { bytes: Uint8Array; sha256: string };
  custom: ReleaseCustom;
  provenance?: ProvenanceRef | null;
  signers: Signer[];
}): Promise<SignedEnvelope> {
  const targets = { ...opts.targets };
  targets[manifestTargetPath(opts.custom.releaseId)] = {
    length: opts.manifest.bytes.length,
    sha256: opts.manifest.sha256,
    custom: {
      updraft: {
        ...(opts.custom as unknown as JsonObject),
        ...(opts.provenance ? { provenance: opts.provenance as unknown as JsonObject } : {}),
      },
    },
  };
  return signMetadata(delegatedSigned({ version: opts.version, expires: opts.expires, targets }), opts.signers);
}
