import type { Kysely, Selectable } from 'kysely';
import { StoreConflictError } from '../database.js';
import type { ReleaseExtras, ReleaseRecord, ReleaseStore } from '../release-store.js';
import type { Tables, ReleasesTable } from '../schema.js';
import { isUniqueViolation } from './table-util.js';

type ReleaseAccess = Pick<ReleaseStore, 'insertRelease' | 'getRelease' | 'listReleases' | 'maxVersionCode'>;
type ReleaseExtrasAccess = Pick<ReleaseStore, 'getReleaseExtras' | 'setReleaseNotes' | 'setReleaseDisabled'>;

/** Published releases: the immutable record of each, and the notes and disabling that may change later. */
export class ReleaseQueries implements ReleaseAccess, ReleaseExtrasAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async insertRelease(r: ReleaseRecord): Promise<void> {
    try {
      await this.db
        .insertInto('releases')
        .values({
          app_id: r.appId,
          release_id: r.releaseId,
          version_code: r.versionCode,
          epoch: r.epoch,
          platform: r.platform,
          runtime_version: r.runtimeVersion,
          channel: r.channel,
          manifest_sha256: r.manifestSha256,
          manifest_length: r.manifestLength,
          releases_version: r.releasesVersion,
          created_at: r.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflictError(`release ${r.releaseId} already exists`, { cause: err });
      throw err;
    }
  }

  async getRelease(appId: string, releaseId: string): Promise<ReleaseRecord | null> {
    const row = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return row ? toRelease(row) : null;
  }

  async listReleases(appId: string, filter: { channel?: string; limit: number }): Promise<ReleaseRecord[]> {
    let q = this.db.selectFrom('releases').selectAll().where('app_id', '=', appId);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    const rows = await q.orderBy('releases_version', 'desc').limit(filter.limit).execute();
    return rows.map(toRelease);
  }

  async maxVersionCode(appId: string, platform: string, runtimeVersion: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('releases')
      .select((eb) => eb.fn.max('version_code').as('max'))
      .where('app_id', '=', appId)
      .where('platform', '=', platform)
      .where('runtime_version', '=', runtimeVersion)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? null : Number(row.max);
  }

  async getReleaseExtras(appId: string, releaseId: string): Promise<ReleaseExtras | null> {
    const r = await this.db
      .selectFrom('releases')
      .select(['notes', 'disabled_at'])
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return r ? { notes: r.notes, disabledAt: r.disabled_at } : null;
  }

  async setReleaseNotes(appId: string, releaseId: string, notes: string | null): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({ notes })
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .execute();
  }

  async setReleaseDisabled(appId: string, releaseId: string, at: string): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({ disabled_at: at })
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .execute();
  }
}

function toRelease(r: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    appId: r.app_id,
    releaseId: r.release_id,
    versionCode: Number(r.version_code),
    epoch: Number(r.epoch),
    platform: r.platform,
    runtimeVersion: r.runtime_version,
    channel: r.channel,
    manifestSha256: r.manifest_sha256,
    manifestLength: Number(r.manifest_length),
    releasesVersion: Number(r.releases_version),
    createdAt: r.created_at,
  };
}
