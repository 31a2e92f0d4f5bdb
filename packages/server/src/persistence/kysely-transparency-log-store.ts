import type { Kysely } from 'kysely';
import { StoreConflictError } from './database.js';
import type { LogKeyRecord, LogLeafRecord, TransparencyLogStore } from './transparency-log-store.js';
import type { Tables } from './schema.js';
import { isUniqueViolation } from './kysely/table-util.js';

function bytes(value: Uint8Array): Uint8Array {
  // better-sqlite3 returns Buffers; callers compare with Uint8Array helpers, which accept both.
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export class KyselyTransparencyLogStore implements TransparencyLogStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async getKey(logId: string): Promise<LogKeyRecord | null> {
    const row = await this.db.selectFrom('log_keys').selectAll().where('log_id', '=', logId).executeTakeFirst();
    return row
      ? {
          logId,
          origin: row.origin,
          signerKey: row.signer_key,
          verifierKey: row.verifier_key,
          createdAt: row.created_at,
        }
      : null;
  }

  async insertKey(key: LogKeyRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('log_keys')
      .values({
        log_id: key.logId,
        origin: key.origin,
        signer_key: key.signerKey,
        verifier_key: key.verifierKey,
        created_at: key.createdAt,
      })
      .onConflict((oc) => oc.column('log_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async size(logId: string): Promise<number> {
    const row = await this.db
      .selectFrom('log_leaves')
      .select((eb) => eb.fn.max('idx').as('max'))
      .where('log_id', '=', logId)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
  }

  async appendLeaf(leaf: LogLeafRecord): Promise<void> {
    try {
      await this.db
        .insertInto('log_leaves')
        .values({
          log_id: leaf.logId,
          idx: leaf.index,
          leaf_hash: leaf.leafHash,
          data: leaf.data,
          created_at: leaf.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new StoreConflictError(`log ${leaf.logId} already has leaf ${leaf.index}`, { cause: err });
      throw err;
    }
  }

  async leafHashes(logId: string, size: number): Promise<Uint8Array[]> {
    const rows = await this.db
      .selectFrom('log_leaves')
      .select(['leaf_hash'])
      .where('log_id', '=', logId)
      .where('idx', '<', size)
      .orderBy('idx')
      .execute();
    return rows.map((r) => bytes(r.leaf_hash));
  }

  async leaves(logId: string, start: number, end: number): Promise<LogLeafRecord[]> {
    const rows = await this.db
      .selectFrom('log_leaves')
      .selectAll()
      .where('log_id', '=', logId)
      .where('idx', '>=', start)
      .where('idx', '<', end)
      .orderBy('idx')
      .execute();
    return rows.map((r) => ({
      logId,
      index: Number(r.idx),
      leafHash: bytes(r.leaf_hash),
      data: bytes(r.data),
      createdAt: r.created_at,
    }));
  }

  async findLeaf(logId: string, leafHash: Uint8Array, size: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('log_leaves')
      .select(['idx'])
      .where('log_id', '=', logId)
      .where('leaf_hash', '=', leafHash)
      .where('idx', '<', size)
      .orderBy('idx')
      .executeTakeFirst();
    return row ? Number(row.idx) : null;
  }

  async putCheckpoint(logId: string, size: number, note: string, at: string): Promise<void> {
    await this.db
      .insertInto('log_checkpoints')
      .values({ log_id: logId, tree_size: size, note, created_at: at })
      .onConflict((oc) => oc.columns(['log_id', 'tree_size']).doUpdateSet({ note, created_at: at }))
      .execute();
  }

  async latestCheckpoint(logId: string): Promise<{ size: number; note: string } | null> {
    const row = await this.db
      .selectFrom('log_checkpoints')
      .select(['tree_size', 'note'])
      .where('log_id', '=', logId)
      .orderBy('tree_size', 'desc')
      .executeTakeFirst();
    return row ? { size: Number(row.tree_size), note: row.note } : null;
  }

  async addCosignature(logId: string, size: number, line: string, at: string): Promise<void> {
    await this.db
      .insertInto('log_cosignatures')
      .values({ log_id: logId, tree_size: size, line, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async cosignatures(logId: string, size: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('log_cosignatures')
      .select(['line'])
      .where('log_id', '=', logId)
      .where('tree_size', '=', size)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.line);
  }
}
