import type { Kysely } from 'kysely';
import type { LeaseStore } from '../lease-store.js';
import type { Tables } from '../schema.js';

type LeaseAccess = Pick<LeaseStore, 'tryAcquireLease' | 'releaseLease'>;

/** Named, expiring leases: one holder at a time across every process sharing the database. */
export class LeaseQueries implements LeaseAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs: number = Date.now()): Promise<boolean> {
    const expires = nowMs + ttlMs;
    // One statement, so the database decides the race: the conditional upsert changes a row
    // only when the lease is free, expired or ours.
    const result = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at_ms: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at_ms: expires })
          .where((eb) => eb.or([eb('leases.expires_at_ms', '<=', nowMs), eb('leases.holder', '=', holder)])),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
