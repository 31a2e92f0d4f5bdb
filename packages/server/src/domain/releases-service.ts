import type { Readable } from 'node:stream';
import type { releasesApi } from '@updraft/api';
import {
  checkManifestMatches,
  isPlatform,
  isUpdraftError,
  parseJsonObject,
  parseManifest,
  parseTargets,
  PLATFORMS,
  relativePathProblem,
  type ReleaseListing,
  type ReleaseManifest,
  RELEASES_ROLE,
  type SignedEnvelope,
  type TargetsSigned,
  TARGETS_ROLE,
} from '@updraft/protocol';
import { ApiError, appNotFound, badRequest, conflict, trustNotInitialized } from './api-error.js';
import { BlobError, type BlobStore } from '../blobs/blobs.js';
import {
  type EmbeddedBundle,
  type EmbeddedFile,
  type Ports,
  type ReleaseRecord,
  type StoredMetadata,
  type Transactional,
} from '../persistence/persistence.js';
import { assertMayChangeChannel, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { channelToChange } from './channel-guard.js';
import { checkedTargeting, FULL_ROLLOUT, parseStartAt, pointChannelAt, resignPointers } from './deployments.js';
import { storeEnvelope } from './online-signing.js';
import { withResignRetry } from './resign-retry.js';
import { checkPublish, type PublishRequest } from './publish-check.js';
import { ReleaseListings } from './release-listing.js';
import { assertNoneInUse, releasesInUse } from './releases-in-use.js';
import { scheduleDeployment } from './schedules.js';

export type PublishedRelease = releasesApi.PublishedRelease;
export type PublishResult = releasesApi.PublishResult;

function describeBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

/** Uploading release files and publishing releases. */
export class ReleasesService {
  private readonly listings: ReleaseListings;

  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog' | 'codepush'>;
      blobs: BlobStore;
      maxFileBytes: number;
      now: () => number;
    },
  ) {
    this.listings = new ReleaseListings(deps);
  }

  private async requireApp(appId: string, trust: boolean): Promise<void> {
    const app = await this.deps.store.trust.getApp(appId);
    if (!app) throw appNotFound(appId);
    if (trust && !app.trustInitializedAt) throw trustNotInitialized(appId);
  }

  /**
   * Blobs this app does not own yet, or whose bytes the blob store no longer holds whole (a
   * blob gone, or of another length than recorded): uploading them again repairs the store.
   * A blob another app uploaded still counts as missing: owning one means having uploaded it.
   */
  async missingBlobs(appId: string, sha256s: string[]): Promise<string[]> {
    await this.requireApp(appId, false);
    const present = await this.deps.store.releases.findAppBlobs(appId, sha256s);
    const damaged = await this.notWhole(present);
    return [...new Set(sha256s)].filter((h) => !present.has(h) || damaged.has(h));
  }

  /** Recorded blobs (hash → length) the blob store does not hold at that length. */
  private async notWhole(recorded: Map<string, number>): Promise<Set<string>> {
    const damaged = new Set<string>();
    const hashes = [...recorded.keys()];
    // A stat per blob, a few at a time: a release lists tens to hundreds of files.
    for (let i = 0; i < hashes.length; i += 16) {
      await Promise.all(
        hashes.slice(i, i + 16).map(async (h) => {
          const stored = await this.deps.blobs.stat(h);
          if (stored?.length !== recorded.get(h)) damaged.add(h);
        }),
      );
    }
    return damaged;
  }

  /**
   * Registers the bundle the app binary ships for (platform, runtimeVersion): later publishes
   * patch against its files. Every file must already be uploaded, so the publisher (on any
   * machine) can fetch the bases from the repository.
   */
  async registerEmbedded(
    appId: string,
    platform: string,
    runtimeVersion: string,
    files: EmbeddedFile[],
  ): Promise<EmbeddedBundle> {
    await this.requireApp(appId, false);
    if (!isPlatform(platform)) throw badRequest('invalid-platform', `platform must be one of ${PLATFORMS.join(', ')}`);
    const seen = new Set<string>();
    for (const [i, f] of files.entries()) {
      const problem = relativePathProblem(f.path);
      if (problem) throw badRequest('invalid-embedded', `files[${i}].path "${f.path}" ${problem}`);
      if (seen.has(f.path)) throw badRequest('invalid-embedded', `files lists "${f.path}" twice`);
      seen.add(f.path);
    }
    const owned = await this.deps.store.releases.findAppBlobs(
      appId,
      files.map((f) => f.sha256),
    );
    const missing = [...new Set(files.map((f) => f.sha256))].filter((h) => !owned.has(h));
    if (missing.length > 0) {
      throw badRequest(
        'blobs-missing',
        `${missing.length} file(s) of the embedded bundle were not uploaded (first: ${missing[0]}); upload them first (POST /v1/apps/${appId}/blobs/missing lists them)`,
        { missing },
      );
    }
    const bundle: EmbeddedBundle = {
      platform,
      runtimeVersion,
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      registeredAt: new Date(this.deps.now()).toISOString(),
    };
    await this.deps.store.releases.putEmbeddedBundle(appId, bundle);
    return bundle;
  }

  async embeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle> {
    await this.requireApp(appId, false);
    const bundle = await this.deps.store.releases.getEmbeddedBundle(appId, platform, runtimeVersion);
    if (!bundle) {
      throw new ApiError(
        'embedded-not-found',
        `no embedded bundle is registered for ${platform} ${runtimeVersion}; register one with 'updraft embedded register'`,
      );
    }
    return bundle;
  }

  tooLarge(): ApiError {
    const max = this.deps.maxFileBytes;
    return new ApiError(
      'too-large',
      `the file is larger than this server's limit of ${describeBytes(max)}; raise the server's maxFileBytes setting to accept it`,
      { maxBytes: max },
    );
  }

  async uploadBlob(
    appId: string,
    sha256: string,
    body: Readable | Uint8Array,
    declaredLength?: number,
  ): Promise<{ sha256: string; length: number }> {
    await this.requireApp(appId, false);
    const stored = await this.storeBytes(sha256, body, declaredLength);
    await this.deps.store.releases.addAppBlob(appId, stored, new Date(this.deps.now()).toISOString());
    return stored;
  }

  /**
   * Puts checked bytes into the blob store without recording them as any app's file (release
   * files are recorded by uploadBlob; source maps by their own table), blob errors as API errors.
   */
  async storeBytes(
    sha256: string,
    body: Readable | Uint8Array,
    declaredLength?: number,
  ): Promise<{ sha256: string; length: number }> {
    if (declaredLength !== undefined && declaredLength > this.deps.maxFileBytes) throw this.tooLarge();
    try {
      return await this.deps.blobs.put(sha256, body, { maxBytes: this.deps.maxFileBytes });
    } catch (err) {
      if (err instanceof BlobError && err.code === 'too-large') throw this.tooLarge();
      if (err instanceof BlobError && err.code === 'no-space') {
        throw new ApiError(
          'disk-full',
          `the server's disk is full: ${sha256} was not stored (nothing partial was kept). Free space on the server's blob storage, then publish again`,
        );
      }
      if (err instanceof BlobError && err.code === 'hash-mismatch') {
        throw badRequest(
          'hash-mismatch',
          `the uploaded bytes have SHA-256 ${err.details.actual}, not ${sha256}; nothing was stored. Upload the file again`,
        );
      }
      throw err;
    }
  }

  async releasesMetadata(appId: string): Promise<Uint8Array> {
    await this.requireApp(appId, false);
    const latest = await this.deps.store.trust.getLatestMetadata(appId, RELEASES_ROLE);
    if (!latest) throw trustNotInitialized(appId, 404);
    return latest.bytes;
  }

  /** The releases the next releases version must keep (releases-in-use.ts), sorted. */
  async releasesInUse(appId: string): Promise<string[]> {
    await this.requireApp(appId, false);
    return [...(await releasesInUse(this.deps.store, appId)).keys()].sort();
  }

  async listReleases(
    appId: string,
    filter: { channel?: string; limit: number },
  ): Promise<(PublishedRelease & ReleaseListing)[]> {
    await this.requireApp(appId, false);
    const records = await this.deps.store.releases.listReleases(appId, filter);
    const listings = await this.listings.describe(appId, records);
    return records.map((r) => ({ ...toPublished(r), ...listings.get(r.releaseId)! }));
  }

  /**
   * Accepts a release the publisher signed: validates everything, then stores the releases
   * version, the release, its channel pointer, and a new director, snapshot and timestamp in
   * one transaction.
   */
  async publish(actor: Actor, appId: string, request: PublishRequest): Promise<PublishResult> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    await this.requireApp(appId, true);
    // Fails fast before the costly checks; the deciding check is repeated in the transaction.
    assertMayChangeChannel(actor, appId, await store.rollout.getChannel(appId, request.channel));
    const startAt = parseStartAt(request.startAt, nowMs);
    const targeting = checkedTargeting(request.targeting);
    const targetsMeta = await store.trust.getLatestMetadata(appId, TARGETS_ROLE);
    const releasesMeta = await store.trust.getLatestMetadata(appId, RELEASES_ROLE);
    if (!targetsMeta || !releasesMeta) throw new Error(`app ${appId} has trust but lacks keys or metadata`);
    const targets = parseStored(targetsMeta).signed;
    const currentRaw = parseJsonObject(releasesMeta.bytes, 'stored releases.json');
    const current = parseTargets(currentRaw, RELEASES_ROLE).signed;

    const checked = checkPublish({ appId, request, targets, currentRaw, current, nowMs });
    const { release } = checked;
    if (await store.releases.getRelease(appId, release.releaseId)) {
      // A release dropped from the listing is still recorded: its id is taken for good.
      throw badRequest(
        'invalid-release',
        `app ${appId} already has a release "${release.releaseId}"; sign the new release under a new release id`,
      );
    }
    // Fails fast; the deciding check is repeated in the transaction.
    await assertNoneInUse(store, appId, checked.dropped);
    await this.checkVersionCode(store, appId, release.platform, release.runtimeVersion, release.versionCode);
    await this.checkManifest(appId, checked.manifestSha256, checked.target.length, release);

    const record: ReleaseRecord = {
      appId,
      releaseId: release.releaseId,
      versionCode: release.versionCode,
      epoch: release.epoch,
      platform: release.platform,
      runtimeVersion: release.runtimeVersion,
      channel: request.channel,
      manifestSha256: checked.manifestSha256,
      manifestLength: checked.target.length,
      releasesVersion: checked.version,
      createdAt: new Date(nowMs).toISOString(),
    };
    const releasesChanged = () =>
      conflict('releases-changed', 'another publish happened; run the command again', {
        expectedVersion: checked.version - 1,
      });
    // A lost race for director, snapshot or timestamp is run again; one for this releases version
    // (another publish) is releases-changed, found by the check below when it runs again.
    await withResignRetry(
      store,
      appId,
      async (tx) => {
        // Check-and-write in one transaction: what was validated above is still the latest.
        if ((await tx.trust.getLatestMetadata(appId, RELEASES_ROLE))?.version !== checked.version - 1)
          throw releasesChanged();
        // Who may change the channel is decided here, inside the transaction that changes it.
        await channelToChange(tx, actor, appId, request, nowMs);
        // A promote or scheduled start that landed since the check above may use a dropped release.
        await assertNoneInUse(tx, appId, checked.dropped);
        await this.checkVersionCode(tx, appId, release.platform, release.runtimeVersion, release.versionCode);
        await storeEnvelope(tx, appId, RELEASES_ROLE, request.releases as SignedEnvelope, nowMs);
        await tx.releases.insertRelease(record);
        if (request.notes !== undefined) await tx.releases.setReleaseNotes(appId, release.releaseId, request.notes);
        const settings = {
          basisPoints: request.basisPoints ?? FULL_ROLLOUT,
          mandatory: request.mandatory ?? false,
          targeting,
        };
        if (startAt) {
          await scheduleDeployment(tx, actor, appId, request.channel, record, settings, startAt, nowMs);
        } else {
          await pointChannelAt(tx, appId, request.channel, record, settings, nowMs);
        }
        const serverKeyIds = await resignPointers(tx, appId, nowMs);
        await appendAudit(
          tx,
          actor,
          {
            appId,
            action: 'release.publish',
            target: `channel:${request.channel}/${release.platform}/${release.runtimeVersion}`,
            releaseId: release.releaseId,
            manifestSha256: checked.manifestSha256,
            // The publisher's releases signatures and the server's director/snapshot/timestamp keys.
            signingKeyIds: [
              ...(request.releases as SignedEnvelope).signatures.map((sig) => sig.keyid),
              ...serverKeyIds,
            ],
            details: {
              versionCode: release.versionCode,
              releasesVersion: checked.version,
              ...settings,
              startAt: startAt ?? null,
            },
          },
          nowMs,
        );
      },
      releasesChanged,
    );
    return { ...toPublished(record), droppedReleases: checked.dropped };
  }

  private async checkVersionCode(
    store: Ports<'releases'>,
    appId: string,
    platform: string,
    runtimeVersion: string,
    versionCode: number,
  ): Promise<void> {
    const max = await store.releases.maxVersionCode(appId, platform, runtimeVersion);
    if (max !== null && versionCode <= max) {
      throw conflict(
        'version-code',
        `versionCode ${versionCode} is not above ${max}, the highest already published for ${platform} ${runtimeVersion}; ` +
          `sign the release with versionCode ${max + 1} or more`,
        { maxVersionCode: max },
      );
    }
  }

  /** The manifest and every file it lists must be blobs this app uploaded, and agree with the signed target. */
  private async checkManifest(
    appId: string,
    sha256: string,
    length: number,
    release: ReleaseManifestFields,
  ): Promise<void> {
    const { store, blobs } = this.deps;
    const owned = await store.releases.findAppBlobs(appId, [sha256]);
    if (!owned.has(sha256)) {
      throw badRequest(
        'blobs-missing',
        `the release manifest ${sha256} was not uploaded; upload it (PUT /v1/apps/${appId}/blobs/${sha256}) first`,
        {
          missing: [sha256],
        },
      );
    }
    if (owned.get(sha256) !== length) {
      throw badRequest(
        'invalid-release',
        `the signed manifest length is ${length} but the uploaded manifest is ${owned.get(sha256)} bytes`,
      );
    }
    const bytes = await blobs.get(sha256);
    if (!bytes) throw new Error(`blob ${sha256} is recorded for ${appId} but missing from the blob store`);
    let manifest: ReleaseManifest;
    try {
      manifest = parseManifest(parseJsonObject(bytes, 'release manifest'));
      checkManifestMatches(manifest, release);
    } catch (err) {
      if (isUpdraftError(err)) throw badRequest('invalid-manifest', err.message);
      throw err;
    }
    // Patches are served like files (targets/files/<sha256>), so they must be here too.
    const required = manifest.files.flatMap((f) => [
      { path: f.path, sha256: f.sha256, length: f.length },
      ...(f.patches ?? []).map((p) => ({ path: `patch of ${f.path}`, sha256: p.sha256, length: p.length })),
    ]);
    const files = await store.releases.findAppBlobs(
      appId,
      required.map((f) => f.sha256),
    );
    const missing = [...new Set(required.filter((f) => !files.has(f.sha256)).map((f) => f.sha256))];
    if (missing.length > 0) {
      throw badRequest(
        'blobs-missing',
        `${missing.length} file(s) of the release were not uploaded (first: ${missing[0]}); upload them first (POST /v1/apps/${appId}/blobs/missing lists them)`,
        { missing },
      );
    }
    const wrong = required.find((f) => files.get(f.sha256) !== f.length);
    if (wrong) {
      throw badRequest(
        'invalid-manifest',
        `manifest says ${wrong.path} is ${wrong.length} bytes; the uploaded blob ${wrong.sha256} is ${files.get(wrong.sha256)}`,
      );
    }
    // The record says uploaded; the store must also hold it whole, or devices could not install it.
    files.set(sha256, length);
    const damaged = [...(await this.notWhole(files))];
    if (damaged.length > 0) {
      throw badRequest(
        'blobs-missing',
        `${damaged.length} file(s) of the release are missing or damaged in the blob store (first: ${damaged[0]}); upload them again (POST /v1/apps/${appId}/blobs/missing lists them)`,
        { missing: damaged },
      );
    }
  }
}

type ReleaseManifestFields = Parameters<typeof checkManifestMatches>[1];

function parseStored(m: StoredMetadata): { signed: TargetsSigned } {
  return parseTargets(parseJsonObject(m.bytes, `stored ${m.role}.json`), m.role);
}

function toPublished(r: ReleaseRecord): PublishedRelease {
  return {
    releaseId: r.releaseId,
    versionCode: r.versionCode,
    channel: r.channel,
    platform: r.platform,
    runtimeVersion: r.runtimeVersion,
    createdAt: r.createdAt,
  };
}
