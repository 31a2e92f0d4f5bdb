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
import { MAX_KEEP_RELEASES } from '../vocabulary.js';

/**
 * What publish and rollback share: the server's releases metadata, accepted only under the
 * publisher's own key; the next versionCode; and the next releases version naming one more
 * release manifest.
 */

/**
 * The server's releases metadata, accepted only if the publisher's releases key signed it,
 * so a tampering server cannot make the publisher sign targets it did not publish. `untrusted`
 * is the refusal's message when it did not.
 */
export function trustedReleases(
  current: ServedEnvelope,
  releasesKey: Signer,
  untrusted = 'the server returned releases metadata that your releases key did not sign; do not publish to this server until you have checked it',
): TargetsSigned {
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
    throw new SigningError('untrusted-server', untrusted);
  }
  return parsed.signed;
}

export { DEFAULT_KEEP_RELEASES, MAX_KEEP_RELEASES } from '../vocabulary.js';

/** What the next releases version carries over besides the new release. */
export interface Retention {
  /** The newest releases of each (platform, runtimeVersion) kept, the new release counting as one (1–1000). */
  keep: number;
  /** Releases the server reports in use (GET /v1/apps/:appId/releases-in-use): always kept. */
  inUse: ReadonlySet<string>;
}

/** A listed release as the keep rule sees it. */
export type ListedRelease = Pick<ReleaseCustom, 'releaseId' | 'platform' | 'runtimeVersion' | 'epoch' | 'versionCode'>;

/** A `keep` a publisher asked for, refused with what to do unless it is a whole number 1–1000. */
export function checkKeep(keep: number): number {
  if (!Number.isInteger(keep) || keep < 1 || keep > MAX_KEEP_RELEASES) {
    throw new SigningError(
      'usage',
      `keep-releases must be a whole number from 1 to ${MAX_KEEP_RELEASES} (releases of each platform and runtime version the listing keeps); got ${keep}`,
      { exitCode: 2 },
    );
  }
  return keep;
}

/**
 * The keep rule (docs/protocol.md §3.1 "What the listing keeps"), the one place it is spelled:
 * of the listed releases, the ids the next releases version carries over when `added`'s
 * platform and runtime version gains one release. Every release in use, and the newest
 * `keep` of each (platform, runtimeVersion) by (epoch, versionCode), the new release counting
 * as one of its own group's. So the listing's size is bounded by the groups and what is in use,
 * not by the app's history, and the newest release of each group always stays (versionCode
 * keeps rising from it).
 */
export function keptReleaseIds(
  listed: readonly ListedRelease[],
  added: { platform: string; runtimeVersion: string },
  retain: Retention,
): Set<string> {
  checkKeep(retain.keep);
  const groups = new Map<string, ListedRelease[]>();
  for (const r of listed) {
    // JSON of the pair, so no platform/runtime spelling can make two groups one.
    const key = JSON.stringify([r.platform, r.runtimeVersion]);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const kept = new Set<string>();
  for (const r of listed) if (retain.inUse.has(r.releaseId)) kept.add(r.releaseId);
  const addedKey = JSON.stringify([added.platform, added.runtimeVersion]);
  for (const [key, group] of groups) {
    const room = key === addedKey ? retain.keep - 1 : retain.keep;
    group.sort(
      (a, b) =>
        b.epoch - a.epoch ||
        b.versionCode - a.versionCode ||
        (a.releaseId < b.releaseId ? 1 : a.releaseId > b.releaseId ? -1 : 0),
    );
    for (const r of group.slice(0, room)) kept.add(r.releaseId);
  }
  return kept;
}

/**
 * The signed releases targets carried into the next releases version, and the versionCode the
 * new release of this platform and runtime version takes (one more than any before it). With
 * `retain`, only what the keep rule keeps is carried over; without it, everything (tests that
 * build a listing by hand).
 */
export function nextReleaseTargets(
  signedTargets: Record<string, { length: number; hashes: Record<string, string>; custom?: Record<string, unknown> }>,
  platform: string,
  runtimeVersion: string,
  retain?: Retention,
): { versionCode: number; targets: Record<string, TargetEntry>; dropped: string[] } {
  let versionCode = 1;
  const listed: (ListedRelease & { path: string })[] = [];
  for (const [path, t] of Object.entries(signedTargets)) {
    const custom = parseReleaseCustom(t.custom, path);
    if (custom.platform === platform && custom.runtimeVersion === runtimeVersion) {
      versionCode = Math.max(versionCode, custom.versionCode + 1);
    }
    listed.push({ ...custom, path });
  }
  const kept = retain ? keptReleaseIds(listed, { platform, runtimeVersion }, retain) : null;
  const targets: Record<string, TargetEntry> = {};
  const dropped: string[] = [];
  for (const r of listed) {
    if (kept && !kept.has(r.releaseId)) {
      dropped.push(r.releaseId);
      continue;
    }
    const t = signedTargets[r.path]!;
    targets[r.path] = { length: t.length, sha256: t.hashes['sha256']!, custom: t.custom as JsonObject };
  }
  return { versionCode, targets, dropped };
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
