import type { Kysely, Selectable } from 'kysely';
import { StoreConflictError } from '../database.js';
import type { MetadataRole, StoredMetadata, TrustStore } from '../trust-store.js';
import type { Tables, MetadataTable } from '../schema.js';
import { isUniqueViolation } from './table-util.js';

type SignedMetadataAccess = Pick<
  TrustStore,
  'putMetadata' | 'getMetadata' | 'getLatestMetadata' | 'getLatestMetadataVersion'
>;

/** The immutable, numbered versions of each TUF role of an app, stored as the exact bytes served. */
export class SignedMetadataQueries implements SignedMetadataAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async putMetadata(m: StoredMetadata): Promise<void> {
    try {
      await this.db
        .insertInto('metadata')
        .values({
          app_id: m.appId,
          role: m.role,
          version: m.version,
          bytes: m.bytes,
          sha256: m.sha256,
          length: m.length,
          expires_at: m.expiresAt,
          created_at: m.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new StoreConflictError(`${m.role} version ${m.version} of ${m.appId} already exists`, { cause: err });
      }
      throw err;
    }
  }

  async getMetadata(appId: string, role: MetadataRole, version: number): Promise<StoredMetadata | null> {
    const row = await this.db
      .selectFrom('metadata')
      .selectAll()
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toMetadata(row) : null;
  }

  async getLatestMetadataVersion(appId: string, role: MetadataRole): Promise<number | null> {
    const row = await this.db
      .selectFrom('metadata')
      .select('version')
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.version) : null;
  }

  async getLatestMetadata(appId: string, role: MetadataRole): Promise<StoredMetadata | null> {
    const row = await this.db
      .selectFrom('metadata')
      .selectAll()
      .where('app_id', '=', appId)
      .where('role', '=', role)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toMetadata(row) : null;
  }
}

function toMetadata(r: Selectable<MetadataTable>): StoredMetadata {
  return {
    appId: r.app_id,
    role: r.role as MetadataRole,
    version: Number(r.version),
    bytes: r.bytes,
    sha256: r.sha256,
    length: Number(r.length),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}
