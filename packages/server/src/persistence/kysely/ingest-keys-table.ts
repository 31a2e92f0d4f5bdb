import type { Kysely } from 'kysely';
import type { IngestKeyRecord, InsightStore } from '../insight-store.js';
import type { Tables } from '../schema.js';

type IngestKeyAccess = Pick<InsightStore, 'insertIngestKey' | 'findIngestKey' | 'listIngestKeys' | 'revokeIngestKey'>;

const ingestKeyOf = (r: Tables['ingest_keys']): IngestKeyRecord => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  keySha256: r.key_sha256,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
});

/** The keys devices send telemetry with (per app; only their SHA-256 is stored). */
export class IngestKeyQueries implements IngestKeyAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async insertIngestKey(k: IngestKeyRecord): Promise<void> {
    await this.db
      .insertInto('ingest_keys')
      .values({
        id: k.id,
        app_id: k.appId,
        name: k.name,
        key_sha256: k.keySha256,
        created_at: k.createdAt,
        created_by: k.createdBy,
        revoked_at: k.revokedAt,
      })
      .execute();
  }

  async findIngestKey(keySha256: string): Promise<IngestKeyRecord | null> {
    const r = await this.db
      .selectFrom('ingest_keys')
      .selectAll()
      .where('key_sha256', '=', keySha256)
      .executeTakeFirst();
    return r ? ingestKeyOf(r) : null;
  }

  async listIngestKeys(appId: string): Promise<IngestKeyRecord[]> {
    const rows = await this.db
      .selectFrom('ingest_keys')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .execute();
    return rows.map(ingestKeyOf);
  }

  async revokeIngestKey(appId: string, id: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('ingest_keys')
      .set({ revoked_at: at })
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
