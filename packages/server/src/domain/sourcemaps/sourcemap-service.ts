import type { Readable } from 'node:stream';
import type { Actor } from '../access.js';
import { appNotFound, notFound } from '../api-error.js';
import { appendAudit } from '../audit-service.js';
import type { BlobStore } from '../../blobs/blobs.js';
import type { ReleasesService } from '../releases-service.js';
import type { Transactional } from '../../persistence/persistence.js';
import type { ReleaseSourcemap } from '../../persistence/sourcemaps/sourcemap-store.js';

export type SourcemapView = Omit<ReleaseSourcemap, 'appId' | 'releaseId'>;

const view = ({ name, sha256, length, uploadedAt }: ReleaseSourcemap): SourcemapView => ({
  name,
  sha256,
  length,
  uploadedAt,
});

/**
 * Source maps kept beside a release for symbolicating crash reports: uploaded by the publisher
 * with the release, downloaded with a read key. They are not part of the signed targets and
 * not recorded as the app's files, which is all the device routes serve.
 */
export class SourcemapService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'access' | 'sourcemaps'>;
      blobs: BlobStore;
      releases: ReleasesService;
      now: () => number;
    },
  ) {}

  private async requireRelease(appId: string, releaseId: string): Promise<void> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    if (!(await store.releases.getRelease(appId, releaseId))) {
      throw notFound(
        'release-not-found',
        `app ${appId} has no release "${releaseId}"; publish it first, or list them with GET /v1/apps/${appId}/releases`,
      );
    }
  }

  /**
   * Stores the bytes, then records the map and its audit entry in one transaction: a refused
   * upload (too large, wrong hash, unknown release) leaves neither. The entry names the map by
   * name, SHA-256 and length only; the map is the app's source, so its content is never copied.
   */
  async upload(
    actor: Actor,
    appId: string,
    releaseId: string,
    name: string,
    sha256: string,
    body: Readable | Uint8Array,
    declaredLength?: number,
  ): Promise<SourcemapView> {
    await this.requireRelease(appId, releaseId);
    const stored = await this.deps.releases.storeBytes(sha256, body, declaredLength);
    const nowMs = this.deps.now();
    const record = { appId, releaseId, name, ...stored, uploadedAt: new Date(nowMs).toISOString() };
    await this.deps.store.transaction(async (tx) => {
      const before = await tx.sourcemaps.get(appId, releaseId, name);
      await tx.sourcemaps.put(record);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'sourcemap.upload',
          target: `release:${releaseId}/sourcemap:${name}`,
          releaseId,
          details: {
            name,
            sha256: stored.sha256,
            length: stored.length,
            // A map uploaded again after a rebuild replaces the earlier one: say which it was.
            replaced: before ? { sha256: before.sha256, length: before.length } : null,
          },
        },
        nowMs,
      );
    });
    return view(record);
  }

  async list(appId: string, releaseId: string): Promise<{ sourcemaps: SourcemapView[] }> {
    await this.requireRelease(appId, releaseId);
    return { sourcemaps: (await this.deps.store.sourcemaps.list(appId, releaseId)).map(view) };
  }

  async open(
    appId: string,
    releaseId: string,
    name: string,
  ): Promise<{ map: SourcemapView; length: number; stream: Readable }> {
    await this.requireRelease(appId, releaseId);
    const map = await this.deps.store.sourcemaps.get(appId, releaseId, name);
    const opened = map ? await this.deps.blobs.createReadStream(map.sha256) : null;
    if (!map || !opened) {
      throw notFound(
        'sourcemap-not-found',
        map
          ? `the source map ${name} of release ${releaseId} is recorded but its bytes are gone from the blob store; publish it again with its release's build`
          : `release ${releaseId} has no source map "${name}"; list them with GET /v1/apps/${appId}/releases/${releaseId}/sourcemaps`,
      );
    }
    return { map: view(map), ...opened };
  }
}
