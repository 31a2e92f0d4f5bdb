import type { Kysely } from 'kysely';
import type { EmbeddedBundle, EmbeddedFile, ReleaseStore } from '../release-store.js';
import type { Tables } from '../schema.js';
import { atomically } from './table-util.js';

/** Keeps IN lists well below every dialect's bound-parameter limit. */
const IN_CHUNK = 500;

type FileAccess = Pick<
  ReleaseStore,
  'addAppBlob' | 'findAppBlobs' | 'listBlobs' | 'getEmbeddedBundle' | 'putEmbeddedBundle'
>;

/**
 * Which files an app has: the blobs it uploaded (the bytes live in the blob store) and the
 * bundle each app binary embeds, which updates are patched against.
 */
export class FileQueries implements FileAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async addAppBlob(appId: string, blob: { sha256: string; length: number }, at: string): Promise<void> {
    return atomically(this.db, async (db) => {
      await db
        .insertInto('blobs')
        .values({ sha256: blob.sha256, length: blob.length, created_at: at })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      await db
        .insertInto('app_blobs')
        .values({ app_id: appId, sha256: blob.sha256, created_at: at })
        .onConflict((oc) => oc.columns(['app_id', 'sha256']).doNothing())
        .execute();
    });
  }

  async findAppBlobs(appId: string, sha256s: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const unique = [...new Set(sha256s)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const rows = await this.db
        .selectFrom('app_blobs')
        .innerJoin('blobs', 'blobs.sha256', 'app_blobs.sha256')
        .select(['blobs.sha256', 'blobs.length'])
        .where('app_blobs.app_id', '=', appId)
        .where('app_blobs.sha256', 'in', unique.slice(i, i + IN_CHUNK))
        .execute();
      for (const r of rows) found.set(r.sha256, Number(r.length));
    }
    return found;
  }

  async listBlobs(opts: {
    appId?: string;
    after?: string;
    limit: number;
  }): Promise<{ sha256: string; length: number }[]> {
    let q = this.db.selectFrom('blobs').select(['blobs.sha256', 'blobs.length']);
    if (opts.appId !== undefined) {
      q = q.innerJoin('app_blobs', 'app_blobs.sha256', 'blobs.sha256').where('app_blobs.app_id', '=', opts.appId);
    }
    if (opts.after !== undefined) q = q.where('blobs.sha256', '>', opts.after);
    const rows = await q.orderBy('blobs.sha256').limit(opts.limit).execute();
    return rows.map((r) => ({ sha256: r.sha256, length: Number(r.length) }));
  }

  async getEmbeddedBundle(appId: string, platform: string, runtimeVersion: string): Promise<EmbeddedBundle | null> {
    const row = await this.db
      .selectFrom('embedded_bundles')
      .select(['files_json', 'registered_at'])
      .where('app_id', '=', appId)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    if (!row) return null;
    return {
      platform,
      runtimeVersion,
      files: JSON.parse(row.files_json) as EmbeddedFile[],
      registeredAt: row.registered_at,
    };
  }

  async putEmbeddedBundle(appId: string, bundle: EmbeddedBundle): Promise<void> {
    const files = JSON.stringify(bundle.files);
    await this.db
      .insertInto('embedded_bundles')
      .values({
        app_id: appId,
        platform: bundle.platform,
        runtime_version: bundle.runtimeVersion,
        files_json: files,
        registered_at: bundle.registeredAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['app_id', 'platform', 'runtime_version'])
          .doUpdateSet({ files_json: files, registered_at: bundle.registeredAt }),
      )
      .execute();
  }
}
