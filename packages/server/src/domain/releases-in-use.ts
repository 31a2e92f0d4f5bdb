import {
  manifestTargetPath,
  parseJsonObject,
  parseReleaseCustom,
  parseTargets,
  RELEASES_ROLE,
  type ReleaseCustom,
  type TargetsSigned,
} from '@updraft/protocol';
import { conflict } from './api-error.js';
import type { Ports } from '../persistence/persistence.js';

/**
 * Which releases the signed releases listing must keep (docs/protocol.md §3.1 "What the listing
 * keeps"), and the refusals that follow from a listing that drops the others: a publish may not
 * drop a release in use, and no channel may be pointed at a release the listing no longer has.
 */

/**
 * Release id → what uses it (for the refusal's message): the current or previous release of any
 * channel pointer (halted and partial rollouts included: devices verify both in the listing) and
 * every release a pending scheduled start names.
 */
export async function releasesInUse(store: Ports<'rollout'>, appId: string): Promise<Map<string, string>> {
  const uses = new Map<string, string>();
  const use = (releaseId: string, what: string) => {
    if (!uses.has(releaseId)) uses.set(releaseId, what);
  };
  for (const p of await store.rollout.listPointers(appId)) {
    const where = `channel ${p.channel} for ${p.platform} ${p.runtimeVersion}`;
    use(p.releaseId, `the current release of ${where}`);
    if (p.previousReleaseId) use(p.previousReleaseId, `the previous release of ${where}`);
  }
  for (const s of await store.rollout.listSchedules(appId, { status: 'scheduled' })) {
    use(s.releaseId, `the release of the start scheduled on channel ${s.channel} at ${s.startAt}`);
  }
  return uses;
}

/** Refuses a releases version that drops a release in use (409 release-in-use); the publisher signs again keeping it. */
export async function assertNoneInUse(
  store: Ports<'rollout'>,
  appId: string,
  dropped: readonly string[],
): Promise<void> {
  if (dropped.length === 0) return;
  const uses = await releasesInUse(store, appId);
  const releaseId = dropped.find((id) => uses.has(id));
  if (releaseId === undefined) return;
  throw conflict(
    'release-in-use',
    `the new releases metadata drops release ${releaseId}, which is ${uses.get(releaseId)}; ` +
      `sign on top of the current releases metadata keeping it (GET /v1/apps/${appId}/releases-in-use lists what to keep) ` +
      'and run the command again',
    { releaseId },
  );
}

/** The targets of the app's latest signed releases listing (one per release), or null before its trust is set. */
async function latestListing(store: Ports<'trust'>, appId: string): Promise<TargetsSigned['targets'] | null> {
  const meta = await store.trust.getLatestMetadata(appId, RELEASES_ROLE);
  if (!meta) return null;
  return parseTargets(parseJsonObject(meta.bytes, 'stored releases.json'), RELEASES_ROLE).signed.targets;
}

/** The release as the app's latest signed releases listing has it, or null when the listing no longer has it. */
export async function listedRelease(
  store: Ports<'trust'>,
  appId: string,
  releaseId: string,
): Promise<ReleaseCustom | null> {
  const path = manifestTargetPath(releaseId);
  const target = (await latestListing(store, appId))?.[path];
  return target ? parseReleaseCustom(target.custom, path) : null;
}

/** The ids of the releases the app's latest signed releases listing has (release list's `listed`). */
export async function listedReleaseIds(store: Ports<'trust'>, appId: string): Promise<Set<string>> {
  const targets = (await latestListing(store, appId)) ?? {};
  return new Set(Object.entries(targets).map(([path, t]) => parseReleaseCustom(t.custom, path).releaseId));
}

/**
 * Devices accept only a pointer whose release the signed listing has, so a channel is never
 * pointed at one it dropped (promote, scheduled starts): 409 release-not-listed, saying how to
 * serve it again.
 */
export async function assertListed(
  store: Ports<'trust'>,
  appId: string,
  releaseId: string,
  channel: string,
): Promise<ReleaseCustom> {
  const listed = await listedRelease(store, appId, releaseId);
  if (listed) return listed;
  throw conflict(
    'release-not-listed',
    `release ${releaseId} is no longer in the app's signed releases listing, so devices could not verify it; ` +
      `publish a rollback to it: updraft release rollback ${releaseId} --app ${appId} --channel ${channel}`,
    { releaseId },
  );
}
