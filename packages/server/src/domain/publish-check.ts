import {
  canonicalize,
  checkThreshold,
  findDelegation,
  isExpired,
  isIdentifier,
  isPlatform,
  isUpdraftError,
  manifestTargetPath,
  parseReleaseCustom,
  parseTargets,
  RELEASES_ROLE,
  PLATFORMS,
  signedForChannel,
  type ReleaseCustom,
  type TargetFile,
  type TargetingRules,
  type TargetsSigned,
} from '@updraft/protocol';
import { badRequest, conflict, forbidden } from './api-error.js';

/**
 * The checks of a publish that need only metadata: the new releases version is signed by the
 * publisher's releases keys, follows the current one, keeps every release it keeps unchanged
 * and adds exactly the one release it claims. Checks against stored blobs and earlier releases are in releases-service.ts.
 */

export interface PublishRequest {
  releases: unknown;
  releaseId: string;
  channel: string;
  /** How the channel serves it (docs/api.md): rollout percentage, mandatory, targeting, notes, scheduled start. */
  basisPoints?: number;
  mandatory?: boolean;
  targeting?: TargetingRules;
  notes?: string;
  startAt?: string;
  /** Create the channel if it does not exist (otherwise an unknown channel is refused). */
  createChannel?: boolean;
}

export interface CheckedPublish {
  version: number;
  targetPath: string;
  target: TargetFile;
  release: ReleaseCustom;
  manifestSha256: string;
  /** The release ids of the current listing that the new version no longer has. */
  dropped: string[];
}

function parseOr400<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isUpdraftError(err)) throw badRequest('invalid-releases', err.message);
    throw err;
  }
}

function checkReleaseCustom(release: ReleaseCustom, appId: string, req: PublishRequest, path: string): void {
  const p = `${path}.custom.updraft`;
  if (release.appId !== appId)
    throw badRequest('invalid-release', `${p}.appId is "${release.appId}"; this app is "${appId}"`);
  if (release.releaseId !== req.releaseId) {
    throw badRequest(
      'invalid-release',
      `${p}.releaseId is "${release.releaseId}"; the request says "${req.releaseId}"`,
    );
  }
  if (!isPlatform(release.platform)) {
    throw badRequest(
      'invalid-release',
      `${p}.platform must be one of ${PLATFORMS.join(', ')}, got "${release.platform}"`,
    );
  }
  if (!isIdentifier(release.runtimeVersion)) {
    throw badRequest('invalid-release', `${p}.runtimeVersion must be 1-128 letters, digits, '.', '_' or '-'`);
  }
  for (const c of release.channels) {
    if (c !== '*' && !isIdentifier(c))
      throw badRequest('invalid-release', `${p}.channels has an invalid channel name "${c}"`);
  }
  if (!signedForChannel(release, req.channel)) {
    throw badRequest(
      'channel-not-allowed',
      `release ${req.releaseId} is signed for channels ${JSON.stringify(release.channels)}, not "${req.channel}"; ` +
        'publish to one of those or sign the release for this channel',
    );
  }
}

export function checkPublish(opts: {
  appId: string;
  request: PublishRequest;
  /** The current, trusted top-level targets: it names the releases keys. */
  targets: TargetsSigned;
  /** The current releases metadata, raw JSON and parsed. */
  currentRaw: Record<string, unknown>;
  current: TargetsSigned;
  nowMs: number;
}): CheckedPublish {
  const { appId, request, targets, current } = opts;
  const next = parseOr400(() => parseTargets(request.releases, RELEASES_ROLE));
  const rawSigned = (request.releases as { signed: Record<string, unknown> }).signed;

  const role = findDelegation(targets, RELEASES_ROLE);
  try {
    checkThreshold(rawSigned, next.signatures, targets.delegations?.keys ?? {}, role, RELEASES_ROLE);
  } catch (err) {
    if (!isUpdraftError(err)) throw err;
    if (err.reason === 'malformed') throw badRequest('invalid-releases', err.message);
    throw forbidden(
      'bad-signature',
      `${err.message} (targets version ${targets.version}, threshold ${role.threshold}); sign the releases metadata with the app's releases key(s)`,
    );
  }

  if (next.signed.version !== current.version + 1) {
    throw conflict(
      'releases-changed',
      `releases metadata is version ${next.signed.version} but the server has version ${current.version}; ` +
        'another publish happened; run the command again',
      { currentVersion: current.version },
    );
  }
  if (isExpired(next.signed.expires, opts.nowMs)) {
    throw badRequest(
      'invalid-releases',
      `releases metadata expired at ${next.signed.expires}; sign it with a later expiry`,
    );
  }
  if (next.signed.delegations) throw badRequest('invalid-releases', 'releases metadata must not delegate further');

  // Every release kept stays exactly as signed before; releases may be dropped (the caller
  // refuses dropping one in use: releases-in-use.ts). Exactly one release is added.
  const currentTargets = (opts.currentRaw['signed'] as { targets: Record<string, unknown> }).targets;
  const nextTargets = rawSigned['targets'] as Record<string, unknown>;
  const dropped: string[] = [];
  for (const [path, before] of Object.entries(currentTargets)) {
    if (!Object.hasOwn(nextTargets, path)) {
      dropped.push(parseReleaseCustom(current.targets[path]?.custom, path).releaseId);
    } else if (canonicalize(nextTargets[path]) !== canonicalize(before)) {
      throw badRequest(
        'targets-changed',
        `releases metadata changes the existing target ${path}; start from the current releases metadata ` +
          `(GET /v1/apps/${appId}/releases-metadata), keep its targets as they are and only add the new release`,
      );
    }
  }
  const targetPath = manifestTargetPath(request.releaseId);
  const added = Object.keys(nextTargets).filter((p) => !Object.hasOwn(currentTargets, p));
  if (added.length !== 1 || added[0] !== targetPath) {
    throw badRequest(
      'invalid-release',
      `releases metadata must add exactly one target, ${targetPath}; it adds ${added.length ? added.join(', ') : 'none'}`,
    );
  }

  const target = next.signed.targets[targetPath]!;
  const release = parseOr400(() => parseReleaseCustom(target.custom, `releases.targets["${targetPath}"]`));
  checkReleaseCustom(release, appId, request, `releases.targets["${targetPath}"]`);
  const manifestSha256 = target.hashes['sha256'];
  if (!manifestSha256 || !/^[0-9a-f]{64}$/.test(manifestSha256)) {
    throw badRequest(
      'invalid-release',
      `releases.targets["${targetPath}"].hashes.sha256 must be a lower-case hex SHA-256`,
    );
  }
  return { version: next.signed.version, targetPath, target, release, manifestSha256, dropped };
}
