import type { Kysely } from 'kysely';
import type { Tables } from '../schema.js';
import type { ReleaseSourcemap, SourcemapStore } from './sourcemap-store.js';

const fromRow = (r: Tables['release_sourcemaps']): ReleaseSourcemap => ({
  appId: r.app_id,
  releaseId: r.release_id,
  name: r.name,
  sha256: r.sha256,
  length: Number(r.length),
  uploadedAt: r.uploaded_at,
});

/** SourcemapStore over Kysely: dialect-neutral query builder calls only. */
export class KyselySourcemapStore implements SourcemapStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async put(m: ReleaseSourcemap): Promise<void> {
    const values = { sha256: m.sha256, length: m.length, uploaded_at: m.uploadedAt };
    await this.db
      .insertInto('release_sourcemaps')
      .values({ app_id: m.appId, release_id: m.releaseId, name: m.name, ...values })
      .onConflict((oc) => oc.columns(['app_id', 'release_id', 'name']).doUpdateSet(values))
      .execute();
  }

  async get(appId: string, releaseId: string, name: string): Promise<ReleaseSourcemap | null> {
    const r = await this.db
      .selectFrom('release_sourcemaps')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  async list(appId: string, releaseId: string): Promise<ReleaseSourcemap[]> {
    const rows = await this.db
      .selectFrom('release_sourcemaps')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }
}
